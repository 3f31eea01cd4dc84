//! `search repo` (pkg/cmd/search_repo.go, pkg/cmd/search/search.go): every
//! cached index of `repositories.yaml`, one line per chart (or per
//! version with `--versions`/`--version`) of the form
//! `name \v repo/name \v description \v keywords`; a literal search is a
//! case-insensitive substring search and the score is the number of the
//! field it matched in (name 0, repo/name 1, …), a regexp search uses the
//! first match; results sorted by score, then name, newest version first,
//! then filtered by the version constraint (`>0.0.0` by default, which
//! leaves prereleases out; `>0.0.0-0` with `--devel`).

use super::{ChartVersion, IndexFile, RepoFile};
use crate::error::Error;
use crate::paths::Settings;

/// The separator of a search line's fields.
const SEP: char = '\u{b}';

/// Helm's `searchMaxScore`.
pub const MAX_SCORE: usize = 25;

/// One hit.
#[derive(Clone, Debug)]
pub struct SearchResult {
    /// `REPO/CHART`.
    pub name: String,
    pub score: usize,
    pub chart: ChartVersion,
}

/// The searchable lines of all repositories (`search.Index`).
#[derive(Default)]
pub struct SearchIndex {
    /// (`REPO/CHART`, line, chart), in insertion order.
    entries: Vec<(String, String, ChartVersion)>,
}

fn line_for(repo: &str, cv: &ChartVersion) -> String {
    format!(
        "{}{SEP}{repo}/{}{SEP}{}{SEP}{}",
        cv.name,
        cv.name,
        cv.metadata.description,
        cv.metadata.keywords.join(" ")
    )
}

/// `calcScore`: the index of the field holding byte offset `at`.
fn score(at: usize, line: &str) -> usize {
    line.char_indices()
        .filter(|(_, c)| *c == SEP)
        .map(|(i, _)| i)
        .position(|pos| at <= pos)
        .unwrap_or_else(|| line.matches(SEP).count())
}

impl SearchIndex {
    pub fn new() -> SearchIndex {
        SearchIndex::default()
    }

    /// `Index.AddRepo(name, index, all)`: the newest version of each chart,
    /// or every version when `all`.
    pub fn add_repo(&mut self, repo: &str, index: &IndexFile, all: bool) {
        for (name, versions) in &index.entries {
            let Some(first) = versions.first() else {
                continue;
            };
            let fname = super::url::path_join(&[repo, name]);
            if all {
                for v in versions {
                    self.entries
                        .push((fname.clone(), line_for(repo, v), v.clone()));
                }
            } else {
                self.entries
                    .push((fname, line_for(repo, first), first.clone()));
            }
        }
    }

    /// `Index.All()`: everything, score 0.
    pub fn all(&self) -> Vec<SearchResult> {
        self.entries
            .iter()
            .map(|(n, _, c)| SearchResult {
                name: n.clone(),
                score: 0,
                chart: c.clone(),
            })
            .collect()
    }

    /// `Index.Search(term, threshold, regexp)`.
    pub fn search(
        &self,
        term: &str,
        threshold: usize,
        regexp: bool,
    ) -> Result<Vec<SearchResult>, Error> {
        let mut out = Vec::new();
        if regexp {
            let re =
                regex::Regex::new(term).map_err(|e| Error::input(go_regexp_error(term, &e)))?;
            for (n, line, c) in &self.entries {
                let Some(m) = re.find(line) else {
                    continue;
                };
                let s = score(m.start(), line);
                if s < threshold {
                    out.push(SearchResult {
                        name: n.clone(),
                        score: s,
                        chart: c.clone(),
                    });
                }
            }
        } else {
            let term = term.to_lowercase();
            for (n, line, c) in &self.entries {
                let lv = line.to_lowercase();
                let Some(at) = lv.find(&term) else {
                    continue;
                };
                let s = score(at, &lv);
                if s < threshold {
                    out.push(SearchResult {
                        name: n.clone(),
                        score: s,
                        chart: c.clone(),
                    });
                }
            }
        }
        Ok(out)
    }
}

/// Go's `regexp.Compile` error prefix over the `regex` crate's reason.
fn go_regexp_error(term: &str, e: &regex::Error) -> String {
    let why = match e {
        regex::Error::Syntax(s) => s
            .lines()
            .rev()
            .find(|l| l.starts_with("error: "))
            .map(|l| l.trim_start_matches("error: ").to_string())
            .unwrap_or_else(|| s.clone()),
        other => other.to_string(),
    };
    format!("error parsing regexp: {why}: `{term}`")
}

/// `search.SortScore`: score, then name, then newer versions first.
pub fn sort_score(r: &mut [SearchResult]) {
    r.sort_by(|a, b| {
        a.score.cmp(&b.score).then_with(|| {
            if a.name == b.name {
                let va = gostd::semver::Version::parse(&a.chart.version);
                let vb = gostd::semver::Version::parse(&b.chart.version);
                match (va, vb) {
                    (Ok(x), Ok(y)) => y.compare(&x).cmp(&0),
                    _ => std::cmp::Ordering::Equal,
                }
            } else {
                a.name.cmp(&b.name)
            }
        })
    });
}

/// What `search repo` was asked.
#[derive(Clone, Debug, Default)]
pub struct SearchOptions {
    /// Keywords, joined with a space.
    pub terms: Vec<String>,
    pub regexp: bool,
    /// `--versions`.
    pub versions: bool,
    pub devel: bool,
    /// `--version` (a constraint).
    pub version: String,
}

/// `search repo`: the matching chart versions, in Helm's order.
pub fn search_repos(settings: &Settings, o: &SearchOptions) -> Result<Vec<SearchResult>, Error> {
    let version = if !o.version.is_empty() {
        o.version.clone()
    } else if o.devel {
        ">0.0.0-0".into()
    } else {
        ">0.0.0".into()
    };
    let rf = RepoFile::load_opt(&settings.repository_config)
        .ok()
        .flatten()
        .filter(|f| !f.entries.is_empty())
        .ok_or_else(|| Error::input("no repositories configured"))?;
    let mut index = SearchIndex::new();
    for e in &rf.entries {
        match IndexFile::load_file(&settings.cache_index(&e.name)) {
            Ok(ind) => index.add_repo(&e.name, &ind, o.versions || !o.version.is_empty()),
            Err(err) => crate::warn(
                "repo is corrupt or missing",
                &[("repo", &e.name), ("error", &err.message)],
            ),
        }
    }
    let mut res = if o.terms.is_empty() {
        index.all()
    } else {
        index.search(&o.terms.join(" "), MAX_SCORE, o.regexp)?
    };
    sort_score(&mut res);
    apply_constraint(res, &version, o.versions)
}

/// `applyConstraint`: versions satisfying `constraint`, one per chart
/// unless `all_versions`.
pub fn apply_constraint(
    res: Vec<SearchResult>,
    constraint: &str,
    all_versions: bool,
) -> Result<Vec<SearchResult>, Error> {
    if constraint.is_empty() {
        return Ok(res);
    }
    gostd::semver::semver_compare(constraint, "0.0.0")
        .map_err(|e| Error::input(format!("an invalid version/constraint format: {e}")))?;
    let mut found = std::collections::HashSet::new();
    let mut out = Vec::new();
    for r in res {
        if !all_versions && found.contains(&r.name) {
            continue;
        }
        if gostd::semver::semver_compare(constraint, &r.chart.version) == Ok(true) {
            found.insert(r.name.clone());
            out.push(r);
        }
    }
    Ok(out)
}

/// `search repo`'s output: the table (`No results found` when empty), or
/// `[{"name","version","app_version","description"}]` as JSON or YAML;
/// `fail_on_no_result` turns an empty result into `no results found`.
pub fn render(
    res: &[SearchResult],
    format: &str,
    max_col_width: usize,
    fail_on_no_result: bool,
) -> Result<String, Error> {
    use super::gojson;
    if res.is_empty() && fail_on_no_result {
        return Err(Error::not_found("no results found"));
    }
    match format {
        "json" => {
            let items: Vec<String> = res
                .iter()
                .map(|r| {
                    gojson::object(&[
                        ("name", gojson::string(&r.name)),
                        ("version", gojson::string(&r.chart.version)),
                        ("app_version", gojson::string(&r.chart.metadata.app_version)),
                        ("description", gojson::string(&r.chart.metadata.description)),
                    ])
                })
                .collect();
            Ok(format!("{}\n", gojson::array(&items)))
        }
        "yaml" => {
            use gotmpl::Value;
            let v = Value::list(
                res.iter()
                    .map(|r| {
                        let mut m = gotmpl::MapInner::new();
                        m.insert("name".into(), Value::str(&r.name));
                        m.insert("version".into(), Value::str(&r.chart.version));
                        m.insert(
                            "app_version".into(),
                            Value::str(&r.chart.metadata.app_version),
                        );
                        m.insert(
                            "description".into(),
                            Value::str(&r.chart.metadata.description),
                        );
                        Value::map(m)
                    })
                    .collect(),
            );
            yaml::to_yaml(&v).map_err(|e| Error::input(e.to_string()))
        }
        _ => {
            if res.is_empty() {
                return Ok("No results found\n".into());
            }
            let mut t = vec![vec![
                "NAME".to_string(),
                "CHART VERSION".into(),
                "APP VERSION".into(),
                "DESCRIPTION".into(),
            ]];
            for r in res {
                t.push(vec![
                    r.name.clone(),
                    r.chart.version.clone(),
                    r.chart.metadata.app_version.clone(),
                    r.chart.metadata.description.clone(),
                ]);
            }
            Ok(format!("{}\n", gostd::uitable::table(&t, max_col_width)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_by_field() {
        let l = format!("nginx{SEP}stable/nginx{SEP}A web server{SEP}web http");
        assert_eq!(score(0, &l), 0);
        assert_eq!(score(6, &l), 1);
        assert_eq!(score(l.find("web s").unwrap(), &l), 2);
        assert_eq!(score(l.find("http").unwrap(), &l), 3);
    }
}
