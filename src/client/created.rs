//! Recognising the rule that a failed create may have made, among rules with its name.
//!
//! A rule is taken as the created one only when every field the request sent matches it and,
//! when it carries `lastUpdated`, it was last changed after the create started (within a clock
//! skew tolerance). Anything else may be a rule that someone else made, which the provider must
//! not adopt, because Terraform would then overwrite it and later delete it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use serde_json::Value;

use super::lenient::string_list;
use super::models::ImRule;

/// How much older than the start of the create a rule's `lastUpdated` may be and the rule still
/// count as made by it. The manager stamps `lastUpdated` with its own clock, which can run behind
/// the client's, so a strict comparison would reject the very rule the create made.
pub(crate) const CLOCK_SKEW_TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// Returns why `found` cannot be the rule made by a create of `request` that started at
/// `started`, or `None` when it can be.
pub(crate) fn mismatch(request: &ImRule, found: &ImRule, started: SystemTime) -> Option<String> {
    // Destructuring without `..` makes a new request field a compile error here, so that no
    // field is left out of the comparison.
    let ImRule {
        id: _,
        name,
        description,
        severity,
        rule_type: _,
        original_issue: _,
        last_updated: _,
        identifier: _,
        minimum_agent_version: _,
        minimum_manager_version: _,
        template,
        registry_key_root,
        registry_key_value,
        registry_include_sub_keys,
        registry_included_values,
        registry_include_default_value,
        registry_excluded_values,
        registry_attributes,
        file_base_directory,
        file_include_sub_directories,
        file_included_values,
        file_excluded_values,
        file_attributes,
        custom_xml,
        alert_enabled,
        real_time_monitoring_enabled,
        recommendations_mode,
    } = request;

    let texts = [
        ("name", name, &found.name),
        ("description", description, &found.description),
        ("severity", severity, &found.severity),
        ("template", template, &found.template),
        (
            "registryKeyRoot",
            registry_key_root,
            &found.registry_key_root,
        ),
        (
            "registryKeyValue",
            registry_key_value,
            &found.registry_key_value,
        ),
        (
            "fileBaseDirectory",
            file_base_directory,
            &found.file_base_directory,
        ),
        (
            "recommendationsMode",
            recommendations_mode,
            &found.recommendations_mode,
        ),
    ];
    for (field, sent, stored) in texts {
        if !same_text(sent, stored) {
            return Some(format!("{field} differs"));
        }
    }

    let flags = [
        (
            "registryIncludeSubKeys",
            registry_include_sub_keys,
            &found.registry_include_sub_keys,
        ),
        (
            "registryIncludeDefaultValue",
            registry_include_default_value,
            &found.registry_include_default_value,
        ),
        (
            "fileIncludeSubDirectories",
            file_include_sub_directories,
            &found.file_include_sub_directories,
        ),
        ("alertEnabled", alert_enabled, &found.alert_enabled),
        (
            "realTimeMonitoringEnabled",
            real_time_monitoring_enabled,
            &found.real_time_monitoring_enabled,
        ),
    ];
    for (field, sent, stored) in flags {
        if sent.is_some() && sent != stored {
            return Some(format!("{field} differs"));
        }
    }

    let lists = [
        (
            "registryIncludedValues",
            registry_included_values,
            &found.registry_included_values,
        ),
        (
            "registryExcludedValues",
            registry_excluded_values,
            &found.registry_excluded_values,
        ),
        (
            "registryAttributes",
            registry_attributes,
            &found.registry_attributes,
        ),
        (
            "fileIncludedValues",
            file_included_values,
            &found.file_included_values,
        ),
        (
            "fileExcludedValues",
            file_excluded_values,
            &found.file_excluded_values,
        ),
        ("fileAttributes", file_attributes, &found.file_attributes),
    ];
    for (field, sent, stored) in lists {
        if !same_list(sent, stored) {
            return Some(format!("{field} differs"));
        }
    }

    if !same_xml(custom_xml, &found.custom_xml) {
        return Some("customXML differs".to_string());
    }

    // NOTE: a rule that someone else made within the tolerance, with exactly the fields of the
    // request, passes these checks and is adopted, because no API field distinguishes the two.
    let earliest = started
        .checked_sub(CLOCK_SKEW_TOLERANCE)
        .unwrap_or(UNIX_EPOCH);
    let earliest_ms = earliest.duration_since(UNIX_EPOCH).map_or(0, |since| {
        i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
    });
    match found.last_updated {
        Some(updated) if updated < earliest_ms => {
            Some("last updated before this create started".to_string())
        }
        _ => None,
    }
}

/// Compares a sent text field with the stored one, where an empty text equals an absent one.
fn same_text(sent: &Option<String>, stored: &Option<String>) -> bool {
    match sent {
        None => true,
        Some(sent) => sent.as_str() == stored.as_deref().unwrap_or_default(),
    }
}

/// Compares a sent list with the stored one after the normalisation the client applies when it
/// reads a list, ignoring the order of the entries.
fn same_list(sent: &Option<Vec<String>>, stored: &Option<Vec<String>>) -> bool {
    let Some(sent) = sent else {
        return true;
    };
    let sent_value = Value::Array(sent.iter().cloned().map(Value::String).collect());
    let Ok(mut sent) = string_list("list", &sent_value) else {
        return false;
    };
    let mut stored = stored.clone().unwrap_or_default();
    sent.sort();
    stored.sort();
    sent == stored
}

/// Compares sent and stored `customXML`: equal Base64 text, or Base64 of the same document apart
/// from line endings and surrounding whitespace.
fn same_xml(sent: &Option<String>, stored: &Option<String>) -> bool {
    let Some(sent) = sent else {
        return true;
    };
    let Some(stored) = stored else {
        return false;
    };
    if sent == stored {
        return true;
    }
    match (decode_xml(sent), decode_xml(stored)) {
        (Some(sent), Some(stored)) => sent == stored,
        _ => false,
    }
}

fn decode_xml(encoded: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(bytes).ok()?;
    Some(text.replace("\r\n", "\n").trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW_MS: i64 = 1_800_000_000_000;
    const FIVE_MINUTES_MS: i64 = 5 * 60 * 1000;

    fn at(epoch_ms: i64) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(epoch_ms.unsigned_abs())
    }

    fn request() -> ImRule {
        ImRule {
            name: Some("watch-etc".into()),
            description: Some(String::new()),
            template: Some("file".into()),
            file_base_directory: Some("/etc".into()),
            file_included_values: Some(vec!["*.conf".into(), "*.ini".into()]),
            alert_enabled: Some(true),
            custom_xml: None,
            ..ImRule::default()
        }
    }

    fn stored() -> ImRule {
        ImRule {
            id: Some(7),
            name: Some("watch-etc".into()),
            description: None,
            template: Some("file".into()),
            file_base_directory: Some("/etc".into()),
            file_included_values: Some(vec!["*.ini".into(), "*.conf".into()]),
            file_excluded_values: Some(vec![]),
            file_attributes: Some(vec!["STANDARD".into()]),
            alert_enabled: Some(true),
            severity: Some("medium".into()),
            last_updated: Some(NOW_MS),
            ..ImRule::default()
        }
    }

    #[test]
    fn mismatch_checks_each_sent_field() {
        type Change = fn(&mut ImRule, &mut ImRule);
        let cases: &[(&str, Change, Option<&str>)] = &[
            ("identical apart from defaults", |_, _| {}, None),
            (
                "other template",
                |_, found| found.template = Some("registry".into()),
                Some("template differs"),
            ),
            (
                "other base directory",
                |_, found| found.file_base_directory = Some("/var".into()),
                Some("fileBaseDirectory differs"),
            ),
            (
                "missing flag",
                |_, found| found.alert_enabled = None,
                Some("alertEnabled differs"),
            ),
            (
                "other flag",
                |_, found| found.alert_enabled = Some(false),
                Some("alertEnabled differs"),
            ),
            (
                "list entry missing",
                |_, found| found.file_included_values = Some(vec!["*.conf".into()]),
                Some("fileIncludedValues differs"),
            ),
            (
                "empty entries sent",
                |request, _| {
                    request.file_excluded_values = Some(vec![String::new()]);
                },
                None,
            ),
            (
                "description sent but not stored",
                |request, _| request.description = Some("text".into()),
                Some("description differs"),
            ),
            (
                "severity left to the manager",
                |request, _| request.severity = None,
                None,
            ),
            (
                "xml reformatted only at the ends",
                |request, found| {
                    request.custom_xml = Some("PGEvPgo=".into());
                    found.custom_xml = Some("PGEvPg==".into());
                },
                None,
            ),
            (
                "other xml",
                |request, found| {
                    request.custom_xml = Some("PGEvPg==".into());
                    found.custom_xml = Some("PGIvPg==".into());
                },
                Some("customXML differs"),
            ),
            (
                "updated within the tolerance",
                |_, found| found.last_updated = Some(NOW_MS - FIVE_MINUTES_MS + 1),
                None,
            ),
            (
                "updated before the tolerance",
                |_, found| found.last_updated = Some(NOW_MS - FIVE_MINUTES_MS - 1),
                Some("last updated before this create started"),
            ),
            ("no update time", |_, found| found.last_updated = None, None),
        ];
        for (name, change, want) in cases {
            let mut sent = request();
            let mut found = stored();
            change(&mut sent, &mut found);
            let got = mismatch(&sent, &found, at(NOW_MS));
            assert_eq!(got.as_deref(), *want, "case {name}");
        }
    }
}
