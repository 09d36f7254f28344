//! The body of a policy modify: checked in full first, then applied, so that a rejected request
//! changes nothing.

use serde_json::{Map, Value};

use super::api::ApiError;
use super::policies::{
    ancestors, checked_rule_ids, expect_type, module_object, set_own_rule_ids, OTHER_MODULES,
};
use super::settings;
use super::state::Store;

/// Accepted values of top-level choice fields.
const CHOICES: &[(&str, &[&str])] = &[
    ("recommendationScanMode", &["off", "ongoing"]),
    ("autoRequiresUpdate", &["on", "off"]),
];

/// The checked changes of one modify request.
#[derive(Debug, Default)]
pub(crate) struct PolicyChanges {
    /// Top-level fields to set, in body order. A `parentID` of 0 removes the parent.
    fields: Vec<(String, Value)>,
    /// Settings to set, already normalised.
    settings: Vec<(String, String)>,
    /// The new IM state, where `inherited` removes the policy's own state.
    im_state: Option<String>,
    /// The new direct IM rule assignments.
    im_rule_ids: Option<Vec<i64>>,
    /// Fields to set in other modules' objects.
    modules: Vec<(String, Map<String, Value>)>,
}

/// Checks a modify body against the store. Absent and null fields, read-only fields and
/// unknown fields are left out.
///
/// # Errors
///
/// Returns a 400 naming the first invalid field, unknown setting or unknown rule ID.
pub(crate) fn validate(
    store: &Store,
    id: i64,
    body: &Map<String, Value>,
) -> Result<PolicyChanges, ApiError> {
    let mut changes = PolicyChanges::default();
    for (key, value) in body.iter().filter(|(_, value)| !value.is_null()) {
        match key.as_str() {
            "name" => {
                let name = expect_type(key, value, "a string")?;
                if name.as_str().is_some_and(|name| name.trim().is_empty()) {
                    return Err(ApiError::bad_request("The policy name must not be empty."));
                }
                changes.fields.push((key.clone(), name.clone()));
            }
            "description" => {
                changes
                    .fields
                    .push((key.clone(), expect_type(key, value, "a string")?.clone()));
            }
            "parentID" => {
                let parent = check_parent(store, id, value)?;
                changes.fields.push((key.clone(), Value::from(parent)));
            }
            "policySettings" => {
                changes.settings = check_settings(expect_type(key, value, "an object")?)?
            }
            "integrityMonitoring" => {
                check_im(store, &mut changes, expect_type(key, value, "an object")?)?
            }
            module if OTHER_MODULES.contains(&module) => {
                let fields = check_module(key, expect_type(key, value, "an object")?)?;
                changes.modules.push((key.clone(), fields));
            }
            choice if CHOICES.iter().any(|(name, _)| *name == choice) => {
                let allowed = CHOICES
                    .iter()
                    .find(|(name, _)| *name == choice)
                    .map(|(_, allowed)| *allowed)
                    .unwrap_or_default();
                let text = expect_type(key, value, "a string")?
                    .as_str()
                    .unwrap_or_default();
                if !allowed.contains(&text) {
                    return Err(ApiError::bad_request(format!(
                        "Invalid {key} \"{text}\": expected one of {}.",
                        allowed.join(", ")
                    )));
                }
                changes.fields.push((key.clone(), value.clone()));
            }
            _ => {}
        }
    }
    Ok(changes)
}

impl PolicyChanges {
    /// Applies the checked changes to the stored policy.
    pub(crate) fn apply(self, store: &mut Store, id: i64) {
        for (name, value) in &self.settings {
            settings::set_own(store, id, name, Value::from(value.as_str()));
        }
        if let Some(ids) = &self.im_rule_ids {
            set_own_rule_ids(store, id, ids);
        }
        let Some(policy) = store.policies.get_mut(&id) else {
            return;
        };
        for (key, value) in self.fields {
            if key == "parentID" && value.as_i64() == Some(0) {
                policy.shift_remove(&key);
            } else {
                policy.insert(key, value);
            }
        }
        if let Some(state) = self.im_state {
            set_module_state(module_object(policy, "integrityMonitoring"), state);
        }
        for (module, fields) in self.modules {
            let stored = module_object(policy, &module);
            for (key, value) in fields {
                if key == "state" {
                    if let Value::String(state) = value {
                        set_module_state(stored, state);
                    }
                } else if key == "ruleIDs" {
                    // The manager returns rule ID lists in ascending order.
                    let mut ids: Vec<i64> = value
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_i64)
                        .collect();
                    ids.sort_unstable();
                    ids.dedup();
                    stored.insert(key, Value::from(ids));
                } else {
                    stored.insert(key, value);
                }
            }
        }
    }
}

/// Sets a module's own state, where `inherited` removes it.
fn set_module_state(module: &mut Map<String, Value>, state: String) {
    if state == "inherited" {
        module.shift_remove("state");
    } else {
        module.insert("state".to_string(), Value::String(state));
    }
}

fn check_parent(store: &Store, id: i64, value: &Value) -> Result<i64, ApiError> {
    let parent = expect_type("parentID", value, "an integer")?
        .as_i64()
        .unwrap_or_default();
    if parent == 0 {
        return Ok(0);
    }
    if !store.policies.contains_key(&parent) {
        return Err(ApiError::bad_request(format!(
            "Invalid parentID: policy {parent} does not exist."
        )));
    }
    if ancestors(store, parent)
        .iter()
        .any(|policy| policy.get("ID").and_then(Value::as_i64) == Some(id))
    {
        return Err(ApiError::bad_request(format!(
            "Invalid parentID: policy {parent} is this policy or one of its descendants."
        )));
    }
    Ok(parent)
}

fn check_settings(value: &Value) -> Result<Vec<(String, String)>, ApiError> {
    let mut checked = Vec::new();
    for (name, entry) in value.as_object().into_iter().flatten() {
        if entry.is_null() {
            continue;
        }
        let text = entry.get("value").and_then(Value::as_str).ok_or_else(|| {
            ApiError::bad_request(format!(
                "Invalid policySettings.{name}: expected {{\"value\": \"...\"}}."
            ))
        })?;
        // Inside a policy body an unknown setting is a bad request, not a missing resource.
        let normalised = settings::normalise(name, text)
            .map_err(|error| ApiError::bad_request(error.message))?;
        checked.push((name.clone(), normalised));
    }
    Ok(checked)
}

fn check_im(store: &Store, changes: &mut PolicyChanges, module: &Value) -> Result<(), ApiError> {
    if let Some(state) = module.get("state").filter(|state| !state.is_null()) {
        let text = expect_type("integrityMonitoring.state", state, "a string")?
            .as_str()
            .unwrap_or_default();
        if !["inherited", "on", "off", "real-time"].contains(&text) {
            return Err(ApiError::bad_request(format!(
                "Invalid integrityMonitoring.state \"{text}\": expected one of inherited, on, off, real-time."
            )));
        }
        changes.im_state = Some(text.to_string());
    }
    if let Some(ids) = module.get("ruleIDs").filter(|ids| !ids.is_null()) {
        changes.im_rule_ids = Some(checked_rule_ids(store, "integrityMonitoring.ruleIDs", ids)?);
    }
    Ok(())
}

/// Checks another module's fields. Its `moduleStatus` is read-only and left out.
fn check_module(name: &str, module: &Value) -> Result<Map<String, Value>, ApiError> {
    let mut fields = Map::new();
    for (key, value) in module.as_object().into_iter().flatten() {
        if value.is_null() || key == "moduleStatus" {
            continue;
        }
        if key == "state" {
            expect_type(&format!("{name}.state"), value, "a string")?;
        }
        if key == "ruleIDs" {
            super::api::parse_rule_ids(value, &format!("{name}.ruleIDs"))?;
        }
        fields.insert(key.clone(), value.clone());
    }
    Ok(fields)
}
