//! Where Helm keeps things (pkg/helmpath, pkg/cli/environment.go):
//! `HELM_CONFIG_HOME`/`HELM_CACHE_HOME`/`HELM_DATA_HOME`, else the XDG
//! variables, else `~/.config`, `~/.cache`, `~/.local/share` (Linux).
//! Flags override the environment; the environment overrides defaults.

use std::path::{Path, PathBuf};

/// Resolved locations for one command.
#[derive(Clone, Debug)]
pub struct Settings {
    pub config_home: PathBuf,
    pub cache_home: PathBuf,
    pub data_home: PathBuf,
    /// `repositories.yaml`.
    pub repository_config: PathBuf,
    /// Directory of `NAME-index.yaml` / `NAME-charts.txt`.
    pub repository_cache: PathBuf,
    /// Helm 4's digest-keyed chart cache.
    pub content_cache: PathBuf,
    /// `registry/config.json`.
    pub registry_config: PathBuf,
}

/// Flag values (`--repository-config` …); `None` = not given.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub repository_config: Option<String>,
    pub repository_cache: Option<String>,
    pub content_cache: Option<String>,
    pub registry_config: Option<String>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn home() -> PathBuf {
    env("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/"))
}

fn base(helm_var: &str, xdg_var: &str, default_rel: &str) -> PathBuf {
    if let Some(v) = env(helm_var) {
        return PathBuf::from(v);
    }
    let root = env(xdg_var)
        .map(PathBuf::from)
        .unwrap_or_else(|| home().join(default_rel));
    root.join("helm")
}

impl Settings {
    /// From the environment and flags, as `helm` resolves them.
    pub fn from_env(o: &Overrides) -> Settings {
        let config_home = base("HELM_CONFIG_HOME", "XDG_CONFIG_HOME", ".config");
        let cache_home = base("HELM_CACHE_HOME", "XDG_CACHE_HOME", ".cache");
        let data_home = base("HELM_DATA_HOME", "XDG_DATA_HOME", ".local/share");
        let pick = |flag: &Option<String>, var: &str, default: PathBuf| {
            flag.clone()
                .or_else(|| env(var))
                .map(PathBuf::from)
                .unwrap_or(default)
        };
        Settings {
            repository_config: pick(
                &o.repository_config,
                "HELM_REPOSITORY_CONFIG",
                config_home.join("repositories.yaml"),
            ),
            repository_cache: pick(
                &o.repository_cache,
                "HELM_REPOSITORY_CACHE",
                cache_home.join("repository"),
            ),
            content_cache: pick(
                &o.content_cache,
                "HELM_CONTENT_CACHE",
                cache_home.join("content"),
            ),
            registry_config: pick(
                &o.registry_config,
                "HELM_REGISTRY_CONFIG",
                config_home.join("registry").join("config.json"),
            ),
            config_home,
            cache_home,
            data_home,
        }
    }

    /// `CACHE/repository/NAME-index.yaml`.
    pub fn cache_index(&self, name: &str) -> PathBuf {
        self.repository_cache.join(format!("{name}-index.yaml"))
    }

    /// `CACHE/repository/NAME-charts.txt`.
    pub fn cache_charts(&self, name: &str) -> PathBuf {
        self.repository_cache.join(format!("{name}-charts.txt"))
    }

    /// `helmpath.CachePath("repository")`: `pull --repo URL` keeps its
    /// temporary index here, not in `--repository-cache`.
    pub fn cache_path(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.cache_home.join(rel)
    }
}
