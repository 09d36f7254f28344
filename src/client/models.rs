//! Typed models of the API's JSON, with the exact wire names.
//!
//! Serialising a model produces a request body: fields that are `None` are left out, so a modify
//! request carries only the fields being changed, and read-only fields are never written.
//! Decoding goes through [`super::lenient`], so responses in any tolerated shape decode to one
//! normalised value.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::lenient::{DecodeError, Object};

/// An Integrity Monitoring rule (`integrityMonitoringRule`).
///
/// Every field is optional because a modify request carries only the changed fields. On read,
/// list fields are always `Some`: absent, `null`, `[]` and `[""]` all read as an empty list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImRule {
    /// Server-assigned rule ID (read-only).
    #[serde(rename = "ID", skip_serializing)]
    pub id: Option<i64>,
    /// Rule name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Rule description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Severity: `low`, `medium`, `high` or `critical`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    /// Origin (read-only): `"1"` for user-created rules, `"2"` for rules issued by Trend Micro.
    #[serde(rename = "type", skip_serializing)]
    pub rule_type: Option<String>,
    /// Issue time in epoch milliseconds (read-only).
    #[serde(skip_serializing)]
    pub original_issue: Option<i64>,
    /// Last update time in epoch milliseconds (read-only).
    #[serde(skip_serializing)]
    pub last_updated: Option<i64>,
    /// Trend Micro rule identifier, empty for user-created rules (read-only).
    #[serde(skip_serializing)]
    pub identifier: Option<String>,
    /// Minimum agent version, `X.X.X.X` (read-only).
    #[serde(skip_serializing)]
    pub minimum_agent_version: Option<String>,
    /// Minimum manager version, `X.X.X` (read-only).
    #[serde(skip_serializing)]
    pub minimum_manager_version: Option<String>,
    /// Template: `registry`, `file` or `custom`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    /// Registry hive (registry template).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registry_key_root: Option<String>,
    /// Key path under the hive (registry template).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registry_key_value: Option<String>,
    /// Whether sub-keys are monitored (registry template).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registry_include_sub_keys: Option<bool>,
    /// Value-name patterns to include (registry template).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registry_included_values: Option<Vec<String>>,
    /// Whether the default value is monitored (registry template).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registry_include_default_value: Option<bool>,
    /// Value-name patterns to exclude (registry template).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registry_excluded_values: Option<Vec<String>>,
    /// Monitored attributes (registry template).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registry_attributes: Option<Vec<String>>,
    /// Base directory (file template).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_base_directory: Option<String>,
    /// Whether sub-directories are monitored (file template).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_include_sub_directories: Option<bool>,
    /// File-name patterns to include (file template).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_included_values: Option<Vec<String>>,
    /// File-name patterns to exclude (file template).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_excluded_values: Option<Vec<String>>,
    /// Monitored attributes (file template).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_attributes: Option<Vec<String>>,
    /// Base64-encoded rule-language XML (custom template).
    #[serde(rename = "customXML", skip_serializing_if = "Option::is_none")]
    pub custom_xml: Option<String>,
    /// Whether the rule raises alerts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alert_enabled: Option<bool>,
    /// Whether the rule is monitored in real time rather than only during scans.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub real_time_monitoring_enabled: Option<bool>,
    /// Recommendation mode: `enabled`, `ignored`, `unknown` or `disabled`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recommendations_mode: Option<String>,
}

impl ImRule {
    /// Decodes a rule from a response object.
    ///
    /// # Errors
    ///
    /// Returns a [`DecodeError`] naming the first field of an unexpected type.
    pub fn from_json(value: &Value) -> Result<ImRule, DecodeError> {
        let object = Object::new(value)?;
        Ok(ImRule {
            id: object.integer("ID")?,
            name: object.string("name")?,
            description: object.string("description")?,
            severity: object.string("severity")?,
            rule_type: object.string_or_number("type")?,
            original_issue: object.integer("originalIssue")?,
            last_updated: object.integer("lastUpdated")?,
            identifier: object.string("identifier")?,
            minimum_agent_version: object.string("minimumAgentVersion")?,
            minimum_manager_version: object.string("minimumManagerVersion")?,
            template: object.string("template")?,
            registry_key_root: object.string("registryKeyRoot")?,
            registry_key_value: object.string("registryKeyValue")?,
            registry_include_sub_keys: object.boolean("registryIncludeSubKeys")?,
            registry_included_values: Some(object.string_list("registryIncludedValues")?),
            registry_include_default_value: object.boolean("registryIncludeDefaultValue")?,
            registry_excluded_values: Some(object.string_list("registryExcludedValues")?),
            registry_attributes: Some(object.string_list("registryAttributes")?),
            file_base_directory: object.string("fileBaseDirectory")?,
            file_include_sub_directories: object.boolean("fileIncludeSubDirectories")?,
            file_included_values: Some(object.string_list("fileIncludedValues")?),
            file_excluded_values: Some(object.string_list("fileExcludedValues")?),
            file_attributes: Some(object.string_list("fileAttributes")?),
            custom_xml: object.string("customXML")?,
            alert_enabled: object.boolean("alertEnabled")?,
            real_time_monitoring_enabled: object.boolean("realTimeMonitoringEnabled")?,
            recommendations_mode: object.string("recommendationsMode")?,
        })
    }

    /// Decodes the `integrityMonitoringRules` array of a list or search response.
    ///
    /// # Errors
    ///
    /// Returns a [`DecodeError`] whose field names the offending rule by index.
    pub fn list_from_json(value: &Value) -> Result<Vec<ImRule>, DecodeError> {
        const WRAPPER: &str = "integrityMonitoringRules";
        let object = Object::new(value)?;
        match object.get(WRAPPER) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(index, item)| {
                    ImRule::from_json(item)
                        .map_err(|error| error.within(&format!("{WRAPPER}[{index}]")))
                })
                .collect(),
            Some(other) => Err(DecodeError::field(
                WRAPPER,
                format!(
                    "expected an array, found {}",
                    super::lenient::type_name(other)
                ),
            )),
        }
    }
}

/// A setting value (`SettingValue`): every policy setting is a string, even numbers and flags.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SettingValue {
    /// The setting's value as the API stores it.
    pub value: String,
}

impl SettingValue {
    /// Wraps `value`.
    pub fn new(value: impl Into<String>) -> SettingValue {
        SettingValue {
            value: value.into(),
        }
    }

    /// Decodes a setting value, where an absent or `null` value reads as `None`.
    ///
    /// # Errors
    ///
    /// Returns a [`DecodeError`] when `value` contains an object, an array or a boolean.
    pub fn from_json(value: &Value) -> Result<Option<String>, DecodeError> {
        let object = Object::new(value)?;
        // Values are documented as strings; a bare number is accepted because it carries the
        // same text the manager would have quoted.
        object.string_or_number("value")
    }
}

/// Module status of a policy's Integrity Monitoring (`policyModuleStatus`, read-only).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModuleStatus {
    /// `inactive`, `active`, `warning`, `error` or `not-supported`.
    pub status: Option<String>,
    /// Free-text explanation of the status.
    pub status_message: Option<String>,
}

/// A policy's `integrityMonitoring` extension as read from the API.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyImExtension {
    /// Module state: `real-time`, `on` or `off` (`inherited` is write-only, never read back).
    pub state: Option<String>,
    /// IDs of the rules assigned to the policy; an absent list reads as empty.
    pub rule_ids: Vec<i64>,
    /// Module status (read-only).
    pub module_status: Option<ModuleStatus>,
}

/// The Integrity Monitoring view of a policy: its identity, IM extension and settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyIm {
    /// Policy ID.
    pub id: Option<i64>,
    /// Policy name.
    pub name: Option<String>,
    /// Parent policy ID; `None` (or `0`) for a top-level policy.
    pub parent_id: Option<i64>,
    /// The `integrityMonitoring` extension, if the response carried one.
    pub integrity_monitoring: Option<PolicyImExtension>,
    /// Every setting the response carried, by name; settings whose value is `null` are left out.
    pub policy_settings: BTreeMap<String, SettingValue>,
}

impl PolicyIm {
    /// Decodes the Integrity Monitoring view from a full policy object, ignoring other modules.
    ///
    /// # Errors
    ///
    /// Returns a [`DecodeError`] naming the first field of an unexpected type.
    pub fn from_json(value: &Value) -> Result<PolicyIm, DecodeError> {
        let object = Object::new(value)?;
        let integrity_monitoring = object.object("integrityMonitoring", |extension| {
            Ok(PolicyImExtension {
                state: extension.string("state")?,
                rule_ids: extension.id_list("ruleIDs")?,
                module_status: extension.object("moduleStatus", |status| {
                    Ok(ModuleStatus {
                        status: status.string("status")?,
                        status_message: status.string("statusMessage")?,
                    })
                })?,
            })
        })?;
        let policy_settings = object
            .object("policySettings", |settings| {
                let mut map = BTreeMap::new();
                for (name, setting) in settings.entries() {
                    if setting.is_null() {
                        continue;
                    }
                    let value =
                        SettingValue::from_json(setting).map_err(|error| error.within(name))?;
                    if let Some(value) = value {
                        map.insert(name.clone(), SettingValue { value });
                    }
                }
                Ok(map)
            })?
            .unwrap_or_default();
        Ok(PolicyIm {
            id: object.integer("ID")?,
            name: object.string("name")?,
            parent_id: object.integer("parentID")?,
            integrity_monitoring,
            policy_settings,
        })
    }
}

/// Prefix shared by every Integrity Monitoring policy setting name.
pub const IM_SETTING_PREFIX: &str = "integrityMonitoringSetting";

/// Reports whether `name` is an Integrity Monitoring policy setting.
pub fn is_im_setting(name: &str) -> bool {
    name.len() > IM_SETTING_PREFIX.len() && name.starts_with(IM_SETTING_PREFIX)
}

/// The writable part of a policy's `integrityMonitoring` extension.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
struct PolicyImExtensionModify {
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<String>,
    #[serde(rename = "ruleIDs", skip_serializing_if = "Option::is_none")]
    rule_ids: Option<Vec<i64>>,
}

/// A policy modify request limited to Integrity Monitoring.
///
/// Its body is `{"integrityMonitoring": {...}, "policySettings": {...}}` with only the parts that
/// were set. The fields are private and [`PolicyImModify::setting`] accepts only names starting
/// with `integrityMonitoringSetting`, so the request cannot touch any other module.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyImModify {
    #[serde(skip_serializing_if = "Option::is_none")]
    integrity_monitoring: Option<PolicyImExtensionModify>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    policy_settings: BTreeMap<String, SettingValue>,
}

/// A setting name outside Integrity Monitoring, rejected by [`PolicyImModify::setting`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("setting {0:?} is not an Integrity Monitoring setting (names start with \"integrityMonitoringSetting\")")]
pub struct NotImSetting(pub String);

impl PolicyImModify {
    /// Creates an empty request.
    pub fn new() -> PolicyImModify {
        PolicyImModify::default()
    }

    /// Sets the module state (`inherited`, `real-time`, `on` or `off`).
    #[must_use]
    pub fn state(mut self, state: impl Into<String>) -> PolicyImModify {
        self.integrity_monitoring
            .get_or_insert_with(Default::default)
            .state = Some(state.into());
        self
    }

    /// Sets the policy's rule IDs.
    #[must_use]
    pub fn rule_ids(mut self, rule_ids: Vec<i64>) -> PolicyImModify {
        self.integrity_monitoring
            .get_or_insert_with(Default::default)
            .rule_ids = Some(rule_ids);
        self
    }

    /// Sets one Integrity Monitoring policy setting.
    ///
    /// # Errors
    ///
    /// Returns [`NotImSetting`] when `name` does not start with `integrityMonitoringSetting`.
    pub fn setting(
        mut self,
        name: impl Into<String>,
        value: impl Into<String>,
    ) -> Result<PolicyImModify, NotImSetting> {
        let name = name.into();
        if !is_im_setting(&name) {
            return Err(NotImSetting(name));
        }
        self.policy_settings.insert(name, SettingValue::new(value));
        Ok(self)
    }

    /// Reports whether the request changes nothing.
    pub fn is_empty(&self) -> bool {
        self.integrity_monitoring.is_none() && self.policy_settings.is_empty()
    }
}

/// A policy's Integrity Monitoring rule assignments and recommendations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Assignments {
    /// Assigned rule IDs (scope depends on the `overrides` query parameter).
    pub assigned_rule_ids: Vec<i64>,
    /// Rules the last recommendation scan suggests assigning.
    pub recommended_to_assign_rule_ids: Vec<i64>,
    /// Rules the last recommendation scan suggests unassigning.
    pub recommended_to_unassign_rule_ids: Vec<i64>,
    /// `none`, `valid`, `out-of-date` or `unknown`.
    pub recommendation_scan_status: Option<String>,
    /// Time of the last recommendation scan in epoch milliseconds.
    pub last_recommendation_scan_date: Option<i64>,
}

impl Assignments {
    /// Decodes an assignments response, where absent ID lists read as empty.
    ///
    /// # Errors
    ///
    /// Returns a [`DecodeError`] naming the first field of an unexpected type.
    pub fn from_json(value: &Value) -> Result<Assignments, DecodeError> {
        let object = Object::new(value)?;
        Ok(Assignments {
            assigned_rule_ids: object.id_list("assignedRuleIDs")?,
            recommended_to_assign_rule_ids: object.id_list("recommendedToAssignRuleIDs")?,
            recommended_to_unassign_rule_ids: object.id_list("recommendedToUnassignRuleIDs")?,
            recommendation_scan_status: object.string("recommendationScanStatus")?,
            last_recommendation_scan_date: object.integer("lastRecommendationScanDate")?,
        })
    }
}

/// Body of the assignment add and set requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleIds {
    /// Rule IDs to add or to set.
    #[serde(rename = "ruleIDs")]
    pub rule_ids: Vec<i64>,
}

/// A search request (`searchFilter`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchFilter {
    /// Maximum number of results; the API's default is 5000.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_items: Option<i32>,
    /// Criteria, all of which must match.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub search_criteria: Vec<SearchCriteria>,
    /// Whether results are sorted by ID.
    #[serde(rename = "sortByObjectID", skip_serializing_if = "Option::is_none")]
    pub sort_by_object_id: Option<bool>,
}

/// One search criterion (`searchCriteria`); set the test matching the field's kind.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchCriteria {
    /// Case-sensitive field name; omitted for ID tests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_name: Option<String>,
    /// `equal` or `not-equal`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub string_test: Option<String>,
    /// String to compare with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub string_value: Option<String>,
    /// Whether `%` and `_` are wildcards; the API's default is `true`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub string_wildcards: Option<bool>,
    /// `equal` or `not-equal`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub choice_test: Option<String>,
    /// Choice to compare with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub choice_value: Option<String>,
    /// Boolean to compare with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub boolean_test: Option<bool>,
    /// Numeric operator such as `less-than` or `equal`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub numeric_test: Option<String>,
    /// Number to compare with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub numeric_value: Option<f64>,
    /// ID operator such as `greater-than`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_test: Option<String>,
    /// ID to compare with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_value: Option<i64>,
    /// Whether the field is null.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub null_test: Option<bool>,
}

impl SearchCriteria {
    /// Matches `field_name` equal to `value` literally, with wildcards off.
    pub fn string_equals(field_name: &str, value: &str) -> SearchCriteria {
        SearchCriteria {
            field_name: Some(field_name.to_string()),
            string_test: Some("equal".to_string()),
            string_value: Some(value.to_string()),
            string_wildcards: Some(false),
            ..SearchCriteria::default()
        }
    }
}

/// Lets the emulator and tests read a rule with `serde_json::from_value` and the same tolerance.
impl<'de> Deserialize<'de> for ImRule {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ImRule, D::Error> {
        let value = Value::deserialize(deserializer)?;
        ImRule::from_json(&value).map_err(serde::de::Error::custom)
    }
}
