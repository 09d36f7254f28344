//! Integrity monitoring rules: create, describe, partial modify, delete and list.
//!
//! Requests are validated field by field before anything is stored. The stored rule keeps the
//! fields of every template it has used, but responses show the common fields plus those of the
//! current template only, as the manager ignores the others.

use base64::Engine;
use serde_json::{json, Map, Value};

use super::api::{body_object, json_type, ApiError, ApiResult, Reply};
use super::state::Store;

/// Fields shared by every template, in response order.
const COMMON_FIELDS: &[&str] = &[
    "name",
    "description",
    "severity",
    "type",
    "template",
    "originalIssue",
    "identifier",
    "lastUpdated",
    "minimumAgentVersion",
    "minimumManagerVersion",
];

/// Common fields that follow the template fields in responses.
const TRAILING_FIELDS: &[&str] = &[
    "alertEnabled",
    "realTimeMonitoringEnabled",
    "recommendationsMode",
    "ID",
];

const REGISTRY_FIELDS: &[&str] = &[
    "registryKeyRoot",
    "registryKeyValue",
    "registryIncludeSubKeys",
    "registryIncludedValues",
    "registryIncludeDefaultValue",
    "registryExcludedValues",
    "registryAttributes",
];

const FILE_FIELDS: &[&str] = &[
    "fileBaseDirectory",
    "fileIncludeSubDirectories",
    "fileIncludedValues",
    "fileExcludedValues",
    "fileAttributes",
];

const CUSTOM_FIELDS: &[&str] = &["customXML"];

const SEVERITIES: &[&str] = &["low", "medium", "high", "critical"];
const TEMPLATES: &[&str] = &["registry", "file", "custom"];
const RECOMMENDATIONS_MODES: &[&str] = &["enabled", "ignored", "unknown", "disabled"];

/// Fields of a vendor-issued rule that may still be tuned. Other changes get a 403.
// NOTE: which fields of a Trend Micro rule a manager lets a client change is not documented.
// These are the ones the console offers for vendor rules.
const TUNABLE_FIELDS: &[&str] = &[
    "severity",
    "alertEnabled",
    "realTimeMonitoringEnabled",
    "recommendationsMode",
];

/// The JSON type a writable field must have.
#[derive(Debug, Clone, Copy, PartialEq)]
enum FieldType {
    Text,
    Flag,
    List,
}

/// Every writable field with its type. Read-only and unknown fields in a body are ignored.
const WRITABLE_FIELDS: &[(&str, FieldType)] = &[
    ("name", FieldType::Text),
    ("description", FieldType::Text),
    ("severity", FieldType::Text),
    ("template", FieldType::Text),
    ("registryKeyRoot", FieldType::Text),
    ("registryKeyValue", FieldType::Text),
    ("registryIncludeSubKeys", FieldType::Flag),
    ("registryIncludedValues", FieldType::List),
    ("registryIncludeDefaultValue", FieldType::Flag),
    ("registryExcludedValues", FieldType::List),
    ("registryAttributes", FieldType::List),
    ("fileBaseDirectory", FieldType::Text),
    ("fileIncludeSubDirectories", FieldType::Flag),
    ("fileIncludedValues", FieldType::List),
    ("fileExcludedValues", FieldType::List),
    ("fileAttributes", FieldType::List),
    ("customXML", FieldType::Text),
    ("alertEnabled", FieldType::Flag),
    ("realTimeMonitoringEnabled", FieldType::Flag),
    ("recommendationsMode", FieldType::Text),
];

/// Handles `GET /integritymonitoringrules`.
pub(crate) fn list(store: &Store) -> ApiResult {
    let rules: Vec<Value> = store.rules.values().map(render).collect();
    Ok(Reply::ok(json!({ "integrityMonitoringRules": rules })))
}

/// Handles `GET /integritymonitoringrules/{id}`.
pub(crate) fn describe(store: &Store, id: i64) -> ApiResult {
    let rule = store.rules.get(&id).ok_or_else(|| rule_not_found(id))?;
    Ok(Reply::ok(render(rule)))
}

/// Handles `POST /integritymonitoringrules`: validates, fills server defaults and stores.
pub(crate) fn create(store: &mut Store, body: Option<Value>) -> ApiResult {
    let patch = parse_patch(body)?;
    for required in ["name", "template"] {
        if !patch.iter().any(|(field, _)| *field == required) {
            return Err(ApiError::bad_request(format!(
                "The rule {required} is required."
            )));
        }
    }

    let mut rule = Map::new();
    for (field, value) in patch {
        rule.insert(field.to_string(), value);
    }
    let defaults = [
        ("severity", json!("medium")),
        ("type", json!("1")),
        ("lastUpdated", json!(store.now_ms())),
        ("minimumAgentVersion", json!("6.0.0.0")),
        ("minimumManagerVersion", json!("6.0.0")),
        ("alertEnabled", json!(false)),
        ("realTimeMonitoringEnabled", json!(true)),
        ("recommendationsMode", json!("unknown")),
    ];
    for (field, value) in defaults {
        rule.entry(field).or_insert(value);
    }
    fill_template_defaults(&mut rule);

    let id = store.allocate_rule_id();
    store.insert_rule(id, rule);
    describe(store, id)
}

/// Handles `POST /integritymonitoringrules/{id}`: changes only the fields present and not null.
pub(crate) fn modify(store: &mut Store, id: i64, body: Option<Value>) -> ApiResult {
    let patch = parse_patch(body)?;
    let now = store.now_ms();
    let rule = store.rules.get_mut(&id).ok_or_else(|| rule_not_found(id))?;

    if is_vendor_rule(rule) {
        let untunable = patch.iter().find(|(field, value)| {
            !TUNABLE_FIELDS.contains(field) && rule.get(*field) != Some(value)
        });
        if let Some((field, _)) = untunable {
            return Err(ApiError::forbidden(format!(
                "The requested modification is not permitted: {field} of Trend Micro rule {id} cannot be changed."
            )));
        }
    }

    for (field, value) in patch {
        rule.insert(field.to_string(), value);
    }
    rule.insert("lastUpdated".to_string(), json!(now));
    fill_template_defaults(rule);
    Ok(Reply::ok(render(rule)))
}

/// Handles `DELETE /integritymonitoringrules/{id}`.
pub(crate) fn delete(store: &mut Store, id: i64) -> ApiResult {
    let rule = store.rules.get(&id).ok_or_else(|| rule_not_found(id))?;
    if is_vendor_rule(rule) {
        return Err(ApiError::forbidden(format!(
            "The requested modification is not permitted: Trend Micro rule {id} cannot be deleted."
        )));
    }
    let holders: Vec<String> = store
        .policies
        .iter()
        .filter(|(_, policy)| super::policies::own_rule_ids(policy).contains(&id))
        .map(|(policy_id, policy)| {
            let name = policy
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default();
            format!("\"{name}\" (ID {policy_id})")
        })
        .collect();
    if !holders.is_empty() {
        return Err(ApiError::bad_request(format!(
            "Integrity monitoring rule {id} cannot be deleted because it is assigned to policy {}.",
            holders.join(", ")
        )));
    }

    store.rules.remove(&id);
    Ok(Reply::empty())
}

/// Builds the response JSON of a stored rule: common fields, the current template's fields, then
/// any field the emulator does not know (only out-of-band edits can add those).
pub(crate) fn render(rule: &Map<String, Value>) -> Value {
    let template_fields: &[&str] = match rule.get("template").and_then(Value::as_str) {
        Some("registry") => REGISTRY_FIELDS,
        Some("file") => FILE_FIELDS,
        Some("custom") => CUSTOM_FIELDS,
        _ => &[],
    };
    let known = |field: &str| {
        [
            COMMON_FIELDS,
            TRAILING_FIELDS,
            REGISTRY_FIELDS,
            FILE_FIELDS,
            CUSTOM_FIELDS,
        ]
        .iter()
        .any(|group| group.contains(&field))
    };

    let mut out = Map::new();
    for field in COMMON_FIELDS
        .iter()
        .chain(template_fields)
        .chain(TRAILING_FIELDS)
    {
        if let Some(value) = rule.get(*field) {
            out.insert((*field).to_string(), value.clone());
        }
    }
    for (field, value) in rule {
        if !known(field) {
            out.insert(field.clone(), value.clone());
        }
    }
    Value::Object(out)
}

/// Reports whether a rule was issued by Trend Micro (`type` "2").
fn is_vendor_rule(rule: &Map<String, Value>) -> bool {
    rule.get("type").and_then(Value::as_str) == Some("2")
}

fn rule_not_found(id: i64) -> ApiError {
    ApiError::not_found(format!("Integrity monitoring rule {id} does not exist."))
}

/// Fills the server defaults of the rule's template into fields that are not set.
fn fill_template_defaults(rule: &mut Map<String, Value>) {
    let defaults: Vec<(&str, Value)> = match rule.get("template").and_then(Value::as_str) {
        Some("registry") => vec![
            ("registryKeyRoot", json!("HKEY_CLASSES_ROOT")),
            ("registryKeyValue", json!("\\")),
            ("registryIncludeSubKeys", json!(false)),
            ("registryIncludedValues", json!([""])),
            ("registryIncludeDefaultValue", json!(true)),
            ("registryExcludedValues", json!([""])),
            ("registryAttributes", json!(["STANDARD"])),
        ],
        Some("file") => vec![
            ("fileIncludeSubDirectories", json!(false)),
            ("fileIncludedValues", json!([""])),
            ("fileExcludedValues", json!([""])),
            ("fileAttributes", json!(["STANDARD"])),
        ],
        _ => Vec::new(),
    };
    for (field, value) in defaults {
        rule.entry(field).or_insert(value);
    }
}

/// Validates a create or modify body and returns the writable fields it sets, normalised.
/// Null fields count as absent.
fn parse_patch(body: Option<Value>) -> Result<Vec<(&'static str, Value)>, ApiError> {
    let body = body_object(body, "an integrity monitoring rule")?;
    let mut patch = Vec::new();
    for (field, field_type) in WRITABLE_FIELDS {
        let Some(value) = body.get(*field).filter(|value| !value.is_null()) else {
            continue;
        };
        let normalised = match field_type {
            FieldType::Text => check_text(field, value)?,
            FieldType::Flag => check_flag(field, value)?,
            FieldType::List => normalise_list(field, value)?,
        };
        patch.push((*field, normalised));
    }
    Ok(patch)
}

fn check_text(field: &str, value: &Value) -> Result<Value, ApiError> {
    let Some(text) = value.as_str() else {
        return Err(wrong_type(field, "a string", value));
    };
    let allowed = match field {
        "severity" => Some(SEVERITIES),
        "template" => Some(TEMPLATES),
        "recommendationsMode" => Some(RECOMMENDATIONS_MODES),
        _ => None,
    };
    if let Some(allowed) = allowed {
        if !allowed.contains(&text) {
            return Err(ApiError::bad_request(format!(
                "Invalid {field} \"{text}\": expected one of {}.",
                allowed.join(", ")
            )));
        }
    }
    if field == "name" && text.trim().is_empty() {
        return Err(ApiError::bad_request("The rule name must not be empty."));
    }
    if field == "customXML"
        && base64::engine::general_purpose::STANDARD
            .decode(text)
            .is_err()
    {
        return Err(ApiError::bad_request(
            "Invalid customXML: the value must be Base64-encoded XML.",
        ));
    }
    Ok(value.clone())
}

fn check_flag(field: &str, value: &Value) -> Result<Value, ApiError> {
    match value {
        Value::Bool(_) => Ok(value.clone()),
        _ => Err(wrong_type(field, "true or false", value)),
    }
}

/// Turns an array of strings or a newline-joined string into an array with one entry per line,
/// as the manager stores these lists newline-joined. An empty list comes back as `[""]`.
fn normalise_list(field: &str, value: &Value) -> Result<Value, ApiError> {
    let joined = match value {
        Value::String(text) => text.clone(),
        Value::Array(items) => {
            let mut lines = Vec::with_capacity(items.len());
            for item in items {
                let Some(text) = item.as_str() else {
                    return Err(wrong_type(field, "an array of strings", value));
                };
                lines.push(text);
            }
            lines.join("\n")
        }
        _ => return Err(wrong_type(field, "an array of strings", value)),
    };
    let lines: Vec<Value> = joined
        .split('\n')
        .map(|line| Value::from(line.strip_suffix('\r').unwrap_or(line)))
        .collect();
    Ok(Value::Array(lines))
}

fn wrong_type(field: &str, expected: &str, value: &Value) -> ApiError {
    ApiError::bad_request(format!(
        "Invalid {field}: expected {expected}, got {}.",
        json_type(value)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_list_splits_lines() {
        let cases = [
            ("array", json!(["a", "b"]), json!(["a", "b"])),
            ("joined string", json!("a\nb"), json!(["a", "b"])),
            (
                "embedded newline",
                json!(["a\nb", "c"]),
                json!(["a", "b", "c"]),
            ),
            ("empty array", json!([]), json!([""])),
            ("empty string", json!(""), json!([""])),
            ("carriage return", json!("a\r\nb"), json!(["a", "b"])),
        ];
        for (name, input, expected) in cases {
            assert_eq!(
                normalise_list("fileAttributes", &input),
                Ok(expected),
                "case {name}"
            );
        }
    }

    #[test]
    fn normalise_list_rejects_wrong_types() {
        for input in [json!(1), json!(true), json!([1]), json!({})] {
            assert!(
                normalise_list("fileAttributes", &input).is_err(),
                "input {input}"
            );
        }
    }

    #[test]
    fn parse_patch_validates_fields() {
        let cases = [
            ("bad severity", json!({"severity": "urgent"})),
            ("bad template", json!({"template": "network"})),
            (
                "bad recommendations mode",
                json!({"recommendationsMode": "on"}),
            ),
            ("name not string", json!({"name": 5})),
            ("empty name", json!({"name": " "})),
            ("flag as string", json!({"alertEnabled": "true"})),
            ("bad base64", json!({"customXML": "<FileSet/>"})),
            ("body not object", json!([])),
        ];
        for (name, body) in cases {
            assert!(parse_patch(Some(body)).is_err(), "case {name}");
        }
    }

    #[test]
    fn parse_patch_ignores_read_only_and_null() {
        let body = json!({"ID": 5, "type": "2", "lastUpdated": 1, "name": null, "severity": "low"});
        let patch = parse_patch(Some(body)).expect("body is valid");
        assert_eq!(patch, vec![("severity", json!("low"))]);
    }

    #[test]
    fn render_hides_other_template_fields() {
        let rule = json!({"template": "file", "registryKeyRoot": "HKLM", "fileBaseDirectory": "/etc", "extra": 1});
        let Value::Object(rule) = rule else {
            unreachable!("literal is an object")
        };
        let rendered = render(&rule);
        assert_eq!(
            rendered,
            json!({"template": "file", "fileBaseDirectory": "/etc", "extra": 1})
        );
    }
}
