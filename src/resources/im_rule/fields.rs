//! The attributes of `workload_im_rule`, their API fields and the conversions between the two.
//!
//! Every attribute is one row of [`FIELDS`], so that the schema, validation, planning, the
//! request body and the state built from a response all walk the same list.

use std::collections::BTreeMap;

use base64::Engine;

use super::xml;
use crate::client::ImRule;
use crate::protocol::schema::Mode;
use crate::protocol::value::{Number, Value};

/// The rule templates, as the API names them.
pub(crate) const TEMPLATES: &[&str] = &["file", "registry", "custom"];
const SEVERITIES: &[&str] = &["low", "medium", "high", "critical"];
const RECOMMENDATIONS_MODES: &[&str] = &["enabled", "ignored", "unknown", "disabled"];

/// The kind of value an attribute holds, which decides its cty type, its wire form and when
/// two values are equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A string compared exactly.
    Text,
    /// A string from a fixed list, compared without regard to case.
    Choice(&'static [&'static str]),
    /// A boolean. `default` is the value the API assumes when the field is not sent.
    Flag { default: bool },
    /// A list of patterns or attribute names, where `[""]`, `[]` and absent are all empty.
    List,
    /// Rule-language XML, Base64-encoded on the wire and compared as XML.
    Xml,
    /// The numeric rule ID, a string in state.
    Id,
    /// Epoch milliseconds, a number in state.
    Timestamp,
}

/// One attribute of the resource.
#[derive(Debug)]
pub(crate) struct Field {
    /// The attribute name in Terraform.
    pub(crate) name: &'static str,
    /// The kind of value.
    pub(crate) kind: Kind,
    /// Whether the user, the API or either sets the attribute.
    pub(crate) mode: Mode,
    /// The template the attribute belongs to, or `None` when it applies to every template.
    pub(crate) template: Option<&'static str>,
    /// Markdown description for the schema and the docs.
    pub(crate) description: &'static str,
}

impl Field {
    /// Reports whether the attribute only ever comes from the API.
    pub(crate) fn is_read_only(&self) -> bool {
        self.mode == Mode::Computed
    }

    /// Reports whether the API may fill the attribute when the configuration leaves it null.
    pub(crate) fn is_computed(&self) -> bool {
        matches!(self.mode, Mode::Computed | Mode::OptionalComputed)
    }

    /// Reports whether the attribute applies to a rule of `template`.
    pub(crate) fn applies_to(&self, template: &str) -> bool {
        self.template.is_none_or(|own| own == template)
    }
}

const fn field(
    name: &'static str,
    kind: Kind,
    mode: Mode,
    template: Option<&'static str>,
    description: &'static str,
) -> Field {
    Field {
        name,
        kind,
        mode,
        template,
        description,
    }
}

const FILE: Option<&str> = Some("file");
const REGISTRY: Option<&str> = Some("registry");
const CUSTOM: Option<&str> = Some("custom");

/// Every attribute, in the order the documentation lists them.
pub(crate) const FIELDS: &[Field] = &[
    field(
        "id",
        Kind::Id,
        Mode::Computed,
        None,
        "The rule's numeric API ID.",
    ),
    field("name", Kind::Text, Mode::Required, None, "The rule name."),
    field(
        "description",
        Kind::Text,
        Mode::Optional,
        None,
        "The rule description.",
    ),
    field(
        "severity",
        Kind::Choice(SEVERITIES),
        Mode::OptionalComputed,
        None,
        "The severity: `low`, `medium`, `high` or `critical`. A new rule gets `medium` when \
         this is omitted. Removing it from the configuration later keeps the rule's current \
         severity, so set it explicitly to change it.",
    ),
    field(
        "template",
        Kind::Choice(TEMPLATES),
        Mode::Required,
        None,
        "What the rule monitors: `file` (a directory), `registry` (a Windows registry key) or \
         `custom` (rule-language XML in `custom_xml`). Changing it updates the rule in place.",
    ),
    field(
        "file_base_directory",
        Kind::Text,
        Mode::Optional,
        FILE,
        "The directory to monitor. Required for the `file` template.",
    ),
    field(
        "file_include_sub_directories",
        Kind::Flag { default: false },
        Mode::Optional,
        FILE,
        "Whether sub-directories are monitored too (`file` template). The API assumes `false`.",
    ),
    field(
        "file_included_values",
        Kind::List,
        Mode::Optional,
        FILE,
        "File-name patterns to monitor, where `?` matches one character and `*` any number \
         (`file` template). Empty means every file.",
    ),
    field(
        "file_excluded_values",
        Kind::List,
        Mode::Optional,
        FILE,
        "File-name patterns to leave out (`file` template).",
    ),
    field(
        "file_attributes",
        Kind::List,
        Mode::OptionalComputed,
        FILE,
        "The file attributes to monitor (`file` template). A new rule gets `[\"STANDARD\"]` \
         when this is omitted. Removing it from the configuration later keeps the current \
         list, so set it explicitly to change it.",
    ),
    field(
        "registry_key_root",
        Kind::Text,
        Mode::Optional,
        REGISTRY,
        "The registry hive, such as `HKEY_LOCAL_MACHINE`. Required for the `registry` template.",
    ),
    field(
        "registry_key_value",
        Kind::Text,
        Mode::Optional,
        REGISTRY,
        "The key path under the hive. Required for the `registry` template.",
    ),
    field(
        "registry_include_sub_keys",
        Kind::Flag { default: false },
        Mode::Optional,
        REGISTRY,
        "Whether sub-keys are monitored too (`registry` template). The API assumes `false`.",
    ),
    field(
        "registry_include_default_value",
        Kind::Flag { default: true },
        Mode::Optional,
        REGISTRY,
        "Whether the key's default value is monitored (`registry` template). The API assumes \
         `true`.",
    ),
    field(
        "registry_included_values",
        Kind::List,
        Mode::Optional,
        REGISTRY,
        "Value-name patterns to monitor, where `?` matches one character and `*` any number \
         (`registry` template).",
    ),
    field(
        "registry_excluded_values",
        Kind::List,
        Mode::Optional,
        REGISTRY,
        "Value-name patterns to leave out (`registry` template).",
    ),
    field(
        "registry_attributes",
        Kind::List,
        Mode::OptionalComputed,
        REGISTRY,
        "The registry attributes to monitor (`registry` template). A new rule gets \
         `[\"STANDARD\"]` when this is omitted. Removing it from the configuration later keeps \
         the current list, so set it explicitly to change it.",
    ),
    field(
        "custom_xml",
        Kind::Xml,
        Mode::Optional,
        CUSTOM,
        "The rule in the Integrity Monitoring rule language, as plain XML text (`custom` \
         template, where it is required). The provider Base64-encodes it for the API. \
         Documents that differ only in whitespace, line endings, attribute quoting or order, or \
         self-closing tags count as equal, and state keeps your text.",
    ),
    field(
        "alert_enabled",
        Kind::Flag { default: false },
        Mode::OptionalComputed,
        None,
        "Whether the rule raises an alert when it is triggered. A new rule gets `false` when \
         this is omitted. Removing it from the configuration later keeps the current value, so \
         set `alert_enabled = false` to turn alerts off.",
    ),
    field(
        "real_time_monitoring_enabled",
        Kind::Flag { default: true },
        Mode::OptionalComputed,
        None,
        "Whether changes are detected in real time rather than only during scans. A new rule \
         gets `true` when this is omitted. Removing it from the configuration later keeps the \
         current value, so set it explicitly to change it.",
    ),
    field(
        "recommendations_mode",
        Kind::Choice(RECOMMENDATIONS_MODES),
        Mode::OptionalComputed,
        None,
        "Whether the rule can be recommended: `enabled`, `ignored`, `unknown` or `disabled`. \
         Custom rules cannot be recommended. When this is omitted, the API chooses the value. \
         Removing it from the configuration later keeps the current value, so set it explicitly \
         to change it.",
    ),
    field(
        "identifier",
        Kind::Text,
        Mode::Computed,
        None,
        "The Trend Micro rule identifier; empty for rules created by users.",
    ),
    field(
        "type",
        Kind::Text,
        Mode::Computed,
        None,
        "The rule's origin: `1` for rules created by users, `2` for rules issued by Trend Micro.",
    ),
    field(
        "minimum_agent_version",
        Kind::Text,
        Mode::Computed,
        None,
        "The oldest agent version that supports the rule.",
    ),
    field(
        "minimum_manager_version",
        Kind::Text,
        Mode::Computed,
        None,
        "The oldest manager version that supports the rule.",
    ),
    field(
        "original_issue",
        Kind::Timestamp,
        Mode::Computed,
        None,
        "When Trend Micro first issued the rule, in milliseconds since the Unix epoch; null for \
         rules created by users.",
    ),
    field(
        "last_updated",
        Kind::Timestamp,
        Mode::Computed,
        None,
        "When the rule last changed, in milliseconds since the Unix epoch.",
    ),
];

/// A field value as the API carries it, after decoding (XML is plain text here).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Wire {
    Text(String),
    Flag(bool),
    List(Vec<String>),
    Integer(i64),
}

/// Splits a rule into its fields by attribute name. Fields the response did not carry are
/// left out, and `custom_xml` is Base64-decoded. Text that does not decode is kept as sent.
pub(crate) fn wire_fields(rule: ImRule) -> BTreeMap<&'static str, Wire> {
    let mut fields = BTreeMap::new();
    let texts = [
        ("name", rule.name),
        ("description", rule.description),
        ("severity", rule.severity),
        ("template", rule.template),
        ("file_base_directory", rule.file_base_directory),
        ("registry_key_root", rule.registry_key_root),
        ("registry_key_value", rule.registry_key_value),
        ("custom_xml", rule.custom_xml.map(|text| decode_xml(&text))),
        ("recommendations_mode", rule.recommendations_mode),
        ("identifier", rule.identifier),
        ("type", rule.rule_type),
        ("minimum_agent_version", rule.minimum_agent_version),
        ("minimum_manager_version", rule.minimum_manager_version),
    ];
    let flags = [
        (
            "file_include_sub_directories",
            rule.file_include_sub_directories,
        ),
        ("registry_include_sub_keys", rule.registry_include_sub_keys),
        (
            "registry_include_default_value",
            rule.registry_include_default_value,
        ),
        ("alert_enabled", rule.alert_enabled),
        (
            "real_time_monitoring_enabled",
            rule.real_time_monitoring_enabled,
        ),
    ];
    let lists = [
        ("file_included_values", rule.file_included_values),
        ("file_excluded_values", rule.file_excluded_values),
        ("file_attributes", rule.file_attributes),
        ("registry_included_values", rule.registry_included_values),
        ("registry_excluded_values", rule.registry_excluded_values),
        ("registry_attributes", rule.registry_attributes),
    ];
    let integers = [
        ("id", rule.id),
        ("original_issue", rule.original_issue),
        ("last_updated", rule.last_updated),
    ];
    for (name, value) in texts {
        if let Some(value) = value {
            fields.insert(name, Wire::Text(value));
        }
    }
    for (name, value) in flags {
        if let Some(value) = value {
            fields.insert(name, Wire::Flag(value));
        }
    }
    for (name, value) in lists {
        if let Some(value) = value {
            fields.insert(name, Wire::List(value));
        }
    }
    for (name, value) in integers {
        if let Some(value) = value {
            fields.insert(name, Wire::Integer(value));
        }
    }
    fields
}

/// Puts one writable field into a request body. Read-only names and values of the wrong kind
/// are ignored, because only [`FIELDS`] rows produce them.
pub(crate) fn set_wire_field(rule: &mut ImRule, name: &str, value: Wire) {
    match value {
        Wire::Text(text) => {
            let slot = match name {
                "name" => &mut rule.name,
                "description" => &mut rule.description,
                "severity" => &mut rule.severity,
                "template" => &mut rule.template,
                "file_base_directory" => &mut rule.file_base_directory,
                "registry_key_root" => &mut rule.registry_key_root,
                "registry_key_value" => &mut rule.registry_key_value,
                "recommendations_mode" => &mut rule.recommendations_mode,
                "custom_xml" => {
                    rule.custom_xml =
                        Some(base64::engine::general_purpose::STANDARD.encode(text.as_bytes()));
                    return;
                }
                _ => return,
            };
            *slot = Some(text);
        }
        Wire::Flag(flag) => {
            let slot = match name {
                "file_include_sub_directories" => &mut rule.file_include_sub_directories,
                "registry_include_sub_keys" => &mut rule.registry_include_sub_keys,
                "registry_include_default_value" => &mut rule.registry_include_default_value,
                "alert_enabled" => &mut rule.alert_enabled,
                "real_time_monitoring_enabled" => &mut rule.real_time_monitoring_enabled,
                _ => return,
            };
            *slot = Some(flag);
        }
        Wire::List(list) => {
            let slot = match name {
                "file_included_values" => &mut rule.file_included_values,
                "file_excluded_values" => &mut rule.file_excluded_values,
                "file_attributes" => &mut rule.file_attributes,
                "registry_included_values" => &mut rule.registry_included_values,
                "registry_excluded_values" => &mut rule.registry_excluded_values,
                "registry_attributes" => &mut rule.registry_attributes,
                _ => return,
            };
            *slot = Some(list);
        }
        Wire::Integer(_) => {}
    }
}

fn decode_xml(encoded: &str) -> String {
    base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .unwrap_or_else(|| encoded.to_string())
}

/// Converts a known, non-null state value to its wire form, or `None` when it has another
/// shape (validation reports those).
pub(crate) fn to_wire(kind: Kind, value: &Value) -> Option<Wire> {
    match kind {
        Kind::Text | Kind::Choice(_) | Kind::Xml => value.as_str().map(|s| Wire::Text(s.into())),
        Kind::Flag { .. } => value.as_bool().map(Wire::Flag),
        Kind::List => value
            .elements()?
            .iter()
            .map(|element| element.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .map(Wire::List),
        Kind::Id | Kind::Timestamp => None,
    }
}

/// Converts a wire value to its state value.
pub(crate) fn to_value(kind: Kind, wire: &Wire) -> Value {
    match (kind, wire) {
        (Kind::Id, Wire::Integer(id)) => Value::string(id.to_string()),
        (Kind::Timestamp, Wire::Integer(millis)) => Value::Number(Number::from_i64(*millis)),
        (_, Wire::Text(text)) => Value::string(text.clone()),
        (_, Wire::Flag(flag)) => Value::Bool(*flag),
        (_, Wire::List(list)) => Value::List(list.iter().cloned().map(Value::String).collect()),
        (_, Wire::Integer(number)) => Value::Number(Number::from_i64(*number)),
    }
}

/// Returns the value the API assumes for a field that is not set. The provider sends it to reset
/// a field the configuration no longer sets.
pub(crate) fn empty_wire(kind: Kind) -> Option<Wire> {
    match kind {
        Kind::Text | Kind::Choice(_) | Kind::Xml => Some(Wire::Text(String::new())),
        Kind::Flag { default } => Some(Wire::Flag(default)),
        Kind::List => Some(Wire::List(Vec::new())),
        Kind::Id | Kind::Timestamp => None,
    }
}

/// Reports whether two wire values of `kind` mean the same to the API.
pub(crate) fn same_wire(kind: Kind, left: &Wire, right: &Wire) -> bool {
    match (kind, left, right) {
        (Kind::Choice(_), Wire::Text(left), Wire::Text(right)) => left.eq_ignore_ascii_case(right),
        (Kind::Xml, Wire::Text(left), Wire::Text(right)) => xml::equivalent(left, right),
        (Kind::List, Wire::List(left), Wire::List(right)) => {
            normalize_list(left) == normalize_list(right)
        }
        _ => left == right,
    }
}

/// Reports whether two known, non-null state values of `kind` mean the same to the API.
pub(crate) fn same_value(kind: Kind, left: &Value, right: &Value) -> bool {
    if left.is_null() || right.is_null() || !left.is_wholly_known() || !right.is_wholly_known() {
        return false;
    }
    match (to_wire(kind, left), to_wire(kind, right)) {
        (Some(left), Some(right)) => same_wire(kind, &left, &right),
        _ => left == right,
    }
}

/// Reports whether a wire value is what the API assumes when the field is not set.
pub(crate) fn is_empty_wire(kind: Kind, wire: &Wire) -> bool {
    empty_wire(kind).is_some_and(|empty| same_wire(kind, &empty, wire))
}

/// Normalises a list the way the API stores it: entries split at line breaks, empty entries
/// dropped.
fn normalize_list(list: &[String]) -> Vec<&str> {
    list.iter()
        .flat_map(|entry| entry.split('\n'))
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .filter(|line| !line.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[&str]) -> Wire {
        Wire::List(items.iter().map(|item| item.to_string()).collect())
    }

    #[test]
    fn same_wire_compares_by_kind() {
        let choice = Kind::Choice(SEVERITIES);
        let cases = [
            (
                "choice case",
                choice,
                Wire::Text("High".into()),
                Wire::Text("high".into()),
                true,
            ),
            (
                "choice differs",
                choice,
                Wire::Text("low".into()),
                Wire::Text("high".into()),
                false,
            ),
            (
                "text case",
                Kind::Text,
                Wire::Text("A".into()),
                Wire::Text("a".into()),
                false,
            ),
            ("list blank entry", Kind::List, list(&[""]), list(&[]), true),
            (
                "list joined",
                Kind::List,
                list(&["a\nb"]),
                list(&["a", "b"]),
                true,
            ),
            (
                "list order",
                Kind::List,
                list(&["a", "b"]),
                list(&["b", "a"]),
                false,
            ),
            (
                "xml quoting",
                Kind::Xml,
                Wire::Text("<a x='1'/>".into()),
                Wire::Text("<a x=\"1\"></a>".into()),
                true,
            ),
            (
                "flag",
                Kind::Flag { default: true },
                Wire::Flag(true),
                Wire::Flag(false),
                false,
            ),
        ];
        for (name, kind, left, right, expected) in cases {
            assert_eq!(same_wire(kind, &left, &right), expected, "case {name}");
        }
    }

    #[test]
    fn is_empty_wire_uses_api_default() {
        let cases = [
            ("blank text", Kind::Text, Wire::Text(String::new()), true),
            ("text", Kind::Text, Wire::Text("x".into()), false),
            (
                "default true",
                Kind::Flag { default: true },
                Wire::Flag(true),
                true,
            ),
            (
                "not default",
                Kind::Flag { default: true },
                Wire::Flag(false),
                false,
            ),
            ("blank list", Kind::List, list(&[""]), true),
            ("list", Kind::List, list(&["a"]), false),
        ];
        for (name, kind, wire, expected) in cases {
            assert_eq!(is_empty_wire(kind, &wire), expected, "case {name}");
        }
    }

    #[test]
    fn wire_fields_round_trip_writable() {
        let mut rule = ImRule::default();
        set_wire_field(&mut rule, "name", Wire::Text("n".into()));
        set_wire_field(&mut rule, "custom_xml", Wire::Text("<a/>".into()));
        set_wire_field(
            &mut rule,
            "registry_include_default_value",
            Wire::Flag(false),
        );
        set_wire_field(&mut rule, "file_attributes", list(&["STANDARD"]));
        set_wire_field(&mut rule, "last_updated", Wire::Integer(5));
        assert_eq!(rule.custom_xml.as_deref(), Some("PGEvPg=="));
        assert_eq!(rule.last_updated, None);
        let fields = wire_fields(rule);
        let expected = BTreeMap::from([
            ("name", Wire::Text("n".into())),
            ("custom_xml", Wire::Text("<a/>".into())),
            ("registry_include_default_value", Wire::Flag(false)),
            ("file_attributes", list(&["STANDARD"])),
        ]);
        assert_eq!(fields, expected);
    }

    #[test]
    fn fields_have_descriptions_and_unique_names() {
        for (index, field) in FIELDS.iter().enumerate() {
            assert!(!field.description.is_empty(), "field {}", field.name);
            assert!(
                FIELDS[..index].iter().all(|other| other.name != field.name),
                "duplicate field {}",
                field.name
            );
        }
    }
}
