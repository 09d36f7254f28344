//! The state a fresh emulator starts with.
//!
//! Three policies (a parent, its child and a second top-level policy) carry data of other
//! modules and settings outside integrity monitoring, so that a test can prove a provider leaves
//! them alone. Five rules issued by Trend Micro (`type` "2") sit below the first user rule ID.
//! The names and identifiers are sample data in the style of vendor rules.

use base64::Engine;
use serde_json::{json, Map, Value};

use super::state::{Recommendations, Store};

/// The time stamped on seeded rules: 2020-01-01T00:00:00Z in epoch milliseconds.
const SEED_TIME: i64 = 1_577_836_800_000;

/// Fills an empty store with the seeded rules and policies.
pub(crate) fn populate(store: &mut Store) {
    for rule in vendor_rules() {
        if let Some(id) = rule.get("ID").and_then(Value::as_i64) {
            store.insert_rule(id, rule);
        }
    }
    for policy in policies() {
        if let Some(id) = policy.get("ID").and_then(Value::as_i64) {
            store.policies.insert(id, policy);
        }
    }
    store.recommendations.insert(
        1,
        Recommendations {
            to_assign: vec![104],
            to_unassign: vec![],
        },
    );
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => unreachable!("seed literals are objects"),
    }
}

fn vendor_rule(
    id: i64,
    identifier: &str,
    name: &str,
    severity: &str,
    template: Value,
) -> Map<String, Value> {
    let mut rule = object(json!({
        "name": name,
        "description": format!("Monitors changes described by Trend Micro rule {identifier}."),
        "severity": severity,
        "type": "2",
        "template": template["template"],
        "originalIssue": SEED_TIME,
        "identifier": identifier,
        "lastUpdated": SEED_TIME,
        "minimumAgentVersion": "6.0.0.0",
        "minimumManagerVersion": "6.0.0",
    }));
    for (key, value) in object(template) {
        rule.insert(key, value);
    }
    rule.insert("alertEnabled".to_string(), json!(false));
    rule.insert("realTimeMonitoringEnabled".to_string(), json!(true));
    rule.insert("recommendationsMode".to_string(), json!("enabled"));
    rule.insert("ID".to_string(), json!(id));
    rule
}

fn custom_xml(xml: &str) -> Value {
    json!({
        "template": "custom",
        "customXML": base64::engine::general_purpose::STANDARD.encode(xml),
    })
}

fn vendor_rules() -> Vec<Map<String, Value>> {
    vec![
        vendor_rule(
            101,
            "1002773",
            "Microsoft Windows - 'Hosts' file modified",
            "high",
            custom_xml(
                r#"<FileSet base="${env.windir}\System32\drivers\etc"><include key="hosts"/></FileSet>"#,
            ),
        ),
        vendor_rule(
            102,
            "1002774",
            "Unix - File attributes changes in /etc location",
            "medium",
            json!({
                "template": "file",
                "fileBaseDirectory": "/etc",
                "fileIncludeSubDirectories": true,
                "fileIncludedValues": ["*"],
                "fileExcludedValues": ["mtab"],
                "fileAttributes": ["STANDARD"],
            }),
        ),
        vendor_rule(
            103,
            "1002775",
            "Microsoft Windows - Startup programs modified",
            "high",
            json!({
                "template": "registry",
                "registryKeyRoot": "HKEY_LOCAL_MACHINE",
                "registryKeyValue": "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run",
                "registryIncludeSubKeys": false,
                "registryIncludedValues": ["*"],
                "registryIncludeDefaultValue": true,
                "registryExcludedValues": [""],
                "registryAttributes": ["STANDARD"],
            }),
        ),
        vendor_rule(
            104,
            "1002776",
            "Unix - Open Port Monitor",
            "medium",
            custom_xml(r#"<PortSet><include key="*"/></PortSet>"#),
        ),
        vendor_rule(
            105,
            "1002777",
            "Unix - Shadow and password files modified",
            "critical",
            custom_xml(
                r#"<FileSet base="/etc"><include key="passwd"/><include key="shadow"/></FileSet>"#,
            ),
        ),
    ]
}

fn policies() -> Vec<Map<String, Value>> {
    let base = json!({
        "ID": 1,
        "name": "Base Policy",
        "description": "Top of the policy tree.",
        "policySettings": {
            "integrityMonitoringSettingCpuUsageLevel": {"value": "Medium"},
            "integrityMonitoringSettingRealtimeEnabled": {"value": "true"},
            "firewallSettingNetworkEngineMode": {"value": "Inline"},
            "platformSettingHeartbeatInterval": {"value": "10"},
            "antiMalwareSettingCombinedModeProtectionSource": {"value": "Appliance preferred"},
        },
        "recommendationScanMode": "ongoing",
        "autoRequiresUpdate": "on",
        "antiMalware": {
            "state": "on",
            "moduleStatus": {"status": "active", "statusMessage": "On, Real Time"},
            "realTimeScanConfigurationID": 1,
            "manualScanConfigurationID": 2,
            "scheduledScanConfigurationID": 3,
        },
        "webReputation": {
            "state": "on",
            "moduleStatus": {"status": "active", "statusMessage": "On"},
        },
        "firewall": {
            "state": "on",
            "moduleStatus": {"status": "active", "statusMessage": "On, 3 rules"},
            "globalStatefulConfigurationID": 1,
            "ruleIDs": [7, 12, 31],
        },
        "intrusionPrevention": {
            "state": "prevent",
            "moduleStatus": {"status": "active", "statusMessage": "On, Prevent, 2 rules"},
            "ruleIDs": [1133, 4201],
        },
        "logInspection": {
            "state": "on",
            "moduleStatus": {"status": "active", "statusMessage": "On, 1 rule"},
            "ruleIDs": [208],
        },
        "integrityMonitoring": {
            "state": "real-time",
            "ruleIDs": [101, 103],
        },
    });
    let linux = json!({
        "ID": 2,
        "name": "Linux Server",
        "description": "Servers running Linux.",
        "parentID": 1,
        "policySettings": {
            "firewallSettingNetworkEngineMode": {"value": "Tap"},
            "platformSettingHeartbeatInterval": {"value": "5"},
            "platformSettingAgentSelfProtectionEnabled": {"value": "true"},
        },
        "firewall": {
            "ruleIDs": [44],
        },
        "logInspection": {
            "ruleIDs": [303, 305],
        },
        "integrityMonitoring": {},
    });
    let windows = json!({
        "ID": 3,
        "name": "Windows Server",
        "description": "Servers running Microsoft Windows.",
        "policySettings": {
            "intrusionPreventionSettingAutoApplyRecommendationsEnabled": {"value": "No"},
            "logInspectionSettingAutoApplyRecommendationsEnabled": {"value": "Yes"},
        },
        "recommendationScanMode": "off",
        "antiMalware": {
            "state": "on",
            "moduleStatus": {"status": "active", "statusMessage": "On, Real Time"},
            "realTimeScanConfigurationID": 4,
        },
        "firewall": {
            "state": "off",
            "moduleStatus": {"status": "inactive", "statusMessage": "Off, no rules"},
        },
        "integrityMonitoring": {
            "state": "off",
        },
    });
    vec![object(base), object(linux), object(windows)]
}
