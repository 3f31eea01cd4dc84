//! `values.schema.json` validation (Helm's `ValidateAgainstSchema`).
//!
//! Helm validates the coalesced values of the top chart against its
//! schema, then each subchart's section (`values[sub]`) against that
//! subchart's schema, recursively, and reports
//!
//! ```text
//! values don't meet the specifications of the schema(s) in the following chart(s):
//! NAME:
//! - at '/path': MESSAGE
//! ```
//!
//! Helm uses santhosh-tekuri/jsonschema v6; we validate with the
//! `jsonschema` crate and render the common error kinds in v6's wording.
//! Compiling a schema with the crate costs more than rendering most charts,
//! so values go through [`quick`] first, which settles the common case
//! (values that certainly conform) without compiling anything.
//! Partial: nested `anyOf/oneOf` causes and rarer keywords get a generic
//! message, and errors are sorted by path (Go's order is random).

use gotmpl::Value;

use crate::chart::Chart;

pub mod quick;
use crate::error::{Error, ErrorKind};
use crate::values::as_table;

/// Values as JSON for the validator (Kubernetes' unstructured view:
/// integral numbers are integers).
pub(crate) fn to_json(v: &Value) -> serde_json::Value {
    yaml::value_json::unstructured(v)
}

fn type_of(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

fn quote_list(items: &[String]) -> String {
    items
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn json_short(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => format!("'{s}'"),
        other => other.to_string(),
    }
}

fn message(err: &jsonschema::ValidationError<'_>) -> String {
    use jsonschema::error::ValidationErrorKind as K;
    let inst = err.instance.as_ref();
    match &err.kind {
        K::Type { kind } => {
            let want = match kind {
                jsonschema::error::TypeKind::Single(t) => t.to_string(),
                jsonschema::error::TypeKind::Multiple(ts) => ts
                    .iter()
                    .map(|t| t.to_string())
                    .collect::<Vec<_>>()
                    .join(" or "),
            };
            format!("got {}, want {}", type_of(inst), want)
        }
        K::Required { property } => {
            let p = property
                .as_str()
                .map(|s| s.to_string())
                .unwrap_or_else(|| property.to_string());
            format!("missing property '{p}'")
        }
        K::Enum { options } => {
            let opts: Vec<String> = match options {
                serde_json::Value::Array(a) => a.iter().map(json_short).collect(),
                other => vec![json_short(other)],
            };
            format!("value must be one of {}", opts.join(", "))
        }
        K::Constant { expected_value } => format!("value must be {}", json_short(expected_value)),
        K::Minimum { limit } => format!("must be >= {limit} but found {inst}"),
        K::Maximum { limit } => format!("must be <= {limit} but found {inst}"),
        K::ExclusiveMinimum { limit } => format!("must be > {limit} but found {inst}"),
        K::ExclusiveMaximum { limit } => format!("must be < {limit} but found {inst}"),
        K::MinLength { limit } => {
            let n = inst.as_str().map(|s| s.chars().count()).unwrap_or(0);
            format!("minLength: got {n}, want {limit}")
        }
        K::MaxLength { limit } => {
            let n = inst.as_str().map(|s| s.chars().count()).unwrap_or(0);
            format!("maxLength: got {n}, want {limit}")
        }
        K::MinItems { limit } => {
            let n = inst.as_array().map(|a| a.len()).unwrap_or(0);
            format!("minItems: got {n}, want {limit}")
        }
        K::MaxItems { limit } => {
            let n = inst.as_array().map(|a| a.len()).unwrap_or(0);
            format!("maxItems: got {n}, want {limit}")
        }
        K::Pattern { pattern } => {
            format!("{} does not match pattern '{}'", json_short(inst), pattern)
        }
        K::AdditionalProperties { unexpected } => {
            format!(
                "additional properties {} not allowed",
                quote_list(unexpected)
            )
        }
        K::Format { format } => format!("{} is not valid '{format}'", json_short(inst)),
        _ => err.to_string(),
    }
}

/// Validate `values` against one schema with the full validator (no quick
/// check); `Ok(None)` when valid, else the
/// `- at '…': …` lines (each ending in `\n`, plus Helm's extra `\n`).
pub fn validate_single(values: &Value, schema_json: &[u8]) -> Result<Option<String>, String> {
    validate_json(&to_json(values), schema_json)
}

/// [`validate_single`] on values already converted to JSON.
fn validate_json(inst: &serde_json::Value, schema_json: &[u8]) -> Result<Option<String>, String> {
    let schema: serde_json::Value =
        serde_json::from_slice(schema_json).map_err(|e| format!("invalid JSON in schema: {e}"))?;
    let validator = match jsonschema::validator_for(&schema) {
        Ok(v) => v,
        Err(_) => {
            // santhosh-tekuri falls back to its default draft for a `$schema`
            // it does not know (e.g. `http://json-schema.org/schema`); the
            // Rust crate refuses, so drop it and retry.
            let mut s2 = schema.clone();
            if let Some(o) = s2.as_object_mut() {
                o.remove("$schema");
            }
            jsonschema::validator_for(&s2).map_err(|e| e.to_string())?
        }
    };
    let errors: Vec<_> = validator.iter_errors(inst).collect();
    // santhosh-tekuri/jsonschema (Helm's validator) stops at a failed
    // `type` for that location: drop the other keywords' errors there.
    let type_failed: std::collections::HashSet<String> = errors
        .iter()
        .filter(|e| matches!(e.kind, jsonschema::error::ValidationErrorKind::Type { .. }))
        .map(|e| e.instance_path.to_string())
        .collect();
    let mut lines: Vec<(String, String)> = errors
        .iter()
        .filter(|e| {
            matches!(e.kind, jsonschema::error::ValidationErrorKind::Type { .. })
                || !type_failed.contains(&e.instance_path.to_string())
        })
        .map(|e| (e.instance_path.to_string(), message(e)))
        .collect();
    if lines.is_empty() {
        return Ok(None);
    }
    lines.sort();
    let body: Vec<String> = lines
        .iter()
        .map(|(p, m)| format!("- at '{p}': {m}"))
        .collect();
    Ok(Some(format!("{}\n", body.join("\n"))))
}

/// One piece of the report: a schema check, or text known up front.
enum Step {
    Check {
        name: String,
        schema: Vec<u8>,
        values: serde_json::Value,
    },
    Text(String),
}

/// Schema validation in two halves, so the expensive one (compiling the
/// schemas and validating) can run on another thread while the chart
/// renders: [`prepare_validation`] converts the values (the non-`Send`
/// part), [`PendingValidation::run`] does the rest and reports exactly what
/// [`validate_against_schema`] would.
pub struct PendingValidation {
    steps: Vec<Step>,
}

/// First half of [`validate_against_schema`] (see [`PendingValidation`]).
pub fn prepare_validation(chart: &Chart, values: &Value) -> PendingValidation {
    let mut steps = Vec::new();
    plan_rec(chart, values, &mut steps, 0);
    PendingValidation { steps }
}

impl PendingValidation {
    /// Whether any schema is to be compiled (else [`Self::run`] is cheap).
    pub fn has_checks(&self) -> bool {
        self.steps.iter().any(|s| matches!(s, Step::Check { .. }))
    }

    pub fn run(self) -> Result<(), Error> {
        let mut out = String::new();
        for step in self.steps {
            match step {
                Step::Text(t) => out.push_str(&t),
                Step::Check {
                    name,
                    schema,
                    values,
                } => match validate_json(&values, &schema) {
                    Ok(None) => {}
                    Ok(Some(e)) | Err(e) => {
                        out.push_str(&format!("{name}:\n"));
                        out.push_str(&e);
                    }
                },
            }
        }
        report(out)
    }
}

fn plan_rec(chart: &Chart, values: &Value, steps: &mut Vec<Step>, depth: usize) {
    if depth > 200 {
        return;
    }
    if let Some(schema) = &chart.schema {
        // Values that certainly conform need no compiled validator (see
        // `quick`); everything else gets one, which decides and words it.
        let conforms = schema
            .json()
            .is_some_and(|parsed| quick::check(values, parsed) == quick::Verdict::Valid);
        if !conforms {
            steps.push(Step::Check {
                name: chart.name().to_string(),
                schema: schema.bytes().to_vec(),
                values: to_json(values),
            });
        }
    }
    for sub in &chart.dependencies {
        let raw = as_table(values).and_then(|m| m.get(sub.name()));
        let raw = match raw {
            None | Some(Value::Nil) => continue,
            Some(r) => r,
        };
        if as_table(&raw).is_none() {
            steps.push(Step::Text(format!(
                "{}:\ninvalid type for values: expected object (map), got {}\n",
                sub.name(),
                raw.type_name()
            )));
            continue;
        }
        plan_rec(sub, &raw, steps, depth + 1);
    }
}

fn report(out: String) -> Result<(), Error> {
    if out.is_empty() {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::Schema,
        format!("values don't meet the specifications of the schema(s) in the following chart(s):\n{out}"),
    ))
}

/// Helm's `ValidateAgainstSchema` wrapped as `ToRenderValues` reports it.
pub fn validate_against_schema(chart: &Chart, values: &Value) -> Result<(), Error> {
    prepare_validation(chart, values).run()
}
