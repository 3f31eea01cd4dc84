//! User-supplied values (Helm's `pkg/cli/values.Options.MergeValues`).
//!
//! Order of application, each on top of the previous: `-f` files (deep
//! merged with [`merge_maps`]), `--set-json`, `--set`, `--set-string`,
//! `--set-file`, `--set-literal`.  The strvals flags write *into* the
//! merged map in place (so `--set a.b=1` keeps `a`'s other keys).

use gotmpl::Value;

use crate::error::{Error, ErrorKind};
use crate::strvals;
use crate::values::{load_values, merge_maps};

/// The values flags of `helm install/template/upgrade`.
#[derive(Clone, Debug, Default)]
pub struct ValueOptions {
    /// `-f/--values` paths (`-` = stdin).
    pub value_files: Vec<String>,
    /// `--set`
    pub values: Vec<String>,
    /// `--set-string`
    pub string_values: Vec<String>,
    /// `--set-file` (`key=path`)
    pub file_values: Vec<String>,
    /// `--set-json`
    pub json_values: Vec<String>,
    /// `--set-literal`
    pub literal_values: Vec<String>,
}

fn err(m: String) -> Error {
    Error::new(ErrorKind::Values, m)
}

fn read_file(path: &str) -> Result<Vec<u8>, String> {
    if path == "-" {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf).map_err(|e| e.to_string())?;
        return Ok(buf);
    }
    std::fs::read(path).map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
            std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            _ => e.to_string(),
        };
        format!("open {path}: {why}")
    })
}

impl ValueOptions {
    /// Merge everything into one values map.
    pub fn merge(&self) -> Result<Value, Error> {
        self.merge_with(&mut |p| read_file(p))
    }

    /// [`ValueOptions::merge`] with a custom file reader (tests, URLs).
    pub fn merge_with(
        &self,
        reader: &mut dyn FnMut(&str) -> Result<Vec<u8>, String>,
    ) -> Result<Value, Error> {
        let mut base = Value::empty_map();
        for path in &self.value_files {
            let raw = reader(path).map_err(err)?;
            let current = load_values(&raw)
                .map_err(|e| err(format!("failed to parse {path}: {}", e.message)))?;
            base = merge_maps(&base, &current);
        }
        for value in &self.json_values {
            let trimmed = value.trim();
            if trimmed.starts_with('{') {
                // Go's nesting limit (10000), not serde_json's (128).
                match yaml::value_json::go_json_value(trimmed, false) {
                    Ok((v @ Value::Map(_), _)) => base = merge_maps(&base, &v),
                    _ => return Err(err(format!("failed parsing --set-json data JSON: {value}"))),
                }
            } else if strvals::parse_json(value, &base).is_err() {
                return Err(err(format!("failed parsing --set-json data {value}")));
            }
        }
        for value in &self.values {
            strvals::parse_into(value, &base)
                .map_err(|e| err(format!("failed parsing --set data: {e}")))?;
        }
        for value in &self.string_values {
            strvals::parse_into_string(value, &base)
                .map_err(|e| err(format!("failed parsing --set-string data: {e}")))?;
        }
        for value in &self.file_values {
            let mut rd = |p: &str| -> Result<Value, String> {
                let b = reader(p)?;
                Ok(Value::string(String::from_utf8_lossy(&b).into_owned()))
            };
            strvals::parse_into_file(value, &base, &mut rd)
                .map_err(|e| err(format!("failed parsing --set-file data: {e}")))?;
        }
        for value in &self.literal_values {
            strvals::parse_literal_into(value, &base)
                .map_err(|e| err(format!("failed parsing --set-literal data: {e}")))?;
        }
        Ok(base)
    }
}
