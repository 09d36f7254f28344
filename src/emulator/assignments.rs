//! `/policies/{id}/integritymonitoring/assignments`: a policy's IM rule assignments.
//!
//! These endpoints and a policy's `integrityMonitoring.ruleIDs` read and write the same stored
//! list. With `overrides=true` a response lists the rules assigned directly to the policy;
//! otherwise it also lists those of its parents.

use serde_json::{json, Map, Value};

use super::api::{
    check_rules_exist, json_type, parse_rule_ids, ApiError, ApiResult, Reply, Request,
};
use super::policies::{effective_rule_ids, own_rule_ids, policy_not_found, set_own_rule_ids};
use super::state::Store;

/// Handles `GET`: lists the assignments.
pub(crate) fn list(store: &Store, id: i64, overrides: bool) -> ApiResult {
    reply(store, id, overrides)
}

/// Handles `POST`: adds the given rules to the policy's direct assignments.
pub(crate) fn add(store: &mut Store, id: i64, request: Request<'_>) -> ApiResult {
    let current = own_ids(store, id)?;
    let added = body_rule_ids(store, request.body)?;

    let merged: Vec<i64> = current.into_iter().chain(added).collect();
    set_own_rule_ids(store, id, &merged);
    reply(store, id, request.overrides)
}

/// Handles `PUT`: replaces the policy's direct assignments with the given rules.
pub(crate) fn set(store: &mut Store, id: i64, request: Request<'_>) -> ApiResult {
    own_ids(store, id)?;
    let ids = body_rule_ids(store, request.body)?;

    set_own_rule_ids(store, id, &ids);
    reply(store, id, request.overrides)
}

/// Handles `DELETE .../assignments/{ruleID}`: removes one rule from the direct assignments.
/// Removing a rule that exists but is not assigned directly changes nothing.
pub(crate) fn remove(store: &mut Store, id: i64, rule_id: i64, overrides: bool) -> ApiResult {
    let current = own_ids(store, id)?;
    check_rules_exist(store, &[rule_id])?;

    let remaining: Vec<i64> = current
        .into_iter()
        .filter(|assigned| *assigned != rule_id)
        .collect();
    set_own_rule_ids(store, id, &remaining);
    reply(store, id, overrides)
}

fn own_ids(store: &Store, id: i64) -> Result<Vec<i64>, ApiError> {
    store
        .policies
        .get(&id)
        .map(own_rule_ids)
        .ok_or_else(|| policy_not_found(id))
}

/// Reads `{"ruleIDs": [...]}`. The body is optional in the API, and a missing body or list means
/// no rules.
fn body_rule_ids(store: &Store, body: Option<Value>) -> Result<Vec<i64>, ApiError> {
    let ids = match body {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Object(body)) => match body.get("ruleIDs") {
            None | Some(Value::Null) => Vec::new(),
            Some(ids) => parse_rule_ids(ids, "ruleIDs")?,
        },
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "The request body must be an object with ruleIDs, got {}.",
                json_type(&other)
            )))
        }
    };
    check_rules_exist(store, &ids)?;
    Ok(ids)
}

fn reply(store: &Store, id: i64, overrides: bool) -> ApiResult {
    let policy = store
        .policies
        .get(&id)
        .ok_or_else(|| policy_not_found(id))?;
    let assigned = if overrides {
        let mut ids = own_rule_ids(policy);
        ids.sort_unstable();
        ids.dedup();
        ids
    } else {
        effective_rule_ids(store, id)
    };
    let recommendations = store.recommendations.get(&id).cloned().unwrap_or_default();

    let mut body = Map::new();
    if !assigned.is_empty() {
        body.insert("assignedRuleIDs".to_string(), json!(assigned));
    }
    // Only seeded policies carry recommendation scan results, since the emulator runs no scans.
    let scan_status = if store.recommendations.contains_key(&id) {
        "valid"
    } else {
        "none"
    };
    body.insert("recommendationScanStatus".to_string(), json!(scan_status));
    if !recommendations.to_assign.is_empty() {
        body.insert(
            "recommendedToAssignRuleIDs".to_string(),
            json!(recommendations.to_assign),
        );
    }
    if !recommendations.to_unassign.is_empty() {
        body.insert(
            "recommendedToUnassignRuleIDs".to_string(),
            json!(recommendations.to_unassign),
        );
    }
    Ok(Reply::ok(Value::Object(body)))
}
