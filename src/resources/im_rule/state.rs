//! Builds state from API responses and request bodies from planned state.

use std::collections::BTreeMap;

use super::fields::{
    empty_wire, is_empty_wire, same_value, same_wire, set_wire_field, to_value, to_wire,
    wire_fields, Field, Wire, FIELDS,
};
use crate::client::ImRule;
use crate::protocol::schema::Mode;
use crate::protocol::value::Value;

/// Returns the attribute `name` of an object, or null when the object is null.
pub(crate) fn attr<'a>(object: &'a Value, name: &str) -> &'a Value {
    object.attr(name).unwrap_or(&Value::Null)
}

/// Builds the state of a rule the API returned, keeping each `prior` value the API's value
/// means the same as, so that formatting, case and `[""]` versus `[]` cause no drift.
///
/// Attributes of templates the rule does not use are null. An optional attribute whose API
/// value is empty or the API default is null, unless `prior` contains that empty value itself,
/// so an attribute the user never set stays null and `[]` in the configuration stays `[]`.
pub(crate) fn state_from_rule(rule: ImRule, prior: &Value) -> Value {
    let wire = wire_fields(rule);
    let template = match wire.get("template") {
        Some(Wire::Text(template)) => Some(template.clone()),
        _ => attr(prior, "template").as_str().map(str::to_string),
    };
    let attributes: BTreeMap<String, Value> = FIELDS
        .iter()
        .map(|field| {
            let value = if field
                .template
                .is_some_and(|own| template.as_deref() != Some(own))
            {
                Value::Null
            } else {
                field_from_wire(field, wire.get(field.name), attr(prior, field.name))
            };
            (field.name.to_string(), value)
        })
        .collect();
    Value::Object(attributes)
}

fn field_from_wire(field: &Field, api: Option<&Wire>, prior: &Value) -> Value {
    let keep_prior_if_same = |value: Value| {
        if same_value(field.kind, prior, &value) {
            prior.clone()
        } else {
            value
        }
    };
    match (field.mode, api) {
        (Mode::Computed, Some(api)) => to_value(field.kind, api),
        // The state always contains the ID, even when a response leaves it out.
        (Mode::Computed, None) if field.name == "id" => prior.clone(),
        (Mode::Computed | Mode::OptionalComputed, None) => Value::Null,
        (Mode::Required, None) => prior.clone(),
        (Mode::Required | Mode::OptionalComputed, Some(api)) => {
            keep_prior_if_same(to_value(field.kind, api))
        }
        (Mode::Optional, api) => {
            let Some(effective) = api.cloned().or_else(|| empty_wire(field.kind)) else {
                return Value::Null;
            };
            let value = keep_prior_if_same(to_value(field.kind, &effective));
            if is_empty_wire(field.kind, &effective) && !same_value(field.kind, prior, &value) {
                Value::Null
            } else {
                value
            }
        }
    }
}

/// Builds the state after a create or an update: every value the plan knew, and the API's
/// values for the rest.
pub(crate) fn applied_state(planned: &Value, rule: ImRule) -> Value {
    let from_api = state_from_rule(rule, &Value::Null);
    let attributes: BTreeMap<String, Value> = FIELDS
        .iter()
        .map(|field| {
            let planned_value = attr(planned, field.name);
            let value = if planned_value.is_wholly_known() {
                planned_value.clone()
            } else {
                attr(&from_api, field.name).clone()
            };
            (field.name.to_string(), value)
        })
        .collect();
    Value::Object(attributes)
}

/// Builds the create request: every value the plan sets for the rule's template.
pub(crate) fn create_body(planned: &Value) -> ImRule {
    let template = attr(planned, "template").as_str().unwrap_or_default();
    let mut body = ImRule::default();
    for field in FIELDS.iter().filter(|field| !field.is_read_only()) {
        if !field.applies_to(template) {
            continue;
        }
        if let Some(wire) = to_wire(field.kind, attr(planned, field.name)) {
            set_wire_field(&mut body, field.name, wire);
        }
    }
    body
}

/// Builds the modify request: only the fields whose planned value differs from `prior`.
///
/// A field the configuration no longer sets is reset to the API's empty value (or default for
/// a flag), because the API keeps any field a request leaves out. After a template change every
/// field of the new template is sent, because the API may still hold values from an earlier
/// use of that template that the state does not show.
pub(crate) fn update_body(prior: &Value, planned: &Value) -> ImRule {
    let template = attr(planned, "template").as_str().unwrap_or_default();
    let template_changed = attr(prior, "template").as_str() != Some(template);
    let mut body = ImRule::default();
    for field in FIELDS.iter().filter(|field| !field.is_read_only()) {
        if !field.applies_to(template) {
            continue;
        }
        let resend = template_changed && field.template.is_some();
        let planned_value = attr(planned, field.name);
        let prior_value = attr(prior, field.name);
        let desired = if field.is_computed() {
            // A null or unknown computed value means the API decides, so nothing is sent.
            to_wire(field.kind, planned_value)
        } else {
            to_wire(field.kind, planned_value).or_else(|| empty_wire(field.kind))
        };
        let Some(desired) = desired else {
            continue;
        };
        let previous = to_wire(field.kind, prior_value).or_else(|| {
            if field.is_computed() {
                None
            } else {
                empty_wire(field.kind)
            }
        });
        let unchanged = previous.is_some_and(|previous| same_wire(field.kind, &previous, &desired));
        if resend || !unchanged {
            set_wire_field(&mut body, field.name, desired);
        }
    }
    body
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::value::Number;

    fn strings(items: &[&str]) -> Value {
        Value::List(items.iter().map(|item| Value::string(*item)).collect())
    }

    fn object(pairs: &[(&str, Value)]) -> Value {
        let mut attributes: BTreeMap<String, Value> = FIELDS
            .iter()
            .map(|field| (field.name.to_string(), Value::Null))
            .collect();
        for (name, value) in pairs {
            attributes.insert(name.to_string(), value.clone());
        }
        Value::Object(attributes)
    }

    fn file_rule() -> ImRule {
        ImRule {
            id: Some(7),
            name: Some("watch etc".into()),
            description: Some(String::new()),
            severity: Some("medium".into()),
            rule_type: Some("1".into()),
            last_updated: Some(1000),
            template: Some("file".into()),
            file_base_directory: Some("/etc".into()),
            file_include_sub_directories: Some(false),
            file_included_values: Some(vec![]),
            file_excluded_values: Some(vec!["*.tmp".into()]),
            file_attributes: Some(vec!["STANDARD".into()]),
            registry_key_root: Some("HKEY_CLASSES_ROOT".into()),
            alert_enabled: Some(false),
            real_time_monitoring_enabled: Some(true),
            recommendations_mode: Some("unknown".into()),
            ..ImRule::default()
        }
    }

    #[test]
    fn state_from_rule_keeps_equal_prior() {
        let cases = [
            (
                "null prior stays null for blank",
                "description",
                Value::Null,
                Value::Null,
            ),
            (
                "empty prior kept",
                "description",
                Value::string(""),
                Value::string(""),
            ),
            (
                "empty list kept",
                "file_included_values",
                strings(&[]),
                strings(&[]),
            ),
            (
                "unset list stays null",
                "file_included_values",
                Value::Null,
                Value::Null,
            ),
            (
                "default flag stays null",
                "file_include_sub_directories",
                Value::Null,
                Value::Null,
            ),
            (
                "explicit default flag kept",
                "file_include_sub_directories",
                Value::Bool(false),
                Value::Bool(false),
            ),
            (
                "choice case kept",
                "severity",
                Value::string("MEDIUM"),
                Value::string("MEDIUM"),
            ),
            (
                "set list filled",
                "file_excluded_values",
                Value::Null,
                strings(&["*.tmp"]),
            ),
            (
                "drift reported",
                "file_base_directory",
                Value::string("/var"),
                Value::string("/etc"),
            ),
            (
                "other template null",
                "registry_key_root",
                Value::string("x"),
                Value::Null,
            ),
            ("id from api", "id", Value::Null, Value::string("7")),
            (
                "timestamp number",
                "last_updated",
                Value::Null,
                Value::Number(Number::from_i64(1000)),
            ),
        ];
        for (name, attribute, prior, expected) in cases {
            let prior_state = object(&[(attribute, prior)]);
            let state = state_from_rule(file_rule(), &prior_state);
            assert_eq!(attr(&state, attribute), &expected, "case {name}");
        }
    }

    #[test]
    fn state_from_rule_keeps_equivalent_xml() {
        let rule = ImRule {
            template: Some("custom".into()),
            custom_xml: Some("PGEgeD0iMSIvPg==".into()),
            ..ImRule::default()
        };
        let prior = object(&[("custom_xml", Value::string("<a x='1'></a>"))]);
        let state = state_from_rule(rule.clone(), &prior);
        assert_eq!(attr(&state, "custom_xml"), &Value::string("<a x='1'></a>"));
        let imported = state_from_rule(rule, &Value::Null);
        assert_eq!(
            attr(&imported, "custom_xml"),
            &Value::string("<a x=\"1\"/>")
        );
    }

    #[test]
    fn update_body_sends_only_changes() {
        let prior = object(&[
            ("name", Value::string("n")),
            ("template", Value::string("file")),
            ("description", Value::string("old")),
            ("file_base_directory", Value::string("/etc")),
            ("file_included_values", strings(&["a"])),
            ("severity", Value::string("high")),
            ("file_attributes", strings(&["STANDARD"])),
        ]);
        let planned = object(&[
            ("name", Value::string("n")),
            ("template", Value::string("file")),
            ("file_base_directory", Value::string("/etc")),
            ("file_included_values", strings(&["a"])),
            ("severity", Value::string("high")),
            ("file_attributes", strings(&["STANDARD"])),
            ("alert_enabled", Value::Unknown),
        ]);
        let body = update_body(&prior, &planned);
        let expected = ImRule {
            description: Some(String::new()),
            ..ImRule::default()
        };
        assert_eq!(body, expected);
    }

    #[test]
    fn update_body_resends_new_template() {
        let prior = object(&[
            ("name", Value::string("n")),
            ("template", Value::string("file")),
            ("file_base_directory", Value::string("/etc")),
        ]);
        let planned = object(&[
            ("name", Value::string("n")),
            ("template", Value::string("registry")),
            ("registry_key_root", Value::string("HKEY_LOCAL_MACHINE")),
            ("registry_key_value", Value::string("Software")),
            ("registry_attributes", Value::Unknown),
        ]);
        let body = update_body(&prior, &planned);
        let expected = ImRule {
            template: Some("registry".into()),
            registry_key_root: Some("HKEY_LOCAL_MACHINE".into()),
            registry_key_value: Some("Software".into()),
            registry_include_sub_keys: Some(false),
            registry_include_default_value: Some(true),
            registry_included_values: Some(vec![]),
            registry_excluded_values: Some(vec![]),
            ..ImRule::default()
        };
        assert_eq!(body, expected);
    }

    #[test]
    fn create_body_skips_null_and_other_templates() {
        let planned = object(&[
            ("name", Value::string("n")),
            ("template", Value::string("custom")),
            ("custom_xml", Value::string("<a/>")),
            ("file_included_values", strings(&[])),
            ("severity", Value::Unknown),
        ]);
        let expected = ImRule {
            name: Some("n".into()),
            template: Some("custom".into()),
            custom_xml: Some("PGEvPg==".into()),
            ..ImRule::default()
        };
        assert_eq!(create_body(&planned), expected);
    }
}
