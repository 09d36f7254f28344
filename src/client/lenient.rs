//! Tolerant decoding of API responses.
//!
//! The manager's JSON is loose in places: a string list may arrive as an array, as `[""]`, as a
//! newline-joined string, as `null` or not at all, and ID lists are omitted when empty. The
//! readers here accept every such shape, ignore unknown fields, and turn a field of an
//! unexpected type into a [`DecodeError`] that names the field instead of panicking.

use std::fmt;

use serde_json::{Map, Value};

/// A response field that could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// Dotted path of the offending field (`integrityMonitoringRules[2].alertEnabled`), or
    /// `None` when the document as a whole is wrong.
    pub field: Option<String>,
    /// Description of the expected and the found value.
    pub detail: String,
}

impl DecodeError {
    /// Creates an error about the field at `field`.
    pub fn field(field: impl Into<String>, detail: impl Into<String>) -> DecodeError {
        DecodeError {
            field: Some(field.into()),
            detail: detail.into(),
        }
    }

    /// Creates an error about the document as a whole.
    pub fn document(detail: impl Into<String>) -> DecodeError {
        DecodeError {
            field: None,
            detail: detail.into(),
        }
    }

    /// Prefixes the field path with `parent`, for errors found inside a nested object.
    pub fn within(mut self, parent: &str) -> DecodeError {
        self.field = Some(match self.field.take() {
            Some(inner) if inner.starts_with('[') => format!("{parent}{inner}"),
            Some(inner) => format!("{parent}.{inner}"),
            None => parent.to_string(),
        });
        self
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "field \"{field}\": {}", self.detail),
            None => f.write_str(&self.detail),
        }
    }
}

impl std::error::Error for DecodeError {}

/// Names a JSON value's type with an article, for error details.
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn expected(field: &str, what: &str, found: &Value) -> DecodeError {
    DecodeError::field(
        field,
        format!("expected {what}, found {}", type_name(found)),
    )
}

/// A JSON object read field by field, where absent and `null` fields both read as `None`.
#[derive(Debug, Clone, Copy)]
pub struct Object<'a> {
    fields: &'a Map<String, Value>,
}

impl<'a> Object<'a> {
    /// Views `value` as an object, or fails with a document-level error.
    pub fn new(value: &'a Value) -> Result<Object<'a>, DecodeError> {
        match value {
            Value::Object(fields) => Ok(Object { fields }),
            other => Err(DecodeError::document(format!(
                "expected a JSON object, found {}",
                type_name(other)
            ))),
        }
    }

    /// Returns the value of `name` unless it is absent or `null`.
    pub fn get(&self, name: &str) -> Option<&'a Value> {
        self.fields.get(name).filter(|value| !value.is_null())
    }

    /// Reads an optional string field.
    pub fn string(&self, name: &str) -> Result<Option<String>, DecodeError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(other) => Err(expected(name, "a string", other)),
        }
    }

    /// Reads an optional string field that the manager may also send as a bare number (the
    /// rule `type` is documented as `"1"` or `"2"`).
    pub fn string_or_number(&self, name: &str) -> Result<Option<String>, DecodeError> {
        match self.get(name) {
            Some(Value::Number(number)) => Ok(Some(number.to_string())),
            _ => self.string(name),
        }
    }

    /// Reads an optional boolean field.
    pub fn boolean(&self, name: &str) -> Result<Option<bool>, DecodeError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Bool(flag)) => Ok(Some(*flag)),
            Some(other) => Err(expected(name, "a boolean", other)),
        }
    }

    /// Reads an optional integer field (IDs and epoch-millisecond timestamps).
    pub fn integer(&self, name: &str) -> Result<Option<i64>, DecodeError> {
        match self.get(name) {
            None => Ok(None),
            Some(value) => integer(name, value).map(Some),
        }
    }

    /// Reads a string list, normalised: see [`string_list`].
    pub fn string_list(&self, name: &str) -> Result<Vec<String>, DecodeError> {
        match self.get(name) {
            None => Ok(Vec::new()),
            Some(value) => string_list(name, value),
        }
    }

    /// Reads a list of integer IDs, where an absent or `null` list is empty.
    pub fn id_list(&self, name: &str) -> Result<Vec<i64>, DecodeError> {
        match self.get(name) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(index, item)| integer(&format!("{name}[{index}]"), item))
                .collect(),
            Some(other) => Err(expected(name, "an array of IDs", other)),
        }
    }

    /// Reads a nested object with `decode`, prefixing any error with this field's name.
    pub fn object<T>(
        &self,
        name: &str,
        decode: impl FnOnce(Object<'a>) -> Result<T, DecodeError>,
    ) -> Result<Option<T>, DecodeError> {
        match self.get(name) {
            None => Ok(None),
            Some(value @ Value::Object(_)) => {
                let inner = Object::new(value).map_err(|error| error.within(name))?;
                decode(inner).map(Some).map_err(|error| error.within(name))
            }
            Some(other) => Err(expected(name, "an object", other)),
        }
    }

    /// Iterates over the fields in document order.
    pub fn entries(&self) -> impl Iterator<Item = (&'a String, &'a Value)> {
        self.fields.iter()
    }
}

/// Reads an integer, accepting a whole-valued float such as `12.0` as well.
fn integer(field: &str, value: &Value) -> Result<i64, DecodeError> {
    let Value::Number(number) = value else {
        return Err(expected(field, "an integer", value));
    };
    if let Some(whole) = number.as_i64() {
        return Ok(whole);
    }
    match number.as_f64() {
        Some(float) if float.fract() == 0.0 && float.abs() < 9.0e15 => Ok(float as i64),
        _ => Err(DecodeError::field(
            field,
            format!("expected an integer, found {number}"),
        )),
    }
}

/// Normalises a string list given as an array of strings or as a newline-joined string.
///
/// Entries containing newlines are split and empty entries are dropped. So `[""]`, `[]`, `""`
/// and an absent field all read as an empty list.
pub fn string_list(field: &str, value: &Value) -> Result<Vec<String>, DecodeError> {
    let mut entries = Vec::new();
    match value {
        Value::Null => {}
        Value::String(text) => push_lines(&mut entries, text),
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                match item {
                    Value::String(text) => push_lines(&mut entries, text),
                    Value::Null => {}
                    other => return Err(expected(&format!("{field}[{index}]"), "a string", other)),
                }
            }
        }
        other => return Err(expected(field, "a list of strings", other)),
    }
    Ok(entries)
}

fn push_lines(entries: &mut Vec<String>, text: &str) {
    let lines = text
        .split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line));
    entries.extend(lines.filter(|line| !line.is_empty()).map(str::to_string));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn string_list_normalises_each_shape() {
        let cases: &[(&str, Value, &[&str])] = &[
            ("array", json!(["a", "b"]), &["a", "b"]),
            ("one empty entry", json!([""]), &[]),
            ("empty array", json!([]), &[]),
            ("null", Value::Null, &[]),
            ("newline-joined string", json!("a\nb\n"), &["a", "b"]),
            ("crlf-joined string", json!("a\r\nb"), &["a", "b"]),
            ("empty string", json!(""), &[]),
            ("entry with newline", json!(["a\nb", "c"]), &["a", "b", "c"]),
            ("empty entries mixed in", json!(["", "a", ""]), &["a"]),
            ("null entry", json!([null, "a"]), &["a"]),
            ("spaces kept", json!([" a b "]), &[" a b "]),
        ];
        for (name, input, want) in cases {
            let got = string_list("f", input).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(got, *want, "case {name}");
        }
    }

    #[test]
    fn string_list_rejects_wrong_types() {
        let cases: &[(&str, Value, &str)] = &[
            (
                "number",
                json!(3),
                "field \"f\": expected a list of strings, found a number",
            ),
            (
                "object",
                json!({}),
                "field \"f\": expected a list of strings, found an object",
            ),
            (
                "number entry",
                json!(["a", 1]),
                "field \"f[1]\": expected a string, found a number",
            ),
        ];
        for (name, input, want) in cases {
            let error = string_list("f", input).expect_err(name);
            assert_eq!(error.to_string(), *want, "case {name}");
        }
    }

    #[test]
    fn object_reads_absent_fields_as_empty() {
        let value = json!({"a": null, "unknown": {"x": 1}});
        let object = Object::new(&value).expect("test value is an object");
        assert_eq!(object.string("a"), Ok(None));
        assert_eq!(object.boolean("missing"), Ok(None));
        assert_eq!(object.integer("missing"), Ok(None));
        assert_eq!(object.id_list("a"), Ok(vec![]));
        assert_eq!(object.id_list("missing"), Ok(vec![]));
        assert_eq!(object.string_list("missing"), Ok(vec![]));
    }

    #[test]
    fn object_names_field_of_wrong_type() {
        let value = json!({
            "alertEnabled": "yes", "ID": "7", "name": 5, "ids": [1, "2"], "big": 1.5, "nested": []
        });
        let object = Object::new(&value).expect("test value is an object");
        let cases = [
            (
                object.boolean("alertEnabled").map(|_| ()),
                "field \"alertEnabled\": expected a boolean, found a string",
            ),
            (
                object.integer("ID").map(|_| ()),
                "field \"ID\": expected an integer, found a string",
            ),
            (
                object.string("name").map(|_| ()),
                "field \"name\": expected a string, found a number",
            ),
            (
                object.id_list("ids").map(|_| ()),
                "field \"ids[1]\": expected an integer, found a string",
            ),
            (
                object.integer("big").map(|_| ()),
                "field \"big\": expected an integer, found 1.5",
            ),
            (
                object.object("nested", |_| Ok(())).map(|_| ()),
                "field \"nested\": expected an object, found an array",
            ),
        ];
        for (result, want) in cases {
            let error = result.expect_err(want);
            assert_eq!(error.to_string(), want);
        }
    }

    #[test]
    fn object_accepts_whole_float_and_numeric_type() {
        let value = json!({"ID": 12.0, "type": 1});
        let object = Object::new(&value).expect("test value is an object");
        assert_eq!(object.integer("ID"), Ok(Some(12)));
        assert_eq!(object.string_or_number("type"), Ok(Some("1".to_string())));
    }

    #[test]
    fn nested_error_carries_full_path() {
        let value = json!({"outer": {"flag": 3}});
        let object = Object::new(&value).expect("test value is an object");
        let error = object
            .object("outer", |inner| inner.boolean("flag"))
            .expect_err("flag is a number");
        assert_eq!(error.field.as_deref(), Some("outer.flag"));
        let listed = DecodeError::field("[3].flag", "x").within("rules");
        assert_eq!(listed.field.as_deref(), Some("rules[3].flag"));
    }

    #[test]
    fn object_rejects_non_object_document() {
        let error = Object::new(&json!([1])).expect_err("an array is not an object");
        assert_eq!(error.field, None);
        assert_eq!(error.to_string(), "expected a JSON object, found an array");
    }
}
