//! The Integrity Monitoring policy settings this resource manages, and the conversion between
//! their Terraform values and the strings the API stores.

use crate::protocol::value::{Number, Type, Value};

/// The mapping between a setting's Terraform value and the API's string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SettingKind {
    /// A bool stored as `Yes` or `No`.
    YesNo,
    /// A bool stored as `true` or `false`.
    TrueFalse,
    /// `low`, `medium` or `high`, stored capitalised.
    Level,
    /// Free text, compared without regard to case or to spaces around commas.
    Text,
    /// A non-negative whole number stored as decimal digits.
    Integer,
}

/// One managed setting: its Terraform attribute, its API name and its conversion.
#[derive(Debug, Clone, Copy)]
pub(super) struct Setting {
    /// The Terraform attribute name.
    pub(super) attribute: &'static str,
    /// The `policySettings` key.
    pub(super) api_name: &'static str,
    /// The conversion between the two.
    pub(super) kind: SettingKind,
    /// Markdown description of the attribute.
    pub(super) description: &'static str,
}

/// Every setting the resource manages, in documentation order.
pub(super) const SETTINGS: &[Setting] = &[
    Setting {
        attribute: "auto_apply_recommendations",
        api_name: "integrityMonitoringSettingAutoApplyRecommendationsEnabled",
        kind: SettingKind::YesNo,
        description: "Whether recommendation scans assign and unassign recommended Integrity \
                      Monitoring rules by themselves (`integrityMonitoringSettingAutoApplyRecommendationsEnabled`, \
                      `Yes` or `No`). Unmanaged while null; removing it resets the setting to \
                      inherited.",
    },
    Setting {
        attribute: "realtime_enabled",
        api_name: "integrityMonitoringSettingRealtimeEnabled",
        kind: SettingKind::TrueFalse,
        description: "Whether real-time monitoring is enabled \
                      (`integrityMonitoringSettingRealtimeEnabled`). Unmanaged while null; \
                      removing it resets the setting to inherited.",
    },
    Setting {
        attribute: "cpu_usage_level",
        api_name: "integrityMonitoringSettingCpuUsageLevel",
        kind: SettingKind::Level,
        description: "CPU usage level of Integrity Monitoring scans: `low`, `medium` or `high` \
                      (`integrityMonitoringSettingCpuUsageLevel`). Unmanaged while null; \
                      removing it resets the setting to inherited.",
    },
    Setting {
        attribute: "content_hash_algorithm",
        api_name: "integrityMonitoringSettingContentHashAlgorithm",
        kind: SettingKind::Text,
        description: "Hash algorithms used for content, such as `sha256` or `sha1,sha256` \
                      (`integrityMonitoringSettingContentHashAlgorithm`). Compared without \
                      regard to case. Unmanaged while null; removing it resets the setting to \
                      inherited.",
    },
    Setting {
        attribute: "combined_mode_protection_source",
        api_name: "integrityMonitoringSettingCombinedModeProtectionSource",
        kind: SettingKind::Text,
        description: "Which component protects a computer in combined mode, such as \
                      `Agent preferred` or `Appliance preferred` \
                      (`integrityMonitoringSettingCombinedModeProtectionSource`). Compared \
                      without regard to case. Unmanaged while null; removing it resets the \
                      setting to inherited.",
    },
    Setting {
        attribute: "scan_cache_config_id",
        api_name: "integrityMonitoringSettingScanCacheConfigId",
        kind: SettingKind::Integer,
        description: "ID of the scan cache configuration \
                      (`integrityMonitoringSettingScanCacheConfigId`). Unmanaged while null; \
                      removing it resets the setting to inherited.",
    },
    Setting {
        attribute: "syslog_config_id",
        api_name: "integrityMonitoringSettingSyslogConfigId",
        kind: SettingKind::Integer,
        description: "ID of the syslog configuration for Integrity Monitoring events, `0` for \
                      none (`integrityMonitoringSettingSyslogConfigId`). Unmanaged while null; \
                      removing it resets the setting to inherited.",
    },
    Setting {
        attribute: "virtual_appliance_scan_cache_entries_max",
        api_name: "integrityMonitoringSettingVirtualApplianceOptimizationScanCacheEntriesMax",
        kind: SettingKind::Integer,
        description: "Maximum number of scan cache entries on a virtual appliance \
                      (`integrityMonitoringSettingVirtualApplianceOptimizationScanCacheEntriesMax`). \
                      Unmanaged while null; removing it resets the setting to inherited.",
    },
];

/// The largest value an integer setting may take: the API's IDs and counts are int32.
const MAX_INTEGER: i64 = i32::MAX as i64;

/// Allowed values of `cpu_usage_level`, as written in configuration.
const LEVELS: [&str; 3] = ["low", "medium", "high"];

impl Setting {
    /// Returns the cty type of the attribute.
    pub(super) fn value_type(&self) -> Type {
        match self.kind {
            SettingKind::YesNo | SettingKind::TrueFalse => Type::Bool,
            SettingKind::Level | SettingKind::Text => Type::String,
            SettingKind::Integer => Type::Number,
        }
    }

    /// Checks a known, non-null configured value and returns the reason it is invalid.
    pub(super) fn check(&self, value: &Value) -> Result<(), String> {
        match self.kind {
            SettingKind::YesNo | SettingKind::TrueFalse => Ok(()),
            SettingKind::Level => match value.as_str() {
                Some(text) if LEVELS.contains(&text) => Ok(()),
                Some(text) => Err(format!(
                    "`{}` is {text:?}; use \"low\", \"medium\" or \"high\".",
                    self.attribute
                )),
                None => Ok(()),
            },
            SettingKind::Text => match value.as_str() {
                Some(text) if text.trim().is_empty() => Err(format!(
                    "`{}` is empty; set a value, or remove the attribute to leave the setting \
                     inherited.",
                    self.attribute
                )),
                _ => Ok(()),
            },
            SettingKind::Integer => match value.as_number() {
                Some(number)
                    if number
                        .as_i64()
                        .is_some_and(|n| (0..=MAX_INTEGER).contains(&n)) =>
                {
                    Ok(())
                }
                Some(number) => Err(format!(
                    "`{}` is {number}; use a whole number from 0 to {MAX_INTEGER}.",
                    self.attribute
                )),
                None => Ok(()),
            },
        }
    }

    /// Converts a known, non-null Terraform value to the API's string, or `None` when the value
    /// has the wrong type (which validation and the schema rule out).
    pub(super) fn api_text(&self, value: &Value) -> Option<String> {
        match self.kind {
            SettingKind::YesNo => value
                .as_bool()
                .map(|flag| if flag { "Yes" } else { "No" }.to_string()),
            SettingKind::TrueFalse => value.as_bool().map(|flag| flag.to_string()),
            SettingKind::Level => value.as_str().map(capitalise),
            SettingKind::Text => value.as_str().map(str::to_string),
            SettingKind::Integer => value
                .as_number()
                .and_then(Number::as_i64)
                .map(|n| n.to_string()),
        }
    }

    /// Converts the API's string to a Terraform value, or `None` when the string has no
    /// meaning for this setting. Case and surrounding spaces are ignored.
    pub(super) fn read_api_text(&self, text: &str) -> Option<Value> {
        let trimmed = text.trim();
        let lower = trimmed.to_ascii_lowercase();
        match self.kind {
            // The two boolean forms are accepted for both kinds, since managers differ in which
            // one they echo back.
            SettingKind::YesNo | SettingKind::TrueFalse => match lower.as_str() {
                "yes" | "true" => Some(Value::Bool(true)),
                "no" | "false" => Some(Value::Bool(false)),
                _ => None,
            },
            SettingKind::Level => LEVELS
                .contains(&lower.as_str())
                .then(|| Value::string(lower)),
            SettingKind::Text => Some(Value::string(trimmed)),
            SettingKind::Integer => trimmed
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .map(Value::number_i64),
        }
    }

    /// Reports whether two known Terraform values of this setting mean the same.
    pub(super) fn same_value(&self, left: &Value, right: &Value) -> bool {
        match (self.kind, left.as_str(), right.as_str()) {
            (SettingKind::Text, Some(left), Some(right)) => {
                normalise_text(left) == normalise_text(right)
            }
            _ => left == right,
        }
    }

    /// Reports whether the state value `value` means the same as the API's string `text`.
    pub(super) fn is_equivalent(&self, value: &Value, text: &str) -> bool {
        match self.kind {
            SettingKind::Text => value
                .as_str()
                .is_some_and(|own| normalise_text(own) == normalise_text(text)),
            _ => self.read_api_text(text).is_some_and(|read| &read == value),
        }
    }
}

/// Returns `text` with its first letter upper-case and the rest lower-case, as the API writes
/// levels (`High`).
fn capitalise(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut chars = lower.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// Lower-cases `text` and drops the spaces around commas, so that `SHA1, sha256` and
/// `sha1,sha256` compare equal.
fn normalise_text(text: &str) -> String {
    text.split(',')
        .map(|part| part.trim().to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(",")
}

/// Finds the setting whose API name is `api_name`.
pub(super) fn by_api_name(api_name: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|setting| setting.api_name == api_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setting(attribute: &str) -> &'static Setting {
        SETTINGS
            .iter()
            .find(|setting| setting.attribute == attribute)
            .expect("the test names a managed setting")
    }

    #[test]
    fn api_text_converts_each_kind() {
        let cases = [
            (
                "yes",
                "auto_apply_recommendations",
                Value::Bool(true),
                "Yes",
            ),
            ("no", "auto_apply_recommendations", Value::Bool(false), "No"),
            ("true", "realtime_enabled", Value::Bool(true), "true"),
            ("false", "realtime_enabled", Value::Bool(false), "false"),
            (
                "level",
                "cpu_usage_level",
                Value::string("medium"),
                "Medium",
            ),
            (
                "text kept",
                "content_hash_algorithm",
                Value::string("SHA256"),
                "SHA256",
            ),
            ("integer", "syslog_config_id", Value::number_i64(12), "12"),
        ];
        for (name, attribute, value, expected) in cases {
            assert_eq!(
                setting(attribute).api_text(&value).as_deref(),
                Some(expected),
                "case {name}"
            );
        }
    }

    #[test]
    fn read_api_text_reads_each_form() {
        let cases = [
            (
                "yes",
                "auto_apply_recommendations",
                "Yes",
                Some(Value::Bool(true)),
            ),
            (
                "upper true",
                "realtime_enabled",
                "TRUE",
                Some(Value::Bool(true)),
            ),
            (
                "title true",
                "realtime_enabled",
                "True",
                Some(Value::Bool(true)),
            ),
            (
                "no as false",
                "realtime_enabled",
                "no",
                Some(Value::Bool(false)),
            ),
            ("bool garbage", "realtime_enabled", "maybe", None),
            (
                "level",
                "cpu_usage_level",
                "High",
                Some(Value::string("high")),
            ),
            ("level garbage", "cpu_usage_level", "Extreme", None),
            (
                "text",
                "content_hash_algorithm",
                " sha1 ",
                Some(Value::string("sha1")),
            ),
            (
                "integer",
                "scan_cache_config_id",
                "0042",
                Some(Value::number_i64(42)),
            ),
            ("negative", "scan_cache_config_id", "-1", None),
            ("not a number", "scan_cache_config_id", "x", None),
        ];
        for (name, attribute, text, expected) in cases {
            assert_eq!(
                setting(attribute).read_api_text(text),
                expected,
                "case {name}"
            );
        }
    }

    #[test]
    fn is_equivalent_ignores_case_and_form() {
        let cases = [
            (
                "bool case",
                "realtime_enabled",
                Value::Bool(true),
                "TRUE",
                true,
            ),
            (
                "bool differs",
                "realtime_enabled",
                Value::Bool(true),
                "false",
                false,
            ),
            (
                "level case",
                "cpu_usage_level",
                Value::string("low"),
                "LOW",
                true,
            ),
            (
                "hash list spacing",
                "content_hash_algorithm",
                Value::string("SHA1, sha256"),
                "sha1,sha256",
                true,
            ),
            (
                "hash differs",
                "content_hash_algorithm",
                Value::string("sha1"),
                "sha256",
                false,
            ),
            (
                "source case",
                "combined_mode_protection_source",
                Value::string("agent preferred"),
                "Agent preferred",
                true,
            ),
            (
                "integer zeros",
                "syslog_config_id",
                Value::number_i64(7),
                "007",
                true,
            ),
        ];
        for (name, attribute, value, text, expected) in cases {
            assert_eq!(
                setting(attribute).is_equivalent(&value, text),
                expected,
                "case {name}"
            );
        }
    }

    #[test]
    fn same_value_compares_text_loosely() {
        let cases = [
            (
                "text case",
                "content_hash_algorithm",
                "SHA256",
                "Sha256",
                true,
            ),
            (
                "text differs",
                "content_hash_algorithm",
                "sha1",
                "sha256",
                false,
            ),
            ("level exact", "cpu_usage_level", "low", "low", true),
        ];
        for (name, attribute, left, right, expected) in cases {
            let same = setting(attribute).same_value(&Value::string(left), &Value::string(right));
            assert_eq!(same, expected, "case {name}");
        }
    }

    #[test]
    fn check_rejects_invalid_values() {
        let cases = [
            (
                "level valid",
                "cpu_usage_level",
                Value::string("high"),
                true,
            ),
            (
                "level capitalised",
                "cpu_usage_level",
                Value::string("High"),
                false,
            ),
            (
                "level unknown word",
                "cpu_usage_level",
                Value::string("max"),
                false,
            ),
            (
                "text empty",
                "content_hash_algorithm",
                Value::string(" "),
                false,
            ),
            (
                "integer valid",
                "syslog_config_id",
                Value::number_i64(0),
                true,
            ),
            (
                "integer negative",
                "syslog_config_id",
                Value::number_i64(-3),
                false,
            ),
            (
                "integer too large",
                "scan_cache_config_id",
                Value::number_i64(MAX_INTEGER + 1),
                false,
            ),
            (
                "integer fraction",
                "scan_cache_config_id",
                Value::Number(Number::parse("1.5").expect("1.5 is a number")),
                false,
            ),
        ];
        for (name, attribute, value, valid) in cases {
            assert_eq!(
                setting(attribute).check(&value).is_ok(),
                valid,
                "case {name}"
            );
        }
    }
}
