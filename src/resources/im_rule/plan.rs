//! Validation of a `workload_im_rule` configuration and planning of its new state.

use std::collections::BTreeMap;

use super::fields::{same_value, Field, Kind, FIELDS, TEMPLATES};
use super::state::attr;
use super::xml;
use crate::protocol::schema::Mode;
use crate::protocol::value::Value;
use crate::protocol::{AttributePath, Diagnostic, Diagnostics};

/// The attributes each template needs.
const REQUIRED_BY_TEMPLATE: &[(&str, &[&str])] = &[
    ("file", &["file_base_directory"]),
    ("registry", &["registry_key_root", "registry_key_value"]),
    ("custom", &["custom_xml"]),
];

/// Checks a configuration and reports every problem, each at its attribute. Unknown values
/// are skipped.
pub(crate) fn validate(config: &Value) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();

    if let Some(name) = attr(config, "name").as_str() {
        if name.trim().is_empty() {
            diagnostics.push(
                Diagnostic::error(
                    "Invalid name",
                    "The rule name must not be empty or only whitespace.",
                )
                .at_attribute("name"),
            );
        }
    }

    for field in FIELDS {
        let value = attr(config, field.name);
        check_choice(field, value, &mut diagnostics);
        check_list(field, value, &mut diagnostics);
    }

    // Blank XML under a known template is reported once by the template checks below, as
    // missing for `custom` and as not applicable for the others.
    let template_known = attr(config, "template").as_str().is_some();
    let xml_text = attr(config, "custom_xml")
        .as_str()
        .filter(|text| !(template_known && text.trim().is_empty()));
    if let Some(xml_text) = xml_text {
        if let Err(error) = xml::check_well_formed(xml_text) {
            diagnostics.push(
                Diagnostic::error(
                    "Invalid custom_xml",
                    format!(
                        "custom_xml is not well-formed XML: {error}. Fix the rule XML; the \
                         manager accepts only well-formed rule-language documents."
                    ),
                )
                .at_attribute("custom_xml"),
            );
        }
    }

    if let Some(template) = attr(config, "template").as_str() {
        if TEMPLATES.contains(&template) {
            check_template_fields(config, template, &mut diagnostics);
        }
    }
    diagnostics
}

fn check_choice(field: &Field, value: &Value, diagnostics: &mut Diagnostics) {
    let (Kind::Choice(allowed), Some(text)) = (field.kind, value.as_str()) else {
        return;
    };
    if allowed.contains(&text) {
        return;
    }
    let listed: Vec<String> = allowed.iter().map(|choice| format!("`{choice}`")).collect();
    diagnostics.push(
        Diagnostic::error(
            format!("Invalid {}", field.name),
            format!(
                "{:?} is not a valid {}. Use one of {}.",
                text,
                field.name,
                listed.join(", ")
            ),
        )
        .at_attribute(field.name),
    );
}

fn check_list(field: &Field, value: &Value, diagnostics: &mut Diagnostics) {
    let (Kind::List, Some(elements)) = (field.kind, value.elements()) else {
        return;
    };
    for (index, element) in elements.iter().enumerate() {
        if element.is_null() {
            diagnostics.push(
                Diagnostic::error(
                    format!("Invalid {}", field.name),
                    format!(
                        "Element {index} of {} is null. Remove it or give it a value.",
                        field.name
                    ),
                )
                .at(AttributePath::attribute(field.name).then_index(index as i64)),
            );
        }
    }
}

/// Checks that `config` sets the attributes `template` needs and none of another template's.
fn check_template_fields(config: &Value, template: &str, diagnostics: &mut Diagnostics) {
    for field in FIELDS {
        let value = attr(config, field.name);
        if field.applies_to(template) || value.is_null() || value.is_unknown() {
            continue;
        }
        let own = field.template.unwrap_or_default();
        diagnostics.push(
            Diagnostic::error(
                "Attribute not valid for this template",
                format!(
                    "{} applies only to rules with template = \"{own}\", but this rule has \
                     template = \"{template}\". Remove {}, or change template.",
                    field.name, field.name
                ),
            )
            .at_attribute(field.name),
        );
    }

    let required = REQUIRED_BY_TEMPLATE
        .iter()
        .find(|(name, _)| *name == template)
        .map_or(&[][..], |(_, required)| *required);
    for name in required {
        let value = attr(config, name);
        let missing = value.is_null() || value.as_str().is_some_and(|text| text.trim().is_empty());
        if missing {
            diagnostics.push(
                Diagnostic::error(
                    format!("Missing {name}"),
                    format!(
                        "Rules with template = \"{template}\" need {name}. Set {name} to a \
                         non-empty value."
                    ),
                )
                .at_attribute(name),
            );
        }
    }
}

/// Plans the new state from the configuration and the prior state (null on create).
///
/// Configured values are kept as written, except that a value meaning the same as the prior
/// one keeps the prior text. Computed values are unknown on create. On update they keep their
/// prior values unless the update can change them: `last_updated` changes with every update,
/// and a template change lets the API fill the new template's attribute list.
pub(crate) fn plan(prior: &Value, config: &Value) -> Value {
    let creating = prior.is_null();
    let template = attr(config, "template");
    let template_changed = !creating && attr(prior, "template") != template;
    let mut planned: BTreeMap<String, Value> = FIELDS
        .iter()
        .map(|field| {
            let value = plan_field(
                field,
                attr(prior, field.name),
                attr(config, field.name),
                creating,
                template,
                template_changed,
            );
            (field.name.to_string(), value)
        })
        .collect();

    if creating {
        return Value::Object(planned);
    }
    let updating = FIELDS
        .iter()
        .filter(|field| !field.is_read_only())
        .any(|field| planned.get(field.name) != Some(attr(prior, field.name)));
    if updating {
        for field in FIELDS {
            let computed_by_api = field.name == "last_updated"
                || (field.mode == Mode::OptionalComputed
                    && field.template.is_none()
                    && attr(config, field.name).is_null()
                    && attr(prior, field.name).is_null());
            if computed_by_api {
                planned.insert(field.name.to_string(), Value::Unknown);
            }
        }
    }
    Value::Object(planned)
}

fn plan_field(
    field: &Field,
    prior: &Value,
    config: &Value,
    creating: bool,
    template: &Value,
    template_changed: bool,
) -> Value {
    let keep_prior_if_same = || {
        if same_value(field.kind, prior, config) {
            prior.clone()
        } else {
            config.clone()
        }
    };
    match field.mode {
        Mode::Computed if creating => Value::Unknown,
        Mode::Computed => prior.clone(),
        Mode::Required | Mode::Optional => keep_prior_if_same(),
        Mode::OptionalComputed if !config.is_null() => keep_prior_if_same(),
        Mode::OptionalComputed => {
            // NOTE: a null configuration here cannot tell "never set" from "just removed", so
            // removing `severity`, `alert_enabled` or another optional and computed attribute
            // keeps the server's value instead of resetting it.
            let Some(own) = field.template else {
                return if creating {
                    Value::Unknown
                } else {
                    prior.clone()
                };
            };
            match template.as_str() {
                Some(template) if template != own => Value::Null,
                Some(_) if !creating && !template_changed && !prior.is_null() => prior.clone(),
                _ => Value::Unknown,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    fn file_config(extra: &[(&str, Value)]) -> Value {
        let mut pairs = vec![
            ("name", Value::string("watch etc")),
            ("template", Value::string("file")),
            ("file_base_directory", Value::string("/etc")),
        ];
        pairs.extend(extra.iter().cloned());
        object(&pairs)
    }

    fn diagnostic_paths(diagnostics: &Diagnostics) -> Vec<String> {
        diagnostics
            .iter()
            .map(|diagnostic| {
                diagnostic
                    .path
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            })
            .collect()
    }

    #[test]
    fn validate_reports_each_problem() {
        let cases: Vec<(&str, Value, Vec<&str>)> = vec![
            ("valid file rule", file_config(&[]), vec![]),
            (
                "bad severity",
                file_config(&[("severity", Value::string("urgent"))]),
                vec!["severity"],
            ),
            (
                "bad template",
                object(&[
                    ("name", Value::string("n")),
                    ("template", Value::string("network")),
                ]),
                vec!["template"],
            ),
            (
                "other template attribute",
                file_config(&[("registry_key_root", Value::string("HKEY_USERS"))]),
                vec!["registry_key_root"],
            ),
            (
                "missing registry key",
                object(&[
                    ("name", Value::string("n")),
                    ("template", Value::string("registry")),
                ]),
                vec!["registry_key_root", "registry_key_value"],
            ),
            (
                "missing custom xml",
                object(&[
                    ("name", Value::string("n")),
                    ("template", Value::string("custom")),
                ]),
                vec!["custom_xml"],
            ),
            (
                "malformed custom xml",
                object(&[
                    ("name", Value::string("n")),
                    ("template", Value::string("custom")),
                    ("custom_xml", Value::string("<a><b></a>")),
                ]),
                vec!["custom_xml"],
            ),
            (
                "empty custom xml",
                object(&[
                    ("name", Value::string("n")),
                    ("template", Value::string("custom")),
                    ("custom_xml", Value::string("")),
                ]),
                vec!["custom_xml"],
            ),
            (
                "blank custom xml",
                object(&[
                    ("name", Value::string("n")),
                    ("template", Value::string("custom")),
                    ("custom_xml", Value::string(" \n")),
                ]),
                vec!["custom_xml"],
            ),
            (
                "blank custom xml unknown template",
                object(&[
                    ("name", Value::string("n")),
                    ("template", Value::Unknown),
                    ("custom_xml", Value::string("")),
                ]),
                vec!["custom_xml"],
            ),
            (
                "undeclared entity in custom xml",
                object(&[
                    ("name", Value::string("n")),
                    ("template", Value::string("custom")),
                    ("custom_xml", Value::string("<a>&nope;</a>")),
                ]),
                vec!["custom_xml"],
            ),
            (
                "blank name and bad mode",
                file_config(&[
                    ("name", Value::string(" ")),
                    ("recommendations_mode", Value::string("on")),
                ]),
                vec!["name", "recommendations_mode"],
            ),
            (
                "null list element",
                file_config(&[("file_included_values", Value::List(vec![Value::Null]))]),
                vec!["file_included_values[0]"],
            ),
            (
                "unknown values skipped",
                object(&[
                    ("name", Value::Unknown),
                    ("template", Value::string("file")),
                    ("file_base_directory", Value::Unknown),
                    ("registry_key_root", Value::Unknown),
                    ("severity", Value::Unknown),
                ]),
                vec![],
            ),
            (
                "unknown template skips template checks",
                object(&[
                    ("name", Value::string("n")),
                    ("template", Value::Unknown),
                    ("registry_key_root", Value::string("HKEY_USERS")),
                ]),
                vec![],
            ),
        ];
        for (name, config, expected) in cases {
            let diagnostics = validate(&config);
            assert!(diagnostics.iter().all(|d| d.is_error()), "case {name}");
            assert_eq!(diagnostic_paths(&diagnostics), expected, "case {name}");
        }
    }

    #[test]
    fn validate_empty_xml_reports_missing() {
        let config = object(&[
            ("name", Value::string("n")),
            ("template", Value::string("custom")),
            ("custom_xml", Value::string("")),
        ]);
        let diagnostics = validate(&config);
        let summaries: Vec<&str> = diagnostics
            .iter()
            .map(|diagnostic| diagnostic.summary.as_str())
            .collect();
        assert_eq!(summaries, vec!["Missing custom_xml"]);
    }

    #[test]
    fn validate_names_allowed_choices() {
        let diagnostics = validate(&file_config(&[("severity", Value::string("urgent"))]));
        let detail = &diagnostics.iter().next().expect("one diagnostic").detail;
        assert!(
            detail.contains("`low`, `medium`, `high`, `critical`"),
            "{detail}"
        );
    }

    #[test]
    fn plan_create_marks_computed_unknown() {
        let planned = plan(
            &Value::Null,
            &file_config(&[("severity", Value::string("low"))]),
        );
        let cases = [
            ("id", Value::Unknown),
            ("last_updated", Value::Unknown),
            ("severity", Value::string("low")),
            ("alert_enabled", Value::Unknown),
            ("file_attributes", Value::Unknown),
            ("registry_attributes", Value::Null),
            ("description", Value::Null),
            ("file_base_directory", Value::string("/etc")),
        ];
        for (name, expected) in cases {
            assert_eq!(attr(&planned, name), &expected, "attribute {name}");
        }
    }

    fn file_state() -> Value {
        object(&[
            ("id", Value::string("5")),
            ("name", Value::string("watch etc")),
            ("template", Value::string("file")),
            ("file_base_directory", Value::string("/etc")),
            (
                "file_attributes",
                Value::List(vec![Value::string("STANDARD")]),
            ),
            ("severity", Value::string("medium")),
            ("alert_enabled", Value::Bool(false)),
            ("last_updated", Value::number_i64(10)),
            ("type", Value::string("1")),
        ])
    }

    #[test]
    fn plan_without_changes_keeps_state() {
        let prior = file_state();
        let planned = plan(&prior, &file_config(&[]));
        assert_eq!(planned, prior);
    }

    #[test]
    fn plan_update_keeps_computed_values() {
        let prior = file_state();
        let planned = plan(&prior, &file_config(&[("description", Value::string("d"))]));
        let cases = [
            ("id", Value::string("5")),
            ("type", Value::string("1")),
            ("last_updated", Value::Unknown),
            ("severity", Value::string("medium")),
            ("alert_enabled", Value::Bool(false)),
            (
                "file_attributes",
                Value::List(vec![Value::string("STANDARD")]),
            ),
            ("real_time_monitoring_enabled", Value::Unknown),
            ("description", Value::string("d")),
        ];
        for (name, expected) in cases {
            assert_eq!(attr(&planned, name), &expected, "attribute {name}");
        }
    }

    #[test]
    fn plan_template_change_updates_lists() {
        let prior = file_state();
        let config = object(&[
            ("name", Value::string("watch etc")),
            ("template", Value::string("registry")),
            ("registry_key_root", Value::string("HKEY_USERS")),
            ("registry_key_value", Value::string("x")),
        ]);
        let planned = plan(&prior, &config);
        assert_eq!(attr(&planned, "file_attributes"), &Value::Null);
        assert_eq!(attr(&planned, "registry_attributes"), &Value::Unknown);
        assert_eq!(attr(&planned, "file_base_directory"), &Value::Null);
        assert_eq!(attr(&planned, "id"), &Value::string("5"));
    }

    #[test]
    fn plan_keeps_equivalent_prior_text() {
        let prior = object(&[
            ("id", Value::string("5")),
            ("name", Value::string("n")),
            ("template", Value::string("custom")),
            ("custom_xml", Value::string("<a x=\"1\"/>")),
        ]);
        let config = object(&[
            ("name", Value::string("n")),
            ("template", Value::string("custom")),
            ("custom_xml", Value::string("<a  x='1'>\n</a>\n")),
        ]);
        let planned = plan(&prior, &config);
        assert_eq!(attr(&planned, "custom_xml"), &Value::string("<a x=\"1\"/>"));
        assert_eq!(attr(&planned, "last_updated"), &Value::Null);
    }
}
