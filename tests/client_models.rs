//! Wire-format tests of the client models: names, omitted fields and tolerant decoding.

use serde_json::{json, Value};
use terraform_provider_workload::client::{
    Assignments, ImRule, PolicyIm, PolicyImModify, RuleIds, SearchCriteria, SearchFilter,
};

fn strings(items: &[&str]) -> Option<Vec<String>> {
    Some(items.iter().map(|item| item.to_string()).collect())
}

/// Builds a rule with every field set, read-only ones included.
fn full_rule() -> ImRule {
    ImRule {
        id: Some(7),
        name: Some("r".into()),
        description: Some("d".into()),
        severity: Some("high".into()),
        rule_type: Some("1".into()),
        original_issue: Some(1),
        last_updated: Some(2),
        identifier: Some("i".into()),
        minimum_agent_version: Some("6.0.0.0".into()),
        minimum_manager_version: Some("6.0.0".into()),
        template: Some("file".into()),
        registry_key_root: Some("HKEY_LOCAL_MACHINE".into()),
        registry_key_value: Some("\\".into()),
        registry_include_sub_keys: Some(true),
        registry_included_values: strings(&["a"]),
        registry_include_default_value: Some(false),
        registry_excluded_values: strings(&["b"]),
        registry_attributes: strings(&["STANDARD"]),
        file_base_directory: Some("/etc".into()),
        file_include_sub_directories: Some(true),
        file_included_values: strings(&["*.conf"]),
        file_excluded_values: strings(&["*.bak"]),
        file_attributes: strings(&["STANDARD", "SIZE"]),
        custom_xml: Some("PEZpbGVTZXQ+".into()),
        alert_enabled: Some(true),
        real_time_monitoring_enabled: Some(false),
        recommendations_mode: Some("enabled".into()),
    }
}

#[test]
fn rule_serialises_exact_wire_names() {
    let body = serde_json::to_value(full_rule()).expect("a rule always serialises");
    let want = json!({
        "name": "r", "description": "d", "severity": "high", "template": "file",
        "registryKeyRoot": "HKEY_LOCAL_MACHINE", "registryKeyValue": "\\",
        "registryIncludeSubKeys": true, "registryIncludedValues": ["a"],
        "registryIncludeDefaultValue": false, "registryExcludedValues": ["b"],
        "registryAttributes": ["STANDARD"], "fileBaseDirectory": "/etc",
        "fileIncludeSubDirectories": true, "fileIncludedValues": ["*.conf"],
        "fileExcludedValues": ["*.bak"], "fileAttributes": ["STANDARD", "SIZE"],
        "customXML": "PEZpbGVTZXQ+", "alertEnabled": true,
        "realTimeMonitoringEnabled": false, "recommendationsMode": "enabled"
    });
    assert_eq!(body, want);
}

#[test]
fn rule_never_serialises_read_only_fields() {
    let body = serde_json::to_value(full_rule()).expect("a rule always serialises");
    let object = body.as_object().expect("a rule serialises to an object");
    for read_only in [
        "ID",
        "type",
        "originalIssue",
        "lastUpdated",
        "identifier",
        "minimumAgentVersion",
        "minimumManagerVersion",
    ] {
        assert!(
            !object.contains_key(read_only),
            "{read_only} was serialised"
        );
    }
}

#[test]
fn rule_modify_carries_only_changes() {
    let changes = ImRule {
        id: Some(9),
        description: Some("new".into()),
        file_excluded_values: Some(vec![]),
        ..ImRule::default()
    };
    let body = serde_json::to_value(&changes).expect("a rule always serialises");
    assert_eq!(
        body,
        json!({"description": "new", "fileExcludedValues": []})
    );
}

#[test]
fn rule_decodes_server_defaults() {
    // Shape returned by a manager for a registry rule created with few fields.
    let body = json!({
        "ID": 101, "name": "THIS IS TEST IMR - 1", "description": "x", "severity": "medium",
        "template": "registry", "alertEnabled": false, "realTimeMonitoringEnabled": true,
        "minimumAgentVersion": "6.0.0.0", "minimumManagerVersion": "6.0.0",
        "registryKeyRoot": "HKEY_CLASSES_ROOT", "registryKeyValue": "\\",
        "registryIncludeSubKeys": false, "registryIncludeDefaultValue": true,
        "registryIncludedValues": ["test_1", "test_2"], "registryExcludedValues": [""],
        "registryAttributes": ["STANDARD"], "type": "1", "lastUpdated": 1700000000000_i64,
        "someFutureField": {"nested": [1, 2]}
    });
    let rule = ImRule::from_json(&body).expect("fixture is valid");
    assert_eq!(rule.id, Some(101));
    assert_eq!(rule.rule_type.as_deref(), Some("1"));
    assert_eq!(rule.last_updated, Some(1_700_000_000_000));
    assert_eq!(rule.registry_key_value.as_deref(), Some("\\"));
    assert_eq!(
        rule.registry_included_values,
        strings(&["test_1", "test_2"])
    );
    assert_eq!(rule.registry_excluded_values, Some(vec![]));
    assert_eq!(rule.file_included_values, Some(vec![]));
    assert_eq!(rule.file_base_directory, None);
    assert_eq!(rule.real_time_monitoring_enabled, Some(true));
}

#[test]
fn rule_list_fields_normalise_alike() {
    let cases: &[(&str, Value)] = &[
        ("one empty entry", json!({"fileAttributes": [""]})),
        ("empty array", json!({"fileAttributes": []})),
        ("absent", json!({})),
        ("null", json!({"fileAttributes": null})),
        ("empty string", json!({"fileAttributes": ""})),
    ];
    for (name, body) in cases {
        let rule = ImRule::from_json(body).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(rule.file_attributes, Some(vec![]), "case {name}");
    }
    let joined = ImRule::from_json(&json!({"fileIncludedValues": "a\nb"})).expect("valid");
    assert_eq!(joined.file_included_values, strings(&["a", "b"]));
}

#[test]
fn rule_decode_error_names_field() {
    let cases: &[(Value, &str)] = &[
        (
            json!({"alertEnabled": "true"}),
            "field \"alertEnabled\": expected a boolean, found a string",
        ),
        (
            json!({"ID": "12"}),
            "field \"ID\": expected an integer, found a string",
        ),
        (
            json!({"fileAttributes": [1]}),
            "field \"fileAttributes[0]\": expected a string, found a number",
        ),
        (json!("rule"), "expected a JSON object, found a string"),
    ];
    for (body, want) in cases {
        let error = ImRule::from_json(body).expect_err(want);
        assert_eq!(error.to_string(), *want);
    }
}

#[test]
fn rule_list_error_names_index() {
    let body = json!({"integrityMonitoringRules": [{"ID": 1}, {"ID": 2, "severity": 3}]});
    let error = ImRule::list_from_json(&body).expect_err("severity is a number");
    assert_eq!(
        error.field.as_deref(),
        Some("integrityMonitoringRules[1].severity")
    );
    let empty = ImRule::list_from_json(&json!({})).expect("absent list is empty");
    assert!(empty.is_empty());
}

#[test]
fn rule_deserialize_uses_tolerant_reader() {
    let rule: ImRule =
        serde_json::from_value(json!({"ID": 3, "fileAttributes": [""]})).expect("valid rule");
    assert_eq!(rule.id, Some(3));
    assert_eq!(rule.file_attributes, Some(vec![]));
    let error = serde_json::from_value::<ImRule>(json!({"alertEnabled": 1}))
        .expect_err("alertEnabled is a number");
    assert!(error.to_string().contains("alertEnabled"), "{error}");
}

#[test]
fn policy_decodes_im_view() {
    let body = json!({
        "ID": 12, "name": "Base", "parentID": 1, "description": "ignored",
        "antiMalware": {"state": "on"},
        "integrityMonitoring": {
            "state": "real-time", "ruleIDs": [3, 1],
            "moduleStatus": {"status": "active", "statusMessage": "On, 2 rules"}
        },
        "policySettings": {
            "integrityMonitoringSettingCpuUsageLevel": {"value": "High"},
            "integrityMonitoringSettingVirtualApplianceOptimizationScanCacheEntriesMax": {"value": 500000},
            "firewallSettingEngineOption": {"value": "x"},
            "integrityMonitoringSettingSyslogConfigId": {"value": null},
            "integrityMonitoringSettingScanCacheConfigId": null
        }
    });
    let policy = PolicyIm::from_json(&body).expect("fixture is valid");
    assert_eq!(policy.id, Some(12));
    assert_eq!(policy.parent_id, Some(1));
    let extension = policy.integrity_monitoring.expect("extension present");
    assert_eq!(extension.state.as_deref(), Some("real-time"));
    assert_eq!(extension.rule_ids, vec![3, 1]);
    let status = extension.module_status.expect("module status present");
    assert_eq!(status.status.as_deref(), Some("active"));
    assert_eq!(status.status_message.as_deref(), Some("On, 2 rules"));
    let setting = |name: &str| policy.policy_settings.get(name).map(|s| s.value.clone());
    assert_eq!(
        setting("integrityMonitoringSettingCpuUsageLevel").as_deref(),
        Some("High")
    );
    assert_eq!(
        setting("integrityMonitoringSettingVirtualApplianceOptimizationScanCacheEntriesMax")
            .as_deref(),
        Some("500000")
    );
    assert_eq!(setting("integrityMonitoringSettingSyslogConfigId"), None);
    assert_eq!(setting("integrityMonitoringSettingScanCacheConfigId"), None);
    assert_eq!(policy.policy_settings.len(), 3);
}

#[test]
fn policy_absent_rule_ids_empty() {
    let body = json!({"ID": 1, "integrityMonitoring": {"state": "off"}});
    let policy = PolicyIm::from_json(&body).expect("fixture is valid");
    let extension = policy.integrity_monitoring.expect("extension present");
    assert!(extension.rule_ids.is_empty());
    assert_eq!(extension.module_status, None);
    assert!(policy.policy_settings.is_empty());
    assert_eq!(policy.parent_id, None);
}

#[test]
fn policy_decode_error_names_nested_field() {
    let cases: &[(Value, &str)] = &[
        (
            json!({"integrityMonitoring": {"ruleIDs": "1"}}),
            "integrityMonitoring.ruleIDs",
        ),
        (
            json!({"integrityMonitoring": {"moduleStatus": {"status": 1}}}),
            "integrityMonitoring.moduleStatus.status",
        ),
        (
            json!({"policySettings": {"integrityMonitoringSettingCpuUsageLevel": {"value": true}}}),
            "policySettings.integrityMonitoringSettingCpuUsageLevel.value",
        ),
        (json!({"policySettings": []}), "policySettings"),
    ];
    for (body, want) in cases {
        let error = PolicyIm::from_json(body).expect_err(want);
        assert_eq!(error.field.as_deref(), Some(*want), "{error}");
    }
}

#[test]
fn policy_modify_carries_only_given_parts() {
    let cases: Vec<(&str, PolicyImModify, Value)> = vec![
        ("empty", PolicyImModify::new(), json!({})),
        (
            "state only",
            PolicyImModify::new().state("inherited"),
            json!({"integrityMonitoring": {"state": "inherited"}}),
        ),
        (
            "rule ids only",
            PolicyImModify::new().rule_ids(vec![]),
            json!({"integrityMonitoring": {"ruleIDs": []}}),
        ),
        (
            "setting only",
            PolicyImModify::new()
                .setting("integrityMonitoringSettingRealtimeEnabled", "true")
                .expect("an IM setting"),
            json!({"policySettings": {"integrityMonitoringSettingRealtimeEnabled": {"value": "true"}}}),
        ),
        (
            "everything",
            PolicyImModify::new()
                .state("on")
                .rule_ids(vec![1, 2])
                .setting("integrityMonitoringSettingCpuUsageLevel", "Low")
                .expect("an IM setting"),
            json!({
                "integrityMonitoring": {"state": "on", "ruleIDs": [1, 2]},
                "policySettings": {"integrityMonitoringSettingCpuUsageLevel": {"value": "Low"}}
            }),
        ),
    ];
    for (name, request, want) in cases {
        let body = serde_json::to_value(&request).expect("a request always serialises");
        assert_eq!(body, want, "case {name}");
        assert_eq!(request.is_empty(), name == "empty", "case {name}");
    }
}

#[test]
fn policy_modify_rejects_other_settings() {
    for name in [
        "firewallSettingEngineOption",
        "integrityMonitoringSetting",
        "IntegrityMonitoringSettingCpuUsageLevel",
        "",
    ] {
        let error = PolicyImModify::new()
            .setting(name, "x")
            .expect_err("not an IM setting");
        assert!(error
            .to_string()
            .contains("is not an Integrity Monitoring setting"));
    }
}

#[test]
fn assignments_decode_absent_lists() {
    let body = json!({"assignedRuleIDs": [1001, 1002], "recommendationScanStatus": "none"});
    let assignments = Assignments::from_json(&body).expect("fixture is valid");
    assert_eq!(assignments.assigned_rule_ids, vec![1001, 1002]);
    assert!(assignments.recommended_to_assign_rule_ids.is_empty());
    assert!(assignments.recommended_to_unassign_rule_ids.is_empty());
    assert_eq!(
        assignments.recommendation_scan_status.as_deref(),
        Some("none")
    );

    let full = json!({
        "recommendedToAssignRuleIDs": [5], "recommendedToUnassignRuleIDs": [6],
        "lastRecommendationScanDate": 1700000000000_i64
    });
    let assignments = Assignments::from_json(&full).expect("fixture is valid");
    assert!(assignments.assigned_rule_ids.is_empty());
    assert_eq!(assignments.recommended_to_assign_rule_ids, vec![5]);
    assert_eq!(assignments.recommended_to_unassign_rule_ids, vec![6]);
    assert_eq!(
        assignments.last_recommendation_scan_date,
        Some(1_700_000_000_000)
    );
}

#[test]
fn request_bodies_use_wire_names() {
    let ids = serde_json::to_value(RuleIds {
        rule_ids: vec![1, 2],
    })
    .expect("serialises");
    assert_eq!(ids, json!({"ruleIDs": [1, 2]}));

    let filter = SearchFilter {
        max_items: Some(10),
        search_criteria: vec![SearchCriteria::string_equals("name", "my_rule")],
        sort_by_object_id: Some(true),
    };
    let body = serde_json::to_value(&filter).expect("serialises");
    assert_eq!(
        body,
        json!({
            "maxItems": 10,
            "searchCriteria": [{"fieldName": "name", "stringTest": "equal",
                                "stringValue": "my_rule", "stringWildcards": false}],
            "sortByObjectID": true
        })
    );
}
