//! Out-of-band access for tests and scripts: raw objects, faults, the request log and the clock.
//!
//! The functions here back both the in-process [`EmulatorHandle`](super::EmulatorHandle) and the
//! HTTP control API under `/_emulator/`. They bypass validation and the request log on purpose,
//! so that a test can place any value a real manager might hold, such as a setting of `"TRUE"`.
//!
//! | Method and path | Effect |
//! | --- | --- |
//! | `GET`, `DELETE /_emulator/requests` | reads or clears the request log |
//! | `GET`, `POST`, `DELETE /_emulator/faults` | lists, injects or clears faults |
//! | `GET`, `PUT`, `DELETE /_emulator/rules/{id}` | reads, stores or deletes a raw rule |
//! | `GET`, `PUT /_emulator/policies/{id}` | reads or stores a raw policy |
//! | `PUT`, `DELETE /_emulator/policies/{id}/settings/{name}` | sets `{"value": ...}` or removes a setting |
//! | `PUT /_emulator/policies/{id}/assignments` | replaces direct IM assignments with `{"ruleIDs": [...]}` |
//! | `PUT /_emulator/clock` | fixes the clock with `{"epochMillis": N}`, or frees it with null |
//! | `PUT /_emulator/rate-limit` | sets `{"perMinute": N}` or removes the limit with null |
//! | `GET /_emulator/state` | returns the whole state in the state file's layout |

use std::time::Duration;

use axum::http::{Method, StatusCode};
use serde_json::{json, Map, Value};

use super::api::Reply;
use super::faults::{Fault, FaultKind};
use super::policies::{own_rule_ids, set_own_rule_ids};
use super::server::message_reply;
use super::settings;
use super::state::{lock, Shared};
use super::Error;

/// Returns a stored rule as raw JSON.
pub(crate) fn rule(shared: &Shared, id: i64) -> Option<Value> {
    shared.read(|store| store.rules.get(&id).cloned().map(Value::Object))
}

/// Stores a raw rule under `id`, replacing any rule there. Its `ID` field is set to `id`.
pub(crate) fn put_rule(shared: &Shared, id: i64, rule: Value) -> Result<(), Error> {
    let Value::Object(rule) = rule else {
        return Err(Error::NotAnObject { what: "a rule" });
    };
    shared.write(|store| {
        store.insert_rule(id, rule);
        Ok(())
    })
}

/// Deletes a rule and removes it from every policy's direct assignments, as an administrator
/// would have to do first. Returns false when no such rule exists.
pub(crate) fn delete_rule(shared: &Shared, id: i64) -> bool {
    let result: Result<bool, Error> = shared.write(|store| {
        if store.rules.remove(&id).is_none() {
            return Ok(false);
        }
        let holders: Vec<i64> = store
            .policies
            .iter()
            .filter(|(_, policy)| own_rule_ids(policy).contains(&id))
            .map(|(policy_id, _)| *policy_id)
            .collect();
        for policy_id in holders {
            let remaining: Vec<i64> = store
                .policies
                .get(&policy_id)
                .map(own_rule_ids)
                .unwrap_or_default()
                .into_iter()
                .filter(|rule_id| *rule_id != id)
                .collect();
            set_own_rule_ids(store, policy_id, &remaining);
        }
        Ok(true)
    });
    result.unwrap_or(false)
}

/// Returns a stored policy as raw JSON: only what the policy sets itself.
pub(crate) fn policy(shared: &Shared, id: i64) -> Option<Value> {
    shared.read(|store| store.policies.get(&id).cloned().map(Value::Object))
}

/// Stores a raw policy under `id`, replacing any policy there. Its `ID` field is set to `id`.
pub(crate) fn put_policy(shared: &Shared, id: i64, policy: Value) -> Result<(), Error> {
    let Value::Object(mut policy) = policy else {
        return Err(Error::NotAnObject { what: "a policy" });
    };
    policy.insert("ID".to_string(), json!(id));
    shared.write(|store| {
        store.policies.insert(id, policy);
        Ok(())
    })
}

/// Stores a setting value exactly as given, without validation or normalisation.
pub(crate) fn set_setting(shared: &Shared, id: i64, name: &str, value: &str) -> Result<(), Error> {
    shared.write(|store| {
        if !store.policies.contains_key(&id) {
            return Err(Error::UnknownPolicy { id });
        }
        settings::set_own(store, id, name, Value::from(value));
        Ok(())
    })
}

/// Removes a policy's own value of a setting.
pub(crate) fn delete_setting(shared: &Shared, id: i64, name: &str) -> Result<(), Error> {
    shared.write(|store| {
        if !store.policies.contains_key(&id) {
            return Err(Error::UnknownPolicy { id });
        }
        settings::remove_own(store, id, name);
        Ok(())
    })
}

/// Replaces a policy's direct IM assignments without checking that the rules exist.
pub(crate) fn set_assignments(shared: &Shared, id: i64, rule_ids: &[i64]) -> Result<(), Error> {
    shared.write(|store| {
        if !store.policies.contains_key(&id) {
            return Err(Error::UnknownPolicy { id });
        }
        set_own_rule_ids(store, id, rule_ids);
        Ok(())
    })
}

/// Fixes the clock at `epoch_millis`, or returns to the system clock for `None`.
pub(crate) fn set_fixed_time(shared: &Shared, epoch_millis: Option<i64>) {
    let _: Result<(), Error> = shared.write(|store| {
        store.fixed_time = epoch_millis;
        Ok(())
    });
}

/// Returns the whole state in the state file's layout.
pub(crate) fn state(shared: &Shared) -> Value {
    shared.read(|store| serde_json::to_value(store.snapshot()).unwrap_or(Value::Null))
}

/// Routes one `/_emulator` request, given the path below `/_emulator`.
pub(crate) fn dispatch(shared: &Shared, method: &Method, path: &str, body: Option<Value>) -> Reply {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let id = |segment: &str| segment.parse::<i64>().ok();
    match (method.clone(), segments.as_slice()) {
        (Method::GET, ["requests"]) => {
            let records = lock(&shared.requests).clone();
            Reply::ok(json!({ "requests": records }))
        }
        (Method::DELETE, ["requests"]) => {
            lock(&shared.requests).clear();
            Reply::ok(json!({}))
        }
        (Method::GET, ["faults"]) => {
            let pending: Vec<Value> = lock(&shared.faults)
                .pending()
                .iter()
                .map(fault_json)
                .collect();
            Reply::ok(json!({ "faults": pending }))
        }
        (Method::POST, ["faults"]) => match parse_fault(body.as_ref()) {
            Ok(fault) => {
                let description = fault_json(&fault);
                lock(&shared.faults).push(fault);
                Reply::ok(description)
            }
            Err(message) => message_reply(StatusCode::BAD_REQUEST, &message),
        },
        (Method::DELETE, ["faults"]) => {
            lock(&shared.faults).clear();
            Reply::ok(json!({}))
        }
        (Method::GET, ["rules", rule_id]) => {
            found(id(rule_id).and_then(|rule_id| rule(shared, rule_id)))
        }
        (Method::PUT, ["rules", rule_id]) => match id(rule_id) {
            Some(rule_id) => done(put_rule(shared, rule_id, body.unwrap_or(Value::Null))),
            None => not_found(),
        },
        (Method::DELETE, ["rules", rule_id]) => match id(rule_id) {
            Some(rule_id) if delete_rule(shared, rule_id) => Reply::ok(json!({})),
            _ => not_found(),
        },
        (Method::GET, ["policies", policy_id]) => {
            found(id(policy_id).and_then(|policy_id| policy(shared, policy_id)))
        }
        (Method::PUT, ["policies", policy_id]) => match id(policy_id) {
            Some(policy_id) => done(put_policy(shared, policy_id, body.unwrap_or(Value::Null))),
            None => not_found(),
        },
        (Method::PUT, ["policies", policy_id, "settings", name]) => {
            let value = body
                .as_ref()
                .and_then(|body| body.get("value"))
                .and_then(Value::as_str);
            match (id(policy_id), value) {
                (Some(policy_id), Some(value)) => done(set_setting(shared, policy_id, name, value)),
                (None, _) => not_found(),
                (_, None) => {
                    message_reply(StatusCode::BAD_REQUEST, "expected {\"value\": \"...\"}")
                }
            }
        }
        (Method::DELETE, ["policies", policy_id, "settings", name]) => match id(policy_id) {
            Some(policy_id) => done(delete_setting(shared, policy_id, name)),
            None => not_found(),
        },
        (Method::PUT, ["policies", policy_id, "assignments"]) => {
            let ids: Option<Vec<i64>> = body
                .as_ref()
                .and_then(|body| body.get("ruleIDs"))
                .and_then(Value::as_array)
                .and_then(|ids| ids.iter().map(Value::as_i64).collect());
            match (id(policy_id), ids) {
                (Some(policy_id), Some(ids)) => done(set_assignments(shared, policy_id, &ids)),
                (None, _) => not_found(),
                (_, None) => message_reply(
                    StatusCode::BAD_REQUEST,
                    "expected {\"ruleIDs\": [integers]}",
                ),
            }
        }
        (Method::PUT, ["clock"]) => {
            let millis = body
                .as_ref()
                .and_then(|body| body.get("epochMillis"))
                .and_then(Value::as_i64);
            set_fixed_time(shared, millis);
            Reply::ok(json!({ "epochMillis": millis }))
        }
        (Method::PUT, ["rate-limit"]) => {
            let limit = body
                .as_ref()
                .and_then(|body| body.get("perMinute"))
                .and_then(Value::as_u64)
                .and_then(|limit| u32::try_from(limit).ok());
            lock(&shared.limiter).set_limit(limit);
            Reply::ok(json!({ "perMinute": limit }))
        }
        (Method::GET, ["state"]) => Reply::ok(state(shared)),
        _ => not_found(),
    }
}

fn found(value: Option<Value>) -> Reply {
    value.map(Reply::ok).unwrap_or_else(not_found)
}

fn done(result: Result<(), Error>) -> Reply {
    match result {
        Ok(()) => Reply::ok(json!({})),
        Err(error @ Error::UnknownPolicy { .. }) => {
            message_reply(StatusCode::NOT_FOUND, &error.to_string())
        }
        Err(error) => message_reply(StatusCode::BAD_REQUEST, &error.to_string()),
    }
}

fn not_found() -> Reply {
    message_reply(StatusCode::NOT_FOUND, "no such emulator control resource")
}

/// Reads a fault from `{"kind": ..., "count": N, "method": ..., "pathPrefix": ...}` with
/// `retryAfter` (seconds) for `too-many-requests`, `status` for `status` and `delayMs` for
/// `delay`. Kinds: `too-many-requests`, `status`, `delay`, `drop-before`, `drop-after`.
fn parse_fault(body: Option<&Value>) -> Result<Fault, String> {
    let body = body
        .and_then(Value::as_object)
        .ok_or("expected a fault object")?;
    let number = |key: &str| body.get(key).and_then(Value::as_u64);
    let kind = match body.get("kind").and_then(Value::as_str) {
        Some("too-many-requests") => FaultKind::TooManyRequests {
            retry_after: number("retryAfter"),
        },
        Some("status") => {
            let status = number("status")
                .and_then(|status| u16::try_from(status).ok())
                .filter(|status| (100..=599).contains(status))
                .ok_or("a status fault needs a status between 100 and 599")?;
            FaultKind::Status(status)
        }
        Some("delay") => FaultKind::Delay(Duration::from_millis(
            number("delayMs").ok_or("a delay fault needs delayMs")?,
        )),
        Some("drop-before") => FaultKind::DropBeforeProcessing,
        Some("drop-after") => FaultKind::DropAfterProcessing,
        _ => {
            return Err(
                "kind must be too-many-requests, status, delay, drop-before or drop-after"
                    .to_string(),
            )
        }
    };
    let count = match number("count") {
        None => 1,
        Some(count) => u32::try_from(count).map_err(|_| "count is too large")?,
    };
    let method = match body.get("method").and_then(Value::as_str) {
        Some(method) => Some(
            Method::from_bytes(method.as_bytes())
                .map_err(|_| format!("invalid method {method}"))?,
        ),
        None => None,
    };
    let path_prefix = body
        .get("pathPrefix")
        .and_then(Value::as_str)
        .map(str::to_string);
    Ok(Fault {
        kind,
        count,
        method,
        path_prefix,
    })
}

fn fault_json(fault: &Fault) -> Value {
    let mut out = Map::new();
    let (kind, detail) = match &fault.kind {
        FaultKind::TooManyRequests { retry_after } => (
            "too-many-requests",
            retry_after.map(|seconds| ("retryAfter", json!(seconds))),
        ),
        FaultKind::Status(status) => ("status", Some(("status", json!(status)))),
        FaultKind::Delay(duration) => (
            "delay",
            Some(("delayMs", json!(duration.as_millis() as u64))),
        ),
        FaultKind::DropBeforeProcessing => ("drop-before", None),
        FaultKind::DropAfterProcessing => ("drop-after", None),
    };
    out.insert("kind".to_string(), json!(kind));
    if let Some((key, value)) = detail {
        out.insert(key.to_string(), value);
    }
    out.insert("count".to_string(), json!(fault.count));
    if let Some(method) = &fault.method {
        out.insert("method".to_string(), json!(method.as_str()));
    }
    if let Some(prefix) = &fault.path_prefix {
        out.insert("pathPrefix".to_string(), json!(prefix));
    }
    Value::Object(out)
}
