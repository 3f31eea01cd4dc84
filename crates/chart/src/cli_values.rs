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

/// The most of one `-f`/`--set-file` file capstan reads. Helm reads any
/// size, so `-f /dev/zero` fills memory until the process dies; 256 MiB is
/// far past any real values file (a 50 MB one takes seconds to parse).
const MAX_VALUES_FILE: u64 = 256 << 20;

fn read_file(path: &str) -> Result<Vec<u8>, String> {
    read_file_capped(path, MAX_VALUES_FILE)
}

fn read_file_capped(path: &str, cap: u64) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let too_big =
        || format!("{path}: larger than {cap} bytes, the most capstan reads of one values file");
    let mut buf = Vec::new();
    if path == "-" {
        std::io::stdin()
            .take(cap + 1)
            .read_to_end(&mut buf)
            .map_err(|e| e.to_string())?;
    } else {
        let open_err = |e: std::io::Error| {
            let why = match e.kind() {
                std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
                std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
                _ => e.to_string(),
            };
            format!("open {path}: {why}")
        };
        let f = std::fs::File::open(path).map_err(open_err)?;
        f.take(cap + 1).read_to_end(&mut buf).map_err(|e| {
            // Go's words for `-f DIR` (EISDIR from read(2)).
            if e.raw_os_error() == Some(21) {
                format!("read {path}: is a directory")
            } else {
                format!("read {path}: {e}")
            }
        })?;
    }
    if buf.len() as u64 > cap {
        return Err(too_big());
    }
    Ok(buf)
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

#[cfg(test)]
mod read_tests {
    use super::*;

    #[test]
    fn values_files_are_read_up_to_a_cap() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("v.yaml");
        std::fs::write(&p, vec![b'#'; 2000]).unwrap();
        let p = p.to_string_lossy().into_owned();
        assert_eq!(read_file_capped(&p, 2000).unwrap().len(), 2000);
        let err = read_file_capped(&p, 1999).unwrap_err();
        assert!(
            err.ends_with("larger than 1999 bytes, the most capstan reads of one values file"),
            "{err}"
        );
        // An endless file stops at the cap instead of filling memory.
        assert!(read_file_capped("/dev/zero", 1 << 20).is_err());
        let dir = d.path().to_string_lossy().into_owned();
        assert_eq!(
            read_file(&dir).unwrap_err(),
            format!("read {dir}: is a directory")
        );
        assert!(read_file("/nonexistent/v.yaml")
            .unwrap_err()
            .ends_with("no such file or directory"));
    }
}
