//! `POST /integritymonitoringrules/search`: the API's SearchFilter applied to rules.
//!
//! All criteria must hold. Results come in ascending ID order, which also satisfies
//! `sortByObjectID`, and at most `maxItems` (default 5000) are returned.

use serde_json::{json, Map, Value};

use super::api::{json_type, ApiError, ApiResult, Reply};
use super::rules::render;
use super::state::Store;

const DEFAULT_MAX_ITEMS: usize = 5000;

/// Rule fields searchable with a string test.
const STRING_FIELDS: &[&str] = &[
    "name",
    "description",
    "minimumAgentVersion",
    "minimumManagerVersion",
    "type",
    "identifier",
];
const CHOICE_FIELDS: &[&str] = &["severity", "recommendationsMode"];
const DATE_FIELDS: &[&str] = &["originalIssue", "lastUpdated"];
const BOOLEAN_FIELDS: &[&str] = &["alertEnabled", "realTimeMonitoringEnabled"];

/// A comparison operator of ID and numeric tests.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Comparison {
    Less,
    LessOrEqual,
    Equal,
    GreaterOrEqual,
    Greater,
    NotEqual,
}

impl Comparison {
    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "less-than" => Comparison::Less,
            "less-than-or-equal" => Comparison::LessOrEqual,
            "equal" => Comparison::Equal,
            "greater-than-or-equal" => Comparison::GreaterOrEqual,
            "greater-than" => Comparison::Greater,
            "not-equal" => Comparison::NotEqual,
            _ => return None,
        })
    }

    fn holds(self, left: i64, right: i64) -> bool {
        match self {
            Comparison::Less => left < right,
            Comparison::LessOrEqual => left <= right,
            Comparison::Equal => left == right,
            Comparison::GreaterOrEqual => left >= right,
            Comparison::Greater => left > right,
            Comparison::NotEqual => left != right,
        }
    }
}

/// One parsed search criterion.
#[derive(Debug, Clone, PartialEq)]
enum Criterion {
    Id {
        comparison: Comparison,
        value: i64,
    },
    Text {
        field: String,
        equal: bool,
        pattern: String,
        wildcards: bool,
    },
    Choice {
        field: String,
        equal: bool,
        value: String,
    },
    Flag {
        field: String,
        value: bool,
    },
    Null {
        field: String,
        is_null: bool,
    },
    Date {
        field: String,
        first: Option<i64>,
        last: Option<i64>,
        first_inclusive: bool,
        last_inclusive: bool,
    },
}

impl Criterion {
    fn matches(&self, rule: &Map<String, Value>) -> bool {
        match self {
            Criterion::Id { comparison, value } => rule
                .get("ID")
                .and_then(Value::as_i64)
                .is_some_and(|id| comparison.holds(id, *value)),
            Criterion::Text {
                field,
                equal,
                pattern,
                wildcards,
            } => {
                let text = rule.get(field).and_then(Value::as_str).unwrap_or_default();
                let found = if *wildcards {
                    wildcard_match(pattern, text)
                } else {
                    pattern == text
                };
                found == *equal
            }
            Criterion::Choice {
                field,
                equal,
                value,
            } => (rule.get(field).and_then(Value::as_str) == Some(value.as_str())) == *equal,
            Criterion::Flag { field, value } => {
                rule.get(field).and_then(Value::as_bool) == Some(*value)
            }
            Criterion::Null { field, is_null } => {
                rule.get(field).is_none_or(Value::is_null) == *is_null
            }
            Criterion::Date {
                field,
                first,
                last,
                first_inclusive,
                last_inclusive,
            } => {
                let Some(date) = rule.get(field).and_then(Value::as_i64) else {
                    return false;
                };
                let after_first = first.is_none_or(|first| {
                    if *first_inclusive {
                        date >= first
                    } else {
                        date > first
                    }
                });
                let before_last = last.is_none_or(|last| {
                    if *last_inclusive {
                        date <= last
                    } else {
                        date < last
                    }
                });
                after_first && before_last
            }
        }
    }
}

/// Handles the search request.
pub(crate) fn search(store: &Store, body: Option<Value>) -> ApiResult {
    let filter = match body {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(filter)) => filter,
        Some(other) => {
            return Err(invalid(format!(
                "the search filter must be an object, got {}",
                json_type(&other)
            )))
        }
    };
    let max_items = match filter.get("maxItems") {
        None | Some(Value::Null) => DEFAULT_MAX_ITEMS,
        Some(value) => value
            .as_u64()
            .and_then(|max| usize::try_from(max).ok())
            .ok_or_else(|| {
                invalid(format!(
                    "maxItems must be a non-negative integer, got {value}"
                ))
            })?,
    };
    if let Some(sort) = filter
        .get("sortByObjectID")
        .filter(|value| !value.is_null())
    {
        if !sort.is_boolean() {
            return Err(invalid(format!(
                "sortByObjectID must be true or false, got {sort}"
            )));
        }
    }
    let criteria = match filter.get("searchCriteria") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(parse_criterion)
            .collect::<Result<Vec<_>, _>>()?,
        Some(other) => {
            return Err(invalid(format!(
                "searchCriteria must be an array, got {}",
                json_type(other)
            )))
        }
    };

    let found: Vec<Value> = store
        .rules
        .values()
        .filter(|rule| criteria.iter().all(|criterion| criterion.matches(rule)))
        .take(max_items)
        .map(render)
        .collect();
    Ok(Reply::ok(json!({ "integrityMonitoringRules": found })))
}

fn parse_criterion(value: &Value) -> Result<Criterion, ApiError> {
    let Value::Object(criterion) = value else {
        return Err(invalid(format!(
            "a search criterion must be an object, got {}",
            json_type(value)
        )));
    };
    let present = |key: &str| criterion.get(key).is_some_and(|value| !value.is_null());
    let field_name = criterion.get("fieldName").and_then(Value::as_str);
    let field_for = |fields: &[&str], kind: &str| -> Result<String, ApiError> {
        match field_name {
            Some(name) if fields.contains(&name) => Ok(name.to_string()),
            Some(name) => Err(invalid(format!(
                "field \"{name}\" is not searchable with a {kind} test"
            ))),
            None => Err(invalid(format!("fieldName is required for a {kind} test"))),
        }
    };

    if present("idTest") || present("idValue") {
        if field_name.is_some_and(|name| name != "ID") {
            return Err(invalid("an ID test applies to the ID field only"));
        }
        let comparison = comparison(criterion, "idTest")?;
        let value = criterion
            .get("idValue")
            .and_then(Value::as_i64)
            .ok_or_else(|| invalid("idValue must be an integer"))?;
        return Ok(Criterion::Id { comparison, value });
    }
    if present("stringTest") || present("stringValue") {
        let field = field_for(STRING_FIELDS, "string")?;
        let equal = equality(criterion, "stringTest")?;
        let pattern = text(criterion, "stringValue")?;
        let wildcards = flag(criterion, "stringWildcards", true)?;
        return Ok(Criterion::Text {
            field,
            equal,
            pattern,
            wildcards,
        });
    }
    if present("choiceTest") || present("choiceValue") {
        let field = field_for(CHOICE_FIELDS, "choice")?;
        let equal = equality(criterion, "choiceTest")?;
        let value = text(criterion, "choiceValue")?;
        return Ok(Criterion::Choice {
            field,
            equal,
            value,
        });
    }
    if present("booleanTest") {
        let field = field_for(BOOLEAN_FIELDS, "boolean")?;
        let value = flag(criterion, "booleanTest", true)?;
        return Ok(Criterion::Flag { field, value });
    }
    if present("nullTest") {
        let all: Vec<&str> = [STRING_FIELDS, CHOICE_FIELDS, DATE_FIELDS, BOOLEAN_FIELDS].concat();
        let field = field_for(&all, "null")?;
        let is_null = flag(criterion, "nullTest", true)?;
        return Ok(Criterion::Null { field, is_null });
    }
    if present("firstDateValue") || present("lastDateValue") {
        let field = field_for(DATE_FIELDS, "date")?;
        return Ok(Criterion::Date {
            field,
            first: date(criterion, "firstDateValue")?,
            last: date(criterion, "lastDateValue")?,
            first_inclusive: flag(criterion, "firstDateInclusive", true)?,
            last_inclusive: flag(criterion, "lastDateInclusive", true)?,
        });
    }
    if present("numericTest")
        || present("numericValue")
        || present("versionTest")
        || present("versionValue")
    {
        return Err(invalid(
            "integrity monitoring rules have no numeric or version fields to search",
        ));
    }
    Err(invalid("a search criterion must contain a test"))
}

fn comparison(criterion: &Map<String, Value>, key: &str) -> Result<Comparison, ApiError> {
    match criterion.get(key) {
        None | Some(Value::Null) => Ok(Comparison::Equal),
        Some(value) => value
            .as_str()
            .and_then(Comparison::parse)
            .ok_or_else(|| invalid(format!("{key} {value} is not a valid operator"))),
    }
}

fn equality(criterion: &Map<String, Value>, key: &str) -> Result<bool, ApiError> {
    match criterion.get(key).map(|value| (value, value.as_str())) {
        None | Some((Value::Null, _)) | Some((_, Some("equal"))) => Ok(true),
        Some((_, Some("not-equal"))) => Ok(false),
        Some((value, _)) => Err(invalid(format!(
            "{key} {value} is not one of equal, not-equal"
        ))),
    }
}

fn text(criterion: &Map<String, Value>, key: &str) -> Result<String, ApiError> {
    criterion
        .get(key)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| invalid(format!("{key} is required and must be a string")))
}

fn flag(criterion: &Map<String, Value>, key: &str, default: bool) -> Result<bool, ApiError> {
    match criterion.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(value)) => Ok(*value),
        Some(value) => Err(invalid(format!("{key} must be true or false, got {value}"))),
    }
}

fn date(criterion: &Map<String, Value>, key: &str) -> Result<Option<i64>, ApiError> {
    match criterion.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => value
            .as_i64()
            .map(Some)
            .ok_or_else(|| invalid(format!("{key} must be epoch milliseconds, got {value}"))),
    }
}

fn invalid(detail: impl AsRef<str>) -> ApiError {
    ApiError::bad_request(format!("Invalid search filter: {}.", detail.as_ref()))
}

/// Matches `text` against a SQL LIKE pattern where `%` is any run of characters and `_` is one.
// NOTE: whether the manager compares strings case-sensitively is not documented; this match is
// case-sensitive.
fn wildcard_match(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();
    // matched[j] is true when the pattern so far matches the first j characters of the text.
    let mut matched = vec![false; text.len() + 1];
    matched[0] = true;
    for symbol in pattern {
        let mut next = vec![false; text.len() + 1];
        for j in 0..=text.len() {
            next[j] = match symbol {
                '%' => matched[j] || (j > 0 && next[j - 1]),
                '_' => j > 0 && matched[j - 1],
                literal => j > 0 && matched[j - 1] && text[j - 1] == literal,
            };
        }
        matched = next;
    }
    matched[text.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_match_table() {
        let cases = [
            ("exact", "abc", "abc", true),
            ("percent any run", "a%c", "abbbc", true),
            ("percent empty run", "a%c", "ac", true),
            ("underscore one", "a_c", "abc", true),
            ("underscore not zero", "a_c", "ac", false),
            ("case differs", "ABC", "abc", false),
            ("prefix only", "ab", "abc", false),
            ("percent alone", "%", "", true),
        ];
        for (name, pattern, text, expected) in cases {
            assert_eq!(wildcard_match(pattern, text), expected, "case {name}");
        }
    }

    #[test]
    fn parse_criterion_rejects_bad_input() {
        let cases = [
            ("no test", json!({"fieldName": "name"})),
            (
                "unsearchable field",
                json!({"fieldName": "template", "stringValue": "file"}),
            ),
            ("missing field", json!({"stringValue": "x"})),
            ("bad operator", json!({"idTest": "around", "idValue": 1})),
            ("id not integer", json!({"idTest": "equal", "idValue": "1"})),
            (
                "bad string test",
                json!({"fieldName": "name", "stringTest": "like", "stringValue": "x"}),
            ),
        ];
        for (name, criterion) in cases {
            assert!(parse_criterion(&criterion).is_err(), "case {name}");
        }
    }
}
