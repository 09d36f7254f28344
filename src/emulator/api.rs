//! Routing of `/api` requests to the handlers, and the reply and error types they share.
//!
//! Handlers are plain functions over the [`Store`]: they take the parsed path, query and JSON
//! body and return a [`Reply`] or an [`ApiError`], which this module turns into the API's JSON.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use super::state::{Shared, Store};
use super::{assignments, policies, rules, search, settings};

/// A handler's successful result: a status and an optional JSON body (`None` sends an empty body).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) body: Option<Value>,
}

impl Reply {
    /// Creates a 200 reply with a JSON body.
    pub(crate) fn ok(body: Value) -> Self {
        Reply {
            status: StatusCode::OK,
            body: Some(body),
        }
    }

    /// Creates a 200 reply with an empty body, as the API sends on delete.
    pub(crate) fn empty() -> Self {
        Reply {
            status: StatusCode::OK,
            body: None,
        }
    }
}

/// A failed request: the status and the text that goes into `{"message": ...}`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) message: String,
}

impl ApiError {
    /// Creates a 400 error.
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    /// Creates a 403 error.
    pub(crate) fn forbidden(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::FORBIDDEN,
            message: message.into(),
        }
    }

    /// Creates a 404 error.
    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
        }
    }

    /// Converts the error into the reply the API sends for it.
    pub(crate) fn into_reply(self) -> Reply {
        Reply {
            status: self.status,
            body: Some(json!({ "message": self.message })),
        }
    }
}

/// The result type of every handler.
pub(crate) type ApiResult = Result<Reply, ApiError>;

/// Parsed request data that handlers need: the `overrides` flag and the JSON body.
#[derive(Debug)]
pub(crate) struct Request<'a> {
    pub(crate) method: &'a Method,
    pub(crate) overrides: bool,
    pub(crate) body: Option<Value>,
}

/// Routes one `/api` request, given the path below `/api`, to its handler.
///
/// Mutating handlers run under [`Shared::write`], so that the state file is written after each
/// successful change.
pub(crate) fn dispatch(
    shared: &Shared,
    method: &Method,
    path: &str,
    query: Option<&str>,
    body: Option<Value>,
) -> Reply {
    let segments: Vec<&str> = path.strip_prefix('/').unwrap_or(path).split('/').collect();
    let request = Request {
        method,
        overrides: overrides_flag(query),
        body,
    };
    let result = route(shared, &segments, request);
    result.unwrap_or_else(ApiError::into_reply)
}

fn route(shared: &Shared, segments: &[&str], request: Request<'_>) -> ApiResult {
    let method = request.method.clone();
    match segments {
        ["integritymonitoringrules"] => match method {
            Method::GET => shared.read(rules::list),
            Method::POST => shared.write(|store| rules::create(store, request.body)),
            _ => Err(method_not_allowed(&method)),
        },
        ["integritymonitoringrules", "search"] => match method {
            Method::POST => shared.read(|store| search::search(store, request.body)),
            _ => Err(method_not_allowed(&method)),
        },
        ["integritymonitoringrules", id] => {
            let id = parse_id(id)?;
            match method {
                Method::GET => shared.read(|store| rules::describe(store, id)),
                Method::POST => shared.write(|store| rules::modify(store, id, request.body)),
                Method::DELETE => shared.write(|store| rules::delete(store, id)),
                _ => Err(method_not_allowed(&method)),
            }
        }
        ["policies"] => match method {
            Method::GET => shared.read(|store| policies::list(store, request.overrides)),
            _ => Err(method_not_allowed(&method)),
        },
        ["policies", id] => {
            let id = parse_id(id)?;
            match method {
                Method::GET => {
                    shared.read(|store| policies::describe(store, id, request.overrides))
                }
                Method::POST => shared.write(|store| policies::modify(store, id, request)),
                _ => Err(method_not_allowed(&method)),
            }
        }
        ["policies", id, "settings", name] => {
            let id = parse_id(id)?;
            match method {
                Method::GET => {
                    shared.read(|store| settings::describe(store, id, name, request.overrides))
                }
                Method::POST => shared.write(|store| settings::modify(store, id, name, request)),
                Method::DELETE => {
                    shared.write(|store| settings::reset(store, id, name, request.overrides))
                }
                _ => Err(method_not_allowed(&method)),
            }
        }
        ["policies", id, "integritymonitoring", "assignments"] => {
            let id = parse_id(id)?;
            match method {
                Method::GET => shared.read(|store| assignments::list(store, id, request.overrides)),
                Method::POST => shared.write(|store| assignments::add(store, id, request)),
                Method::PUT => shared.write(|store| assignments::set(store, id, request)),
                _ => Err(method_not_allowed(&method)),
            }
        }
        ["policies", id, "integritymonitoring", "assignments", rule_id] => {
            let id = parse_id(id)?;
            let rule_id = parse_id(rule_id)?;
            match method {
                Method::DELETE => {
                    shared.write(|store| assignments::remove(store, id, rule_id, request.overrides))
                }
                _ => Err(method_not_allowed(&method)),
            }
        }
        // TODO: policy create and delete, `/policies/default` and the per-policy rule override
        // endpoints (`/policies/{id}/integritymonitoring/rules`) are not served, so they get 404.
        _ => Err(unknown_path()),
    }
}

/// Parses a path ID. The API's path patterns are `\d+`, so anything else is an unknown path.
fn parse_id(segment: &str) -> Result<i64, ApiError> {
    if segment.is_empty() || !segment.bytes().all(|b| b.is_ascii_digit()) {
        return Err(unknown_path());
    }
    segment.parse::<i64>().map_err(|_| unknown_path())
}

/// Reads the `overrides` query parameter the way a Java `Boolean.valueOf` does: only `true`, in
/// any case, is true, and anything else (including a missing parameter) is false.
fn overrides_flag(query: Option<&str>) -> bool {
    let Some(query) = query else {
        return false;
    };
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .rfind(|(key, _)| *key == "overrides")
        .is_some_and(|(_, value)| value.eq_ignore_ascii_case("true"))
}

/// Returns the error for a path that names no resource.
pub(crate) fn unknown_path() -> ApiError {
    ApiError::not_found("The requested resource was not found.")
}

fn method_not_allowed(method: &Method) -> ApiError {
    ApiError {
        status: StatusCode::METHOD_NOT_ALLOWED,
        message: format!("The method {method} is not allowed on this resource."),
    }
}

/// Returns the body as a JSON object, or a 400 naming `what` when it is missing or not an object.
pub(crate) fn body_object(
    body: Option<Value>,
    what: &str,
) -> Result<serde_json::Map<String, Value>, ApiError> {
    match body {
        Some(Value::Object(map)) => Ok(map),
        Some(_) => Err(ApiError::bad_request(format!(
            "The request body must be a JSON object describing {what}."
        ))),
        None => Err(ApiError::bad_request(format!(
            "The request body is missing: expected {what}."
        ))),
    }
}

/// Names a JSON value's type for error messages.
pub(crate) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Reads a list of rule IDs from a `ruleIDs` value, rejecting anything but an array of integers.
pub(crate) fn parse_rule_ids(value: &Value, field: &str) -> Result<Vec<i64>, ApiError> {
    let Value::Array(items) = value else {
        return Err(ApiError::bad_request(format!(
            "Invalid {field}: expected an array of integers, got {}.",
            json_type(value)
        )));
    };
    items
        .iter()
        .map(|item| {
            item.as_i64()
                .filter(|id| i32::try_from(*id).is_ok())
                .ok_or_else(|| {
                    ApiError::bad_request(format!("Invalid {field}: {item} is not a valid ID."))
                })
        })
        .collect()
}

/// Checks that every rule ID names an existing integrity monitoring rule.
pub(crate) fn check_rules_exist(store: &Store, ids: &[i64]) -> Result<(), ApiError> {
    match ids.iter().find(|id| !store.rules.contains_key(id)) {
        Some(missing) => Err(ApiError::bad_request(format!(
            "Integrity monitoring rule ID {missing} does not exist."
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_flag_reads_query() {
        let cases = [
            ("missing", None, false),
            ("true", Some("overrides=true"), true),
            ("upper case", Some("overrides=TRUE"), true),
            ("false", Some("overrides=false"), false),
            ("other value", Some("overrides=yes"), false),
            ("among others", Some("a=b&overrides=true"), true),
            ("last wins", Some("overrides=true&overrides=false"), false),
        ];
        for (name, query, expected) in cases {
            assert_eq!(overrides_flag(query), expected, "case {name}");
        }
    }

    #[test]
    fn parse_id_rejects_non_digits() {
        assert_eq!(parse_id("12"), Ok(12));
        assert!(parse_id("-1").is_err());
        assert!(parse_id("1a").is_err());
        assert!(parse_id("").is_err());
        assert!(parse_id("99999999999999999999999").is_err());
    }
}
