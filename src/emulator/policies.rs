//! Policies: describe, partial modify and list, with the `overrides` views.
//!
//! A stored policy holds only what the policy sets itself. With `overrides=true` a response shows
//! exactly that. Otherwise it shows the effective policy: the defaults, overlaid by each parent
//! from the top down, overlaid by the policy itself, with rule ID lists joined.

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use super::api::{
    body_object, check_rules_exist, json_type, parse_rule_ids, ApiError, ApiResult, Reply, Request,
};
use super::settings;
use super::state::Store;

/// Modules other than integrity monitoring whose data a policy carries. A modify changes them
/// only when the body contains them.
pub(crate) const OTHER_MODULES: &[&str] = &[
    "antiMalware",
    "webReputation",
    "activityMonitoring",
    "firewall",
    "intrusionPrevention",
    "logInspection",
    "applicationControl",
];

/// Fields that belong to one policy and are never inherited.
const IDENTITY_FIELDS: &[&str] = &["ID", "name", "description", "parentID"];

/// Values accepted for `integrityMonitoring.state`. `inherited` is write-only.
const IM_STATES: &[&str] = &["inherited", "on", "off", "real-time"];

/// The IM state of a top-level policy that sets none, from the default policy settings.
const DEFAULT_IM_STATE: &str = "off";

/// Handles `GET /policies`.
pub(crate) fn list(store: &Store, overrides: bool) -> ApiResult {
    let policies: Vec<Value> = store
        .policies
        .keys()
        .filter_map(|id| render(store, *id, overrides))
        .collect();
    Ok(Reply::ok(json!({ "policies": policies })))
}

/// Handles `GET /policies/{id}`.
pub(crate) fn describe(store: &Store, id: i64, overrides: bool) -> ApiResult {
    render(store, id, overrides)
        .map(Reply::ok)
        .ok_or_else(|| policy_not_found(id))
}

/// Handles `POST /policies/{id}`: validates the whole body, then applies what it contains.
pub(crate) fn modify(store: &mut Store, id: i64, request: Request<'_>) -> ApiResult {
    if !store.policies.contains_key(&id) {
        return Err(policy_not_found(id));
    }
    let body = body_object(request.body, "a policy")?;
    let changes = super::policy_changes::validate(store, id, &body)?;

    changes.apply(store, id);
    describe(store, id, request.overrides)
}

/// Returns the error for an unknown policy ID.
pub(crate) fn policy_not_found(id: i64) -> ApiError {
    ApiError::not_found(format!("Policy {id} does not exist."))
}

/// Returns the policy and its parents, nearest first. A parent loop, which only out-of-band
/// edits can create, ends the chain.
pub(crate) fn ancestors(store: &Store, id: i64) -> Vec<&Map<String, Value>> {
    let mut chain = Vec::new();
    let mut seen = BTreeSet::new();
    let mut next = Some(id);
    while let Some(current) = next {
        if !seen.insert(current) {
            break;
        }
        let Some(policy) = store.policies.get(&current) else {
            break;
        };
        chain.push(policy);
        next = policy
            .get("parentID")
            .and_then(Value::as_i64)
            .filter(|parent| *parent != 0);
    }
    chain
}

/// Reads the IM rule IDs a policy assigns directly, skipping entries that are not integers.
pub(crate) fn own_rule_ids(policy: &Map<String, Value>) -> Vec<i64> {
    policy
        .get("integrityMonitoring")
        .and_then(|module| module.get("ruleIDs"))
        .and_then(Value::as_array)
        .map(|ids| ids.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default()
}

/// Returns the IM rule IDs of a policy and all its parents, ascending.
pub(crate) fn effective_rule_ids(store: &Store, id: i64) -> Vec<i64> {
    let ids: BTreeSet<i64> = ancestors(store, id)
        .into_iter()
        .flat_map(own_rule_ids)
        .collect();
    ids.into_iter().collect()
}

/// Replaces a policy's direct IM rule assignments. The stored list is ascending, and an empty
/// list removes `ruleIDs`, as the manager omits it.
pub(crate) fn set_own_rule_ids(store: &mut Store, id: i64, ids: &[i64]) {
    let Some(policy) = store.policies.get_mut(&id) else {
        return;
    };
    let module = module_object(policy, "integrityMonitoring");
    let sorted: BTreeSet<i64> = ids.iter().copied().collect();
    if sorted.is_empty() {
        module.shift_remove("ruleIDs");
    } else {
        module.insert(
            "ruleIDs".to_string(),
            json!(sorted.into_iter().collect::<Vec<_>>()),
        );
    }
}

/// Returns a module's object inside a stored policy, creating it when missing or not an object.
pub(crate) fn module_object<'a>(
    policy: &'a mut Map<String, Value>,
    module: &str,
) -> &'a mut Map<String, Value> {
    let entry = policy
        .entry(module)
        .or_insert_with(|| Value::Object(Map::new()));
    if !entry.is_object() {
        *entry = Value::Object(Map::new());
    }
    match entry {
        Value::Object(map) => map,
        _ => unreachable!("the entry was just made an object"),
    }
}

/// Reads the effective IM state: the nearest state set up the chain, or the default.
fn effective_im_state(store: &Store, id: i64) -> String {
    ancestors(store, id)
        .into_iter()
        .find_map(|policy| own_im_state(policy))
        .unwrap_or(DEFAULT_IM_STATE)
        .to_string()
}

/// Reads the IM state a policy sets itself. `inherited` or an invalid value counts as none.
fn own_im_state(policy: &Map<String, Value>) -> Option<&str> {
    policy
        .get("integrityMonitoring")
        .and_then(|module| module.get("state"))
        .and_then(Value::as_str)
        .filter(|state| *state != "inherited" && IM_STATES.contains(state))
}

/// Builds the response JSON of a policy, or `None` when it does not exist.
pub(crate) fn render(store: &Store, id: i64, overrides: bool) -> Option<Value> {
    let own = store.policies.get(&id)?;
    let mut out = if overrides {
        own.clone()
    } else {
        let mut inherited = default_policy();
        for parent in ancestors(store, id).into_iter().skip(1).rev() {
            inherited = overlay(parent, &inherited, false);
        }
        overlay(own, &inherited, true)
    };

    let effective_state = effective_im_state(store, id);
    let effective_ids = effective_rule_ids(store, id);
    let (state, rule_ids) = if overrides {
        (own_im_state(own).map(str::to_string), own_rule_ids(own))
    } else {
        (Some(effective_state.clone()), effective_ids.clone())
    };
    let stored_module = module_object(&mut out, "integrityMonitoring").clone();
    let mut module = Map::new();
    if let Some(state) = state {
        module.insert("state".to_string(), json!(state));
    }
    module.insert(
        "moduleStatus".to_string(),
        module_status(&effective_state, effective_ids.len()),
    );
    let ascending: BTreeSet<i64> = rule_ids.into_iter().collect();
    if !ascending.is_empty() {
        module.insert(
            "ruleIDs".to_string(),
            json!(ascending.into_iter().collect::<Vec<_>>()),
        );
    }
    for (key, value) in stored_module {
        if !["state", "moduleStatus", "ruleIDs"].contains(&key.as_str()) {
            module.insert(key, value);
        }
    }
    out.insert("integrityMonitoring".to_string(), Value::Object(module));
    Some(Value::Object(out))
}

/// Describes the IM module's status the way the manager words it, such as `On, Real Time, 2 rules`.
fn module_status(state: &str, rule_count: usize) -> Value {
    let rules = match rule_count {
        0 => "no rules".to_string(),
        1 => "1 rule".to_string(),
        count => format!("{count} rules"),
    };
    let (status, message) = match state {
        "on" => ("active", format!("On, {rules}")),
        "real-time" => ("active", format!("On, Real Time, {rules}")),
        _ => ("inactive", format!("Off, {rules}")),
    };
    json!({ "status": status, "statusMessage": message })
}

/// Returns what a top-level policy inherits: default settings and every module off.
fn default_policy() -> Map<String, Value> {
    let mut policy = Map::new();
    policy.insert(
        "policySettings".to_string(),
        Value::Object(settings::defaults()),
    );
    policy.insert("recommendationScanMode".to_string(), json!("off"));
    policy.insert("autoRequiresUpdate".to_string(), json!("on"));
    policy.insert(
        "integrityMonitoring".to_string(),
        json!({ "state": DEFAULT_IM_STATE }),
    );
    for module in OTHER_MODULES {
        policy.insert((*module).to_string(), json!({ "state": "off" }));
    }
    policy
}

/// Lays `upper` over `lower`: objects merge key by key, `ruleIDs` lists join in ascending order,
/// and a null or `inherited` value lets the lower value through. On the top level of a policy,
/// identity fields come from `upper` only.
fn overlay(
    upper: &Map<String, Value>,
    lower: &Map<String, Value>,
    top_level: bool,
) -> Map<String, Value> {
    let mut out = Map::new();
    for (key, value) in upper {
        let inherits = value.is_null() || (key == "state" && value.as_str() == Some("inherited"));
        let merged = match (value, lower.get(key)) {
            (_, Some(below)) if inherits => below.clone(),
            (_, None) if inherits => continue,
            (Value::Object(above), Some(Value::Object(below))) => {
                Value::Object(overlay(above, below, false))
            }
            (Value::Array(above), Some(Value::Array(below))) if key == "ruleIDs" => {
                let joined: BTreeSet<i64> = above
                    .iter()
                    .chain(below)
                    .filter_map(Value::as_i64)
                    .collect();
                json!(joined.into_iter().collect::<Vec<_>>())
            }
            _ => value.clone(),
        };
        out.insert(key.clone(), merged);
    }
    for (key, value) in lower {
        let identity = top_level && IDENTITY_FIELDS.contains(&key.as_str());
        if !identity && !out.contains_key(key) {
            out.insert(key.clone(), value.clone());
        }
    }
    out
}

/// Checks that a policy modify value has the expected JSON type.
pub(crate) fn expect_type<'a>(
    field: &str,
    value: &'a Value,
    expected: &str,
) -> Result<&'a Value, ApiError> {
    let matches = match expected {
        "a string" => value.is_string(),
        "an object" => value.is_object(),
        "an integer" => value.is_i64(),
        _ => false,
    };
    if matches {
        Ok(value)
    } else {
        Err(ApiError::bad_request(format!(
            "Invalid {field}: expected {expected}, got {}.",
            json_type(value)
        )))
    }
}

/// Validates `ruleIDs` of a modify body and checks that each IM rule exists.
pub(crate) fn checked_rule_ids(
    store: &Store,
    field: &str,
    value: &Value,
) -> Result<Vec<i64>, ApiError> {
    let ids = parse_rule_ids(value, field)?;
    check_rules_exist(store, &ids)?;
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => unreachable!("test literals are objects"),
        }
    }

    #[test]
    fn overlay_merges_and_joins() {
        let upper = object(
            json!({"ID": 2, "integrityMonitoring": {"state": "inherited", "ruleIDs": [5, 1]}, "x": null}),
        );
        let lower = object(
            json!({"ID": 1, "name": "parent", "integrityMonitoring": {"state": "on", "ruleIDs": [3]}, "x": 7}),
        );
        let merged = overlay(&upper, &lower, true);
        assert_eq!(
            Value::Object(merged),
            json!({"ID": 2, "integrityMonitoring": {"state": "on", "ruleIDs": [1, 3, 5]}, "x": 7})
        );
    }

    #[test]
    fn module_status_words_state() {
        assert_eq!(module_status("off", 0)["statusMessage"], "Off, no rules");
        assert_eq!(module_status("on", 1)["statusMessage"], "On, 1 rule");
        assert_eq!(
            module_status("real-time", 3)["statusMessage"],
            "On, Real Time, 3 rules"
        );
        assert_eq!(module_status("real-time", 3)["status"], "active");
        assert_eq!(module_status("off", 2)["status"], "inactive");
    }
}
