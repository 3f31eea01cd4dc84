//! A minimal decoder for Kubernetes protobuf request bodies.
//!
//! client-go's typed clients (Helm's release storage, `kubectl create`) send
//! `application/vnd.kubernetes.protobuf` and never fall back to JSON on a
//! 415, so the emulator decodes the few message types those clients write:
//! Secret, ConfigMap, Namespace, ServiceAccount and DeleteOptions (field
//! numbers from k8s.io/api and apimachinery `generated.proto`). Each is
//! turned into the JSON form the rest of the emulator works with; responses
//! are always JSON (the clients accept it).

use base64::Engine;
use serde_json::{json, Map, Value};

#[derive(Debug)]
enum Wire<'a> {
    Varint(u64),
    Fixed64(u64),
    Bytes(&'a [u8]),
    Fixed32(u32),
}

fn read_varint(b: &[u8], pos: &mut usize) -> Result<u64, String> {
    let mut out: u64 = 0;
    for shift in 0..10 {
        let byte = *b.get(*pos).ok_or("truncated varint")?;
        *pos += 1;
        out |= ((byte & 0x7f) as u64) << (shift * 7);
        if byte & 0x80 == 0 {
            return Ok(out);
        }
    }
    Err("varint too long".into())
}

/// Splits a message into (field number, value) pairs.
fn fields(b: &[u8]) -> Result<Vec<(u64, Wire<'_>)>, String> {
    let mut out = vec![];
    let mut pos = 0;
    while pos < b.len() {
        let key = read_varint(b, &mut pos)?;
        let (num, wt) = (key >> 3, key & 7);
        let w = match wt {
            0 => Wire::Varint(read_varint(b, &mut pos)?),
            1 => {
                let s = b.get(pos..pos + 8).ok_or("truncated fixed64")?;
                pos += 8;
                Wire::Fixed64(u64::from_le_bytes(s.try_into().map_err(|_| "bad fixed64")?))
            }
            2 => {
                let len = read_varint(b, &mut pos)? as usize;
                let end = pos.checked_add(len).ok_or("length overflow")?;
                let s = b.get(pos..end).ok_or("truncated length-delimited field")?;
                pos = end;
                Wire::Bytes(s)
            }
            5 => {
                let s = b.get(pos..pos + 4).ok_or("truncated fixed32")?;
                pos += 4;
                Wire::Fixed32(u32::from_le_bytes(s.try_into().map_err(|_| "bad fixed32")?))
            }
            other => return Err(format!("unsupported wire type {other}")),
        };
        out.push((num, w));
    }
    Ok(out)
}

fn string(w: &Wire) -> Result<String, String> {
    match w {
        Wire::Bytes(b) => {
            String::from_utf8(b.to_vec()).map_err(|_| "invalid UTF-8 in string field".into())
        }
        _ => Err("expected a length-delimited string".into()),
    }
}

fn bytes<'a>(w: &Wire<'a>) -> Result<&'a [u8], String> {
    match w {
        Wire::Bytes(b) => Ok(b),
        _ => Err("expected a length-delimited field".into()),
    }
}

fn int(w: &Wire) -> i64 {
    match w {
        Wire::Varint(v) | Wire::Fixed64(v) => *v as i64,
        Wire::Fixed32(v) => *v as i64,
        Wire::Bytes(_) => 0,
    }
}

/// map<string, string|bytes> entry {1 key, 2 value}.
fn map_entry(w: &Wire) -> Result<(String, Vec<u8>), String> {
    let mut k = String::new();
    let mut v = vec![];
    for (n, f) in fields(bytes(w)?)? {
        match n {
            1 => k = string(&f)?,
            2 => v = bytes(&f)?.to_vec(),
            _ => {}
        }
    }
    Ok((k, v))
}

/// The `k8s\0` envelope: returns (apiVersion, kind, raw object bytes).
pub fn unwrap_envelope(body: &[u8]) -> Result<(String, String, &[u8]), String> {
    let rest = body
        .strip_prefix(b"k8s\0")
        .ok_or("protobuf body lacks the k8s\\0 magic prefix")?;
    let mut api_version = String::new();
    let mut kind = String::new();
    let mut raw: &[u8] = &[];
    for (n, w) in fields(rest)? {
        match n {
            1 => {
                for (tn, tw) in fields(bytes(&w)?)? {
                    match tn {
                        1 => api_version = string(&tw)?,
                        2 => kind = string(&tw)?,
                        _ => {}
                    }
                }
            }
            2 => raw = bytes(&w)?,
            _ => {}
        }
    }
    Ok((api_version, kind, raw))
}

fn object_meta(b: &[u8]) -> Result<Value, String> {
    let mut m = Map::new();
    let mut labels = Map::new();
    let mut annotations = Map::new();
    let mut finalizers = vec![];
    let mut owners = vec![];
    for (n, w) in fields(b)? {
        match n {
            1 => put_str(&mut m, "name", string(&w)?),
            2 => put_str(&mut m, "generateName", string(&w)?),
            3 => put_str(&mut m, "namespace", string(&w)?),
            5 => put_str(&mut m, "uid", string(&w)?),
            6 => put_str(&mut m, "resourceVersion", string(&w)?),
            7 => {
                let g = int(&w);
                if g != 0 {
                    m.insert("generation".into(), json!(g));
                }
            }
            11 => {
                let (k, v) = map_entry(&w)?;
                labels.insert(k, json!(String::from_utf8_lossy(&v)));
            }
            12 => {
                let (k, v) = map_entry(&w)?;
                annotations.insert(k, json!(String::from_utf8_lossy(&v)));
            }
            13 => owners.push(owner_ref(bytes(&w)?)?),
            14 => finalizers.push(json!(string(&w)?)),
            _ => {}
        }
    }
    if !labels.is_empty() {
        m.insert("labels".into(), Value::Object(labels));
    }
    if !annotations.is_empty() {
        m.insert("annotations".into(), Value::Object(annotations));
    }
    if !owners.is_empty() {
        m.insert("ownerReferences".into(), Value::Array(owners));
    }
    if !finalizers.is_empty() {
        m.insert("finalizers".into(), Value::Array(finalizers));
    }
    Ok(Value::Object(m))
}

fn owner_ref(b: &[u8]) -> Result<Value, String> {
    let mut m = Map::new();
    for (n, w) in fields(b)? {
        match n {
            1 => put_str(&mut m, "kind", string(&w)?),
            3 => put_str(&mut m, "name", string(&w)?),
            4 => put_str(&mut m, "uid", string(&w)?),
            5 => put_str(&mut m, "apiVersion", string(&w)?),
            6 => {
                m.insert("controller".into(), json!(int(&w) != 0));
            }
            7 => {
                m.insert("blockOwnerDeletion".into(), json!(int(&w) != 0));
            }
            _ => {}
        }
    }
    Ok(Value::Object(m))
}

fn put_str(m: &mut Map<String, Value>, k: &str, v: String) {
    // gogo-protobuf writes empty strings for unset fields: treat as absent.
    if !v.is_empty() {
        m.insert(k.into(), json!(v));
    }
}

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

/// Decodes a protobuf body into the JSON object of the expected kind.
pub fn decode_object(body: &[u8], expected_kind: &str) -> Result<Value, String> {
    let (api_version, kind, raw) = unwrap_envelope(body)?;
    let kind = if kind.is_empty() {
        expected_kind.to_string()
    } else {
        kind
    };
    let api_version = if api_version.is_empty() {
        "v1".to_string()
    } else {
        api_version
    };
    let mut obj = Map::new();
    obj.insert("apiVersion".into(), json!(api_version));
    obj.insert("kind".into(), json!(kind));
    let top = fields(raw)?;
    match kind.as_str() {
        "Secret" => {
            let mut data = Map::new();
            let mut string_data = Map::new();
            for (n, w) in &top {
                match n {
                    1 => {
                        obj.insert("metadata".into(), object_meta(bytes(w)?)?);
                    }
                    2 => {
                        let (k, v) = map_entry(w)?;
                        data.insert(k, json!(b64(&v)));
                    }
                    3 => {
                        let t = string(w)?;
                        if !t.is_empty() {
                            obj.insert("type".into(), json!(t));
                        }
                    }
                    4 => {
                        let (k, v) = map_entry(w)?;
                        string_data.insert(k, json!(String::from_utf8_lossy(&v)));
                    }
                    5 => {
                        obj.insert("immutable".into(), json!(int(w) != 0));
                    }
                    _ => {}
                }
            }
            if !data.is_empty() {
                obj.insert("data".into(), Value::Object(data));
            }
            if !string_data.is_empty() {
                obj.insert("stringData".into(), Value::Object(string_data));
            }
        }
        "ConfigMap" => {
            let mut data = Map::new();
            let mut bin = Map::new();
            for (n, w) in &top {
                match n {
                    1 => {
                        obj.insert("metadata".into(), object_meta(bytes(w)?)?);
                    }
                    2 => {
                        let (k, v) = map_entry(w)?;
                        data.insert(k, json!(String::from_utf8(v).map_err(|_| "ConfigMap data must be UTF-8")?));
                    }
                    3 => {
                        let (k, v) = map_entry(w)?;
                        bin.insert(k, json!(b64(&v)));
                    }
                    4 => {
                        obj.insert("immutable".into(), json!(int(w) != 0));
                    }
                    _ => {}
                }
            }
            if !data.is_empty() {
                obj.insert("data".into(), Value::Object(data));
            }
            if !bin.is_empty() {
                obj.insert("binaryData".into(), Value::Object(bin));
            }
        }
        "Namespace" => {
            for (n, w) in &top {
                match n {
                    1 => {
                        obj.insert("metadata".into(), object_meta(bytes(w)?)?);
                    }
                    2 => {
                        let mut fins = vec![];
                        for (sn, sw) in fields(bytes(w)?)? {
                            if sn == 1 {
                                fins.push(json!(string(&sw)?));
                            }
                        }
                        obj.insert("spec".into(), json!({"finalizers": fins}));
                    }
                    _ => {}
                }
            }
        }
        "ServiceAccount" => {
            let mut secrets = vec![];
            let mut pulls = vec![];
            for (n, w) in &top {
                match n {
                    1 => {
                        obj.insert("metadata".into(), object_meta(bytes(w)?)?);
                    }
                    2 => {
                        let mut m = Map::new();
                        for (sn, sw) in fields(bytes(w)?)? {
                            match sn {
                                1 => put_str(&mut m, "kind", string(&sw)?),
                                2 => put_str(&mut m, "namespace", string(&sw)?),
                                3 => put_str(&mut m, "name", string(&sw)?),
                                4 => put_str(&mut m, "uid", string(&sw)?),
                                5 => put_str(&mut m, "apiVersion", string(&sw)?),
                                _ => {}
                            }
                        }
                        secrets.push(Value::Object(m));
                    }
                    3 => {
                        let mut m = Map::new();
                        for (sn, sw) in fields(bytes(w)?)? {
                            if sn == 1 {
                                put_str(&mut m, "name", string(&sw)?);
                            }
                        }
                        pulls.push(Value::Object(m));
                    }
                    4 => {
                        obj.insert("automountServiceAccountToken".into(), json!(int(w) != 0));
                    }
                    _ => {}
                }
            }
            if !secrets.is_empty() {
                obj.insert("secrets".into(), Value::Array(secrets));
            }
            if !pulls.is_empty() {
                obj.insert("imagePullSecrets".into(), Value::Array(pulls));
            }
        }
        "DeleteOptions" => {
            for (n, w) in &top {
                match n {
                    1 => {
                        obj.insert("gracePeriodSeconds".into(), json!(int(w)));
                    }
                    2 => {
                        let mut m = Map::new();
                        for (sn, sw) in fields(bytes(w)?)? {
                            match sn {
                                1 => put_str(&mut m, "uid", string(&sw)?),
                                2 => put_str(&mut m, "resourceVersion", string(&sw)?),
                                _ => {}
                            }
                        }
                        obj.insert("preconditions".into(), Value::Object(m));
                    }
                    3 => {
                        obj.insert("orphanDependents".into(), json!(int(w) != 0));
                    }
                    4 => {
                        let p = string(w)?;
                        if !p.is_empty() {
                            obj.insert("propagationPolicy".into(), json!(p));
                        }
                    }
                    5 => {
                        let list = obj.entry("dryRun").or_insert_with(|| json!([]));
                        if let Some(a) = list.as_array_mut() {
                            a.push(json!(string(w)?));
                        }
                    }
                    _ => {}
                }
            }
        }
        other => {
            return Err(format!(
                "protobuf bodies are not supported for kind {other:?} by this emulator"
            ))
        }
    }
    obj.entry("metadata").or_insert_with(|| json!({}));
    if kind == "DeleteOptions" {
        obj.remove("metadata");
    }
    Ok(Value::Object(obj))
}

#[cfg(test)]
pub mod tests {
    use super::*;

    // A tiny encoder, for tests only.
    fn varint(mut v: u64, out: &mut Vec<u8>) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }
    pub fn ld(num: u64, data: &[u8], out: &mut Vec<u8>) {
        varint(num << 3 | 2, out);
        varint(data.len() as u64, out);
        out.extend_from_slice(data);
    }
    pub fn entry(k: &str, v: &[u8]) -> Vec<u8> {
        let mut e = vec![];
        ld(1, k.as_bytes(), &mut e);
        ld(2, v, &mut e);
        e
    }
    pub fn secret_body(name: &str, key: &str, val: &[u8]) -> Vec<u8> {
        let mut meta = vec![];
        ld(1, name.as_bytes(), &mut meta);
        ld(11, &entry("owner", b"helm"), &mut meta);
        ld(3, b"", &mut meta);
        let mut secret = vec![];
        ld(1, &meta, &mut secret);
        ld(2, &entry(key, val), &mut secret);
        ld(3, b"helm.sh/release.v1", &mut secret);
        let mut tm = vec![];
        ld(1, b"v1", &mut tm);
        ld(2, b"Secret", &mut tm);
        let mut unk = b"k8s\0".to_vec();
        ld(1, &tm, &mut unk);
        ld(2, &secret, &mut unk);
        unk
    }

    #[test]
    fn decodes_secret() {
        let v = decode_object(&secret_body("s1", "release", b"SDRz"), "Secret").unwrap();
        assert_eq!(v["metadata"]["name"], "s1");
        assert!(v["metadata"].get("namespace").is_none());
        assert_eq!(v["metadata"]["labels"]["owner"], "helm");
        assert_eq!(v["data"]["release"], b64(b"SDRz"));
        assert_eq!(v["type"], "helm.sh/release.v1");
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(decode_object(b"nonsense", "Secret").is_err());
        assert!(decode_object(b"k8s\0\xff\xff\xff", "Secret").is_err());
        let mut b = b"k8s\0".to_vec();
        ld(2, &[0x0a, 0xff], &mut b);
        assert!(decode_object(&b, "Secret").is_err());
    }
}
