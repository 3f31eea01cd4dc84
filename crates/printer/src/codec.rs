//! The encoders behind `-o json` and `-o yaml`, as Helm's Go libraries
//! write them.

use serde::Serialize;

use crate::Error;

/// Go's `json.Encoder.Encode`: compact, HTML-escaped, newline-terminated
/// (Helm's `output.EncodeJSON`).
pub fn encode_json<T: Serialize + ?Sized>(v: &T) -> Result<String, Error> {
    let bytes = capstan_release::codec::marshal(v).map_err(|e| Error::Encode(e.to_string()))?;
    Ok(format!("{}\n", String::from_utf8_lossy(&bytes)))
}

/// sigs.k8s.io/yaml's `Marshal` (Helm's `output.EncodeYAML`): JSON first,
/// then that JSON read as YAML (so numbers keep their kind) and written
/// with sorted keys.
pub fn encode_yaml<T: Serialize + ?Sized>(v: &T) -> Result<String, Error> {
    json_to_yaml(&encode_json(v)?)
}

/// sigs.k8s.io/yaml's `JSONToYAML`.
pub fn json_to_yaml(json: &str) -> Result<String, Error> {
    let val = yaml::from_yaml(json).map_err(|e| Error::Encode(e.to_string()))?;
    yaml_doc(&val)
}

/// A YAML document as sigs.k8s.io/yaml writes it (newline-terminated).
pub fn yaml_doc(v: &gotmpl::Value) -> Result<String, Error> {
    let mut s = yaml::to_yaml(v).map_err(|e| Error::Encode(e.to_string()))?;
    if !s.ends_with('\n') {
        s.push('\n');
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_json_and_sorted_yaml() {
        let v = serde_json::json!({"b": 1, "a": "<x>"});
        assert_eq!(
            encode_json(&v).unwrap(),
            "{\"a\":\"\\u003cx\\u003e\",\"b\":1}\n"
        );
        assert_eq!(encode_yaml(&v).unwrap(), "a: <x>\nb: 1\n");
    }
}
