//! Kubernetes name rules (apimachinery's `validation.IsDNS1123Label`,
//! `IsDNS1123Subdomain`, `IsDNS1035Label`) with their exact messages, and
//! Helm's release-name rule built on them.  The linter, `template` and the
//! lifecycle all check names; the rules and wording live here once.

/// apimachinery's message for a bad RFC 1123 label.
pub const DNS1123_LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
/// apimachinery's message for a bad RFC 1123 subdomain.
pub const DNS1123_SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
/// apimachinery's message for a bad DNS-1035 label.
pub const DNS1035_LABEL_MSG: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, the shape of an RFC 1123 label (no
/// length check).
pub fn is_dns1123_label_shape(s: &str) -> bool {
    label_shape(s, false)
}

/// `[a-z]([-a-z0-9]*[a-z0-9])?`, the shape of a DNS-1035 label (no length
/// check).
pub fn is_dns1035_label_shape(s: &str) -> bool {
    label_shape(s, true)
}

/// Dot-separated RFC 1123 labels (no length check).
pub fn is_dns1123_subdomain_shape(s: &str) -> bool {
    s.split('.').all(is_dns1123_label_shape)
}

fn label_shape(s: &str, alpha_start: bool) -> bool {
    let b = s.as_bytes();
    let (Some(&first), Some(&last)) = (b.first(), b.last()) else {
        return false;
    };
    let first_ok = first.is_ascii_lowercase() || (!alpha_start && first.is_ascii_digit());
    first_ok
        && (last.is_ascii_lowercase() || last.is_ascii_digit())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

/// Helm's longest release name (`chartutil.ValidateReleaseName`).
pub const MAX_RELEASE_NAME_LEN: usize = 53;

/// Helm's release-name rule: an RFC 1123 subdomain of at most 53
/// characters, worded as Helm's install action words a failure
/// (`release name "x": invalid release name, …`).
pub fn validate_release_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > MAX_RELEASE_NAME_LEN || !is_dns1123_subdomain_shape(name) {
        return Err(format!(
            "release name {name:?}: invalid release name, must match regex ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ and the length must not be longer than 53"
        ));
    }
    Ok(())
}

/// The messages apimachinery's name validation gives an object `name` of
/// `kind` (what `helm lint` reports), empty when the name is fine.
pub fn name_errors(kind: &str, name: &str) -> Vec<String> {
    let mut errs = Vec::new();
    match kind.to_ascii_lowercase().as_str() {
        "service" => {
            if name.len() > 63 {
                errs.push("must be no more than 63 characters".to_string());
            }
            if !is_dns1035_label_shape(name) {
                errs.push(DNS1035_LABEL_MSG.to_string());
            }
        }
        "namespace" => {
            if name.len() > 63 {
                errs.push("must be no more than 63 characters".to_string());
            }
            if !is_dns1123_label_shape(name) {
                errs.push(DNS1123_LABEL_MSG.to_string());
            }
        }
        "certificatesigningrequest" => {}
        "role" | "clusterrole" | "rolebinding" | "clusterrolebinding" => {
            if name == "." || name == ".." {
                errs.push(format!("may not be '{name}'"));
            } else {
                for bad in ["/", "%"] {
                    if name.contains(bad) {
                        errs.push(format!("may not contain '{bad}'"));
                    }
                }
            }
        }
        _ => {
            if name.len() > 253 {
                errs.push("must be no more than 253 characters".to_string());
            }
            if !is_dns1123_subdomain_shape(name) {
                errs.push(DNS1123_SUBDOMAIN_MSG.to_string());
            }
        }
    }
    errs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_shapes() {
        assert!(is_dns1123_label_shape("123-abc"));
        assert!(!is_dns1035_label_shape("123-abc"));
        assert!(is_dns1035_label_shape("abc-123"));
        assert!(!is_dns1123_label_shape("-a"));
        assert!(!is_dns1123_label_shape("a-"));
        assert!(!is_dns1123_label_shape(""));
        assert!(!is_dns1123_label_shape("A"));
        assert!(is_dns1123_subdomain_shape("a.b-c.d"));
        assert!(!is_dns1123_subdomain_shape("a..b"));
    }

    #[test]
    fn release_names() {
        assert!(validate_release_name("fraud-model").is_ok());
        assert!(validate_release_name(&"a".repeat(53)).is_ok());
        let e = validate_release_name(&"a".repeat(54)).unwrap_err();
        assert!(e.starts_with("release name \"aaaa"), "{e}");
        assert!(validate_release_name("Bad_Name").is_err());
        assert!(validate_release_name("").is_err());
    }

    #[test]
    fn object_names_by_kind() {
        assert_eq!(name_errors("Service", "1abc"), vec![DNS1035_LABEL_MSG]);
        assert_eq!(name_errors("Namespace", "a.b"), vec![DNS1123_LABEL_MSG]);
        assert!(name_errors("ConfigMap", "a.b").is_empty());
        assert_eq!(
            name_errors("Role", "a/b%"),
            vec!["may not contain '/'", "may not contain '%'"]
        );
        assert!(name_errors("CertificateSigningRequest", "ANY").is_empty());
    }
}
