//! Policy settings: the known setting names, their top-level defaults and value checks, and the
//! `/policies/{id}/settings/{name}` endpoints.
//!
//! Every setting value is a string inside `{"value": "..."}`. A policy stores only the values it
//! sets itself. The effective value comes from the nearest policy up the parent chain that sets
//! it, or else from the defaults below.

use serde_json::{json, Map, Value};

use super::api::{body_object, ApiError, ApiResult, Reply, Request};
use super::policies::{ancestors, policy_not_found};
use super::state::Store;

/// The check and normalisation applied to a setting's value.
#[derive(Debug, Clone, Copy, PartialEq)]
enum ValueRule {
    /// `Yes` or `No`, exactly.
    YesNo,
    /// `true` or `false` in any case, stored lower-case.
    TrueFalse,
    /// `Low`, `Medium` or `High` in any case, stored capitalised.
    Level,
    /// A comma-joined list of `md5`, `sha1` and `sha256`, stored lower-case.
    HashAlgorithms,
    /// `Agent preferred` or `Appliance preferred` in any case, stored as written here.
    ProtectionSource,
    /// A non-negative integer, stored without leading zeros.
    Integer,
    /// Any string.
    Text,
}

/// A known setting: its name, its top-level default and how its value is checked.
#[derive(Debug, Clone, Copy)]
struct SettingSpec {
    name: &'static str,
    default: &'static str,
    rule: ValueRule,
}

const fn spec(name: &'static str, default: &'static str, rule: ValueRule) -> SettingSpec {
    SettingSpec {
        name,
        default,
        rule,
    }
}

/// The settings this emulator serves: every integrity monitoring policy setting, then a few of
/// other modules so that tests can check a provider leaves them alone.
const SETTINGS: &[SettingSpec] = &[
    spec(
        "integrityMonitoringSettingAutoApplyRecommendationsEnabled",
        "No",
        ValueRule::YesNo,
    ),
    spec(
        "integrityMonitoringSettingRealtimeEnabled",
        "false",
        ValueRule::TrueFalse,
    ),
    spec(
        "integrityMonitoringSettingCpuUsageLevel",
        "High",
        ValueRule::Level,
    ),
    spec(
        "integrityMonitoringSettingContentHashAlgorithm",
        "sha1",
        ValueRule::HashAlgorithms,
    ),
    spec(
        "integrityMonitoringSettingCombinedModeProtectionSource",
        "Agent preferred",
        ValueRule::ProtectionSource,
    ),
    spec(
        "integrityMonitoringSettingScanCacheConfigId",
        "1",
        ValueRule::Integer,
    ),
    spec(
        "integrityMonitoringSettingSyslogConfigId",
        "0",
        ValueRule::Integer,
    ),
    spec(
        "integrityMonitoringSettingVirtualApplianceOptimizationScanCacheEntriesMax",
        "500000",
        ValueRule::Integer,
    ),
    spec(
        "antiMalwareSettingCombinedModeProtectionSource",
        "Agent preferred",
        ValueRule::ProtectionSource,
    ),
    spec(
        "firewallSettingNetworkEngineMode",
        "Inline",
        ValueRule::Text,
    ),
    spec(
        "intrusionPreventionSettingAutoApplyRecommendationsEnabled",
        "Yes",
        ValueRule::YesNo,
    ),
    spec(
        "logInspectionSettingAutoApplyRecommendationsEnabled",
        "No",
        ValueRule::YesNo,
    ),
    spec("platformSettingHeartbeatInterval", "10", ValueRule::Integer),
    spec(
        "platformSettingAgentSelfProtectionEnabled",
        "false",
        ValueRule::TrueFalse,
    ),
];

/// Returns the top-level defaults as a `policySettings` object.
pub(crate) fn defaults() -> Map<String, Value> {
    SETTINGS
        .iter()
        .map(|setting| {
            (
                setting.name.to_string(),
                json!({ "value": setting.default }),
            )
        })
        .collect()
}

/// Reports whether the emulator serves a setting of this name.
pub(crate) fn is_known(name: &str) -> bool {
    SETTINGS.iter().any(|setting| setting.name == name)
}

/// Checks a value for a known setting and returns it as the manager would store it.
///
/// # Errors
///
/// Returns a 404 for an unknown setting name and a 400 for an invalid value.
pub(crate) fn normalise(name: &str, value: &str) -> Result<String, ApiError> {
    let setting = SETTINGS
        .iter()
        .find(|setting| setting.name == name)
        .ok_or_else(|| setting_not_found(name))?;
    let invalid = |expected: &str| {
        ApiError::bad_request(format!(
            "Invalid value \"{value}\" for setting {name}: expected {expected}."
        ))
    };
    match setting.rule {
        ValueRule::YesNo => match value {
            "Yes" | "No" => Ok(value.to_string()),
            _ => Err(invalid("Yes or No")),
        },
        ValueRule::TrueFalse => match value.to_ascii_lowercase().as_str() {
            lower @ ("true" | "false") => Ok(lower.to_string()),
            _ => Err(invalid("true or false")),
        },
        ValueRule::Level => ["Low", "Medium", "High"]
            .into_iter()
            .find(|level| level.eq_ignore_ascii_case(value))
            .map(str::to_string)
            .ok_or_else(|| invalid("Low, Medium or High")),
        ValueRule::ProtectionSource => ["Agent preferred", "Appliance preferred"]
            .into_iter()
            .find(|source| source.eq_ignore_ascii_case(value))
            .map(str::to_string)
            .ok_or_else(|| invalid("Agent preferred or Appliance preferred")),
        ValueRule::HashAlgorithms => {
            let mut chosen: Vec<String> = Vec::new();
            for item in value.split(',') {
                let algorithm = item.trim().to_ascii_lowercase();
                if !["md5", "sha1", "sha256"].contains(&algorithm.as_str())
                    || chosen.contains(&algorithm)
                {
                    return Err(invalid(
                        "a comma-separated list of distinct md5, sha1 and sha256",
                    ));
                }
                chosen.push(algorithm);
            }
            Ok(chosen.join(","))
        }
        ValueRule::Integer => {
            let digits_only = !value.is_empty() && value.bytes().all(|byte| byte.is_ascii_digit());
            match value.parse::<i32>() {
                Ok(number) if digits_only => Ok(number.to_string()),
                _ => Err(invalid("a non-negative integer")),
            }
        }
        ValueRule::Text => Ok(value.to_string()),
    }
}

/// Reads a setting's string from a stored `policySettings` entry.
pub(crate) fn stored_value(settings: &Value, name: &str) -> Option<String> {
    settings
        .get(name)?
        .get("value")?
        .as_str()
        .map(str::to_string)
}

/// Returns a setting's effective value for a policy: its own, a parent's, or the default.
pub(crate) fn effective_value(store: &Store, policy_id: i64, name: &str) -> Option<String> {
    ancestors(store, policy_id)
        .into_iter()
        .find_map(|policy| {
            policy
                .get("policySettings")
                .and_then(|settings| stored_value(settings, name))
        })
        .or_else(|| {
            SETTINGS
                .iter()
                .find(|setting| setting.name == name)
                .map(|setting| setting.default.to_string())
        })
}

/// Handles `GET /policies/{id}/settings/{name}`.
pub(crate) fn describe(store: &Store, id: i64, name: &str, overrides: bool) -> ApiResult {
    check_served(store, id, name)?;
    Ok(Reply::ok(setting_reply(store, id, name, overrides)))
}

/// Handles `POST /policies/{id}/settings/{name}`.
pub(crate) fn modify(store: &mut Store, id: i64, name: &str, request: Request<'_>) -> ApiResult {
    check_served(store, id, name)?;
    let body = body_object(request.body, "a setting value")?;
    let value = match body.get("value") {
        Some(Value::String(value)) => value,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "Invalid value for setting {name}: expected a string, got {other}."
            )))
        }
        None => {
            return Err(ApiError::bad_request(format!(
                "The value of setting {name} is missing."
            )))
        }
    };
    let normalised = normalise(name, value)?;

    set_own(store, id, name, Value::from(normalised));
    Ok(Reply::ok(setting_reply(store, id, name, request.overrides)))
}

/// Handles `DELETE /policies/{id}/settings/{name}`: drops the policy's own value so that the
/// inherited value applies again.
pub(crate) fn reset(store: &mut Store, id: i64, name: &str, overrides: bool) -> ApiResult {
    check_served(store, id, name)?;
    remove_own(store, id, name);
    Ok(Reply::ok(setting_reply(store, id, name, overrides)))
}

/// Stores a policy's own value for a setting, keeping the order of the other settings.
pub(crate) fn set_own(store: &mut Store, id: i64, name: &str, value: Value) {
    let Some(policy) = store.policies.get_mut(&id) else {
        return;
    };
    let settings = policy
        .entry("policySettings")
        .or_insert_with(|| Value::Object(Map::new()));
    if !settings.is_object() {
        *settings = Value::Object(Map::new());
    }
    if let Value::Object(settings) = settings {
        settings.insert(name.to_string(), json!({ "value": value }));
    }
}

/// Removes a policy's own value for a setting, keeping the order of the other settings.
pub(crate) fn remove_own(store: &mut Store, id: i64, name: &str) {
    let settings = store
        .policies
        .get_mut(&id)
        .and_then(|policy| policy.get_mut("policySettings"))
        .and_then(Value::as_object_mut);
    if let Some(settings) = settings {
        settings.shift_remove(name);
    }
}

fn setting_reply(store: &Store, id: i64, name: &str, overrides: bool) -> Value {
    let value = if overrides {
        store
            .policies
            .get(&id)
            .and_then(|policy| policy.get("policySettings"))
            .and_then(|settings| stored_value(settings, name))
    } else {
        effective_value(store, id, name)
    };
    match value {
        Some(value) => json!({ "value": value }),
        None => json!({}),
    }
}

/// Checks that the policy exists and that the setting is known or stored up its chain.
fn check_served(store: &Store, id: i64, name: &str) -> Result<(), ApiError> {
    if !store.policies.contains_key(&id) {
        return Err(policy_not_found(id));
    }
    let stored = ancestors(store, id).into_iter().any(|policy| {
        policy
            .get("policySettings")
            .is_some_and(|settings| settings.get(name).is_some())
    });
    if is_known(name) || stored {
        Ok(())
    } else {
        Err(setting_not_found(name))
    }
}

fn setting_not_found(name: &str) -> ApiError {
    ApiError::not_found(format!("The setting {name} does not exist."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_accepts_and_rewrites() {
        let cases = [
            (
                "auto apply",
                "integrityMonitoringSettingAutoApplyRecommendationsEnabled",
                "Yes",
                "Yes",
            ),
            (
                "realtime upper",
                "integrityMonitoringSettingRealtimeEnabled",
                "TRUE",
                "true",
            ),
            (
                "cpu lower",
                "integrityMonitoringSettingCpuUsageLevel",
                "medium",
                "Medium",
            ),
            (
                "hash list",
                "integrityMonitoringSettingContentHashAlgorithm",
                "SHA1, sha256",
                "sha1,sha256",
            ),
            (
                "source",
                "integrityMonitoringSettingCombinedModeProtectionSource",
                "appliance preferred",
                "Appliance preferred",
            ),
            (
                "integer",
                "integrityMonitoringSettingScanCacheConfigId",
                "007",
                "7",
            ),
            (
                "free text",
                "firewallSettingNetworkEngineMode",
                "Tap",
                "Tap",
            ),
        ];
        for (name, setting, input, expected) in cases {
            assert_eq!(
                normalise(setting, input).as_deref(),
                Ok(expected),
                "case {name}"
            );
        }
    }

    #[test]
    fn normalise_rejects_invalid_values() {
        let cases = [
            (
                "auto apply bool",
                "integrityMonitoringSettingAutoApplyRecommendationsEnabled",
                "true",
            ),
            (
                "auto apply case",
                "integrityMonitoringSettingAutoApplyRecommendationsEnabled",
                "yes",
            ),
            (
                "realtime word",
                "integrityMonitoringSettingRealtimeEnabled",
                "on",
            ),
            ("cpu word", "integrityMonitoringSettingCpuUsageLevel", "Max"),
            (
                "hash unknown",
                "integrityMonitoringSettingContentHashAlgorithm",
                "crc32",
            ),
            (
                "hash repeated",
                "integrityMonitoringSettingContentHashAlgorithm",
                "sha1,sha1",
            ),
            (
                "hash empty",
                "integrityMonitoringSettingContentHashAlgorithm",
                "",
            ),
            (
                "integer negative",
                "integrityMonitoringSettingSyslogConfigId",
                "-1",
            ),
            (
                "integer text",
                "integrityMonitoringSettingVirtualApplianceOptimizationScanCacheEntriesMax",
                "lots",
            ),
            (
                "integer too big",
                "integrityMonitoringSettingScanCacheConfigId",
                "99999999999",
            ),
        ];
        for (name, setting, input) in cases {
            let error = normalise(setting, input).expect_err(name);
            assert_eq!(
                error.status,
                axum::http::StatusCode::BAD_REQUEST,
                "case {name}"
            );
        }
    }

    #[test]
    fn normalise_unknown_setting_is_not_found() {
        let error =
            normalise("integrityMonitoringSettingState", "on").expect_err("not a policy setting");
        assert_eq!(error.status, axum::http::StatusCode::NOT_FOUND);
    }
}
