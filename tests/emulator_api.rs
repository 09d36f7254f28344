//! The emulator over real HTTP on loopback: every endpoint, the quirks of a real manager, faults,
//! the request log, the state file and the binary.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use terraform_provider_workload::emulator::{
    Emulator, EmulatorConfig, EmulatorHandle, Fault, FaultKind,
};

const KEY: &str = "emulator-test-key-5f1c";

/// A started emulator with a client that sends the key and `api-version: v1`.
struct Api {
    emulator: EmulatorHandle,
    client: reqwest::Client,
}

impl Api {
    async fn start() -> Self {
        Self::start_with(EmulatorConfig::local(KEY)).await
    }

    async fn start_with(config: EmulatorConfig) -> Self {
        let emulator = Emulator::start(config)
            .await
            .expect("emulator starts on loopback");
        Api {
            emulator,
            client: reqwest::Client::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.emulator.base_url())
    }

    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = self
            .client
            .request(method, self.url(path))
            .header("api-secret-key", KEY)
            .header("api-version", "v1");
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request reaches the emulator");
        let status = response.status();
        let text = response.text().await.expect("response body is readable");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).expect("response body is JSON")
        };
        (status, body)
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(Method::POST, path, Some(body)).await
    }

    async fn create_rule(&self, body: Value) -> Value {
        let (status, rule) = self.post("/integritymonitoringrules", body).await;
        assert_eq!(status, StatusCode::OK, "create failed: {rule}");
        rule
    }
}

fn message(body: &Value) -> &str {
    body["message"]
        .as_str()
        .unwrap_or_else(|| panic!("error body has no message: {body}"))
}

#[tokio::test]
async fn rule_create_fills_registry_defaults() {
    let api = Api::start().await;
    api.emulator.set_fixed_time(Some(1_700_000_000_000));

    let rule = api
        .create_rule(json!({"name": "r1", "template": "registry", "registryIncludedValues": ["test_1", "test_2"]}))
        .await;

    assert_eq!(rule["ID"], 1001);
    assert_eq!(rule["type"], "1");
    assert_eq!(rule["lastUpdated"], 1_700_000_000_000_i64);
    assert_eq!(rule["severity"], "medium");
    assert_eq!(rule["minimumAgentVersion"], "6.0.0.0");
    assert_eq!(rule["minimumManagerVersion"], "6.0.0");
    assert_eq!(rule["alertEnabled"], false);
    assert_eq!(rule["realTimeMonitoringEnabled"], true);
    assert_eq!(rule["recommendationsMode"], "unknown");
    assert_eq!(rule["registryKeyRoot"], "HKEY_CLASSES_ROOT");
    assert_eq!(rule["registryKeyValue"], "\\");
    assert_eq!(rule["registryIncludeSubKeys"], false);
    assert_eq!(rule["registryIncludeDefaultValue"], true);
    assert_eq!(rule["registryIncludedValues"], json!(["test_1", "test_2"]));
    assert_eq!(rule["registryExcludedValues"], json!([""]));
    assert_eq!(rule["registryAttributes"], json!(["STANDARD"]));
    assert!(rule.get("fileAttributes").is_none());
    assert!(rule.get("customXML").is_none());
    assert!(rule.get("identifier").is_none());
}

#[tokio::test]
async fn rule_create_fills_file_defaults() {
    let api = Api::start().await;

    let rule = api
        .create_rule(json!({"name": "f", "template": "file", "fileBaseDirectory": "/etc", "fileExcludedValues": "a\nb"}))
        .await;

    assert_eq!(rule["fileIncludeSubDirectories"], false);
    assert_eq!(rule["fileAttributes"], json!(["STANDARD"]));
    assert_eq!(rule["fileIncludedValues"], json!([""]));
    assert_eq!(rule["fileExcludedValues"], json!(["a", "b"]));
    assert!(rule.get("registryKeyRoot").is_none());
}

#[tokio::test]
async fn rule_ids_are_sequential() {
    let api = Api::start().await;
    let first = api
        .create_rule(json!({"name": "a", "template": "custom"}))
        .await;
    let second = api
        .create_rule(json!({"name": "b", "template": "custom"}))
        .await;
    assert_eq!(first["ID"], 1001);
    assert_eq!(second["ID"], 1002);
}

#[tokio::test]
async fn rule_create_rejects_invalid_bodies() {
    let api = Api::start().await;
    let cases = [
        (
            "bad severity",
            json!({"name": "x", "template": "file", "severity": "urgent"}),
        ),
        ("bad template", json!({"name": "x", "template": "network"})),
        (
            "bad recommendations mode",
            json!({"name": "x", "template": "file", "recommendationsMode": "on"}),
        ),
        ("missing name", json!({"template": "file"})),
        ("missing template", json!({"name": "x"})),
        (
            "custom xml not base64",
            json!({"name": "x", "template": "custom", "customXML": "<FileSet/>"}),
        ),
        (
            "flag as string",
            json!({"name": "x", "template": "file", "alertEnabled": "yes"}),
        ),
        (
            "list of numbers",
            json!({"name": "x", "template": "file", "fileAttributes": [1]}),
        ),
        ("not an object", json!(["x"])),
    ];
    for (name, body) in cases {
        let (status, error) = api.post("/integritymonitoringrules", body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "case {name}");
        assert!(!message(&error).is_empty(), "case {name}");
    }
    assert!(
        api.emulator.rule_ids().iter().all(|id| *id < 1000),
        "no rule was stored"
    );
}

#[tokio::test]
async fn rule_modify_changes_only_sent_fields() {
    let api = Api::start().await;
    api.emulator.set_fixed_time(Some(1));
    let rule = api
        .create_rule(json!({"name": "m", "description": "d", "template": "file", "fileBaseDirectory": "/etc"}))
        .await;
    api.emulator.set_fixed_time(Some(2));

    let (status, modified) = api
        .post(
            "/integritymonitoringrules/1001",
            json!({"severity": "high", "description": null, "ID": 77, "type": "2", "identifier": "x"}),
        )
        .await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(modified["severity"], "high");
    assert_eq!(modified["description"], "d");
    assert_eq!(modified["ID"], 1001);
    assert_eq!(modified["type"], "1");
    assert!(modified.get("identifier").is_none());
    assert_eq!(modified["lastUpdated"], 2);
    assert_eq!(modified["fileBaseDirectory"], rule["fileBaseDirectory"]);
    let (_, described) = api.get("/integritymonitoringrules/1001").await;
    assert_eq!(described, modified);
}

#[tokio::test]
async fn rule_modify_switches_template() {
    let api = Api::start().await;
    api.create_rule(json!({"name": "t", "template": "file", "fileBaseDirectory": "/etc"}))
        .await;

    let (status, modified) = api
        .post(
            "/integritymonitoringrules/1001",
            json!({"template": "registry"}),
        )
        .await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(modified["template"], "registry");
    assert_eq!(modified["registryKeyRoot"], "HKEY_CLASSES_ROOT");
    assert!(modified.get("fileBaseDirectory").is_none());
}

#[tokio::test]
async fn rule_modify_rejects_bad_input() {
    let api = Api::start().await;
    api.create_rule(json!({"name": "v", "template": "custom"}))
        .await;

    let (status, error) = api
        .post(
            "/integritymonitoringrules/1001",
            json!({"severity": "severe"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(message(&error).contains("severity"));

    let (status, error) = api
        .post("/integritymonitoringrules/4242", json!({"severity": "low"}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(message(&error).contains("4242"));

    let (status, _) = api
        .post("/integritymonitoringrules/101", json!({"name": "renamed"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, tuned) = api
        .post(
            "/integritymonitoringrules/101",
            json!({"alertEnabled": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tuned["alertEnabled"], true);
}

#[tokio::test]
async fn rule_list_uses_wrapper_key() {
    let api = Api::start().await;
    api.create_rule(json!({"name": "l", "template": "custom"}))
        .await;

    let (status, body) = api.get("/integritymonitoringrules").await;

    assert_eq!(status, StatusCode::OK);
    let rules = body["integrityMonitoringRules"]
        .as_array()
        .expect("wrapper holds an array");
    let ids: Vec<i64> = rules
        .iter()
        .filter_map(|rule| rule["ID"].as_i64())
        .collect();
    assert_eq!(ids, vec![101, 102, 103, 104, 105, 1001]);
    assert!(rules[..5]
        .iter()
        .all(|rule| rule["type"] == "2" && rule["identifier"].is_string()));
    assert!(rules[..5].iter().all(|rule| rule["originalIssue"].is_i64()));
}

#[tokio::test]
async fn rule_search_applies_criteria() {
    let api = Api::start().await;
    api.create_rule(json!({"name": "my_rule", "template": "custom", "alertEnabled": true}))
        .await;
    api.create_rule(json!({"name": "myXrule", "template": "custom", "severity": "low"}))
        .await;
    let search = |criteria: Value| json!({"searchCriteria": criteria});
    let cases = [
        (
            "wildcard underscore",
            search(json!([{"fieldName": "name", "stringValue": "my_rule"}])),
            vec![1001, 1002],
        ),
        (
            "literal",
            search(
                json!([{"fieldName": "name", "stringValue": "my_rule", "stringWildcards": false}]),
            ),
            vec![1001],
        ),
        (
            "percent",
            search(json!([{"fieldName": "name", "stringValue": "Unix%"}])),
            vec![102, 104, 105],
        ),
        (
            "not equal",
            search(json!([{"fieldName": "type", "stringTest": "not-equal", "stringValue": "2"}])),
            vec![1001, 1002],
        ),
        (
            "id greater",
            search(json!([{"idTest": "greater-than", "idValue": 104}])),
            vec![105, 1001, 1002],
        ),
        (
            "boolean and choice",
            search(json!([
                {"fieldName": "alertEnabled", "booleanTest": false},
                {"fieldName": "severity", "choiceTest": "equal", "choiceValue": "low"}
            ])),
            vec![1002],
        ),
        (
            "max items",
            json!({"maxItems": 2, "sortByObjectID": true}),
            vec![101, 102],
        ),
        (
            "no filter",
            Value::Null,
            vec![101, 102, 103, 104, 105, 1001, 1002],
        ),
    ];
    for (name, filter, expected) in cases {
        let (status, body) = api
            .send(
                Method::POST,
                "/integritymonitoringrules/search",
                Some(filter),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "case {name}: {body}");
        let ids: Vec<i64> = body["integrityMonitoringRules"]
            .as_array()
            .expect("wrapper holds an array")
            .iter()
            .filter_map(|rule| rule["ID"].as_i64())
            .collect();
        assert_eq!(ids, expected, "case {name}");
    }

    let (status, _) = api
        .post(
            "/integritymonitoringrules/search",
            search(json!([{"fieldName": "template", "stringValue": "x"}])),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn rule_delete_follows_api_rules() {
    let api = Api::start().await;
    api.create_rule(json!({"name": "d", "template": "custom"}))
        .await;
    api.send(
        Method::PUT,
        "/policies/2/integritymonitoring/assignments",
        Some(json!({"ruleIDs": [1001]})),
    )
    .await;

    let (status, error) = api
        .send(Method::DELETE, "/integritymonitoringrules/1001", None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        message(&error).contains("Linux Server"),
        "message names the policy: {error}"
    );

    let (status, error) = api
        .send(Method::DELETE, "/integritymonitoringrules/101", None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(message(&error).contains("not permitted"));

    api.send(
        Method::DELETE,
        "/policies/2/integritymonitoring/assignments/1001",
        None,
    )
    .await;
    let (status, body) = api
        .send(Method::DELETE, "/integritymonitoringrules/1001", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, Value::Null, "delete returns an empty body");

    let (status, error) = api
        .send(Method::DELETE, "/integritymonitoringrules/1001", None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(message(&error).contains("1001"));
}

#[tokio::test]
async fn auth_rejects_missing_or_wrong_key() {
    let api = Api::start().await;
    let url = api.url("/policies");
    let cases = [
        ("no key", None, Some("v1"), StatusCode::UNAUTHORIZED),
        (
            "wrong key",
            Some(("api-secret-key", "nope".to_string())),
            Some("v1"),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "bearer scheme",
            Some(("authorization", format!("Bearer {KEY}"))),
            Some("v1"),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "no version",
            Some(("api-secret-key", KEY.to_string())),
            None,
            StatusCode::BAD_REQUEST,
        ),
        (
            "wrong version",
            Some(("api-secret-key", KEY.to_string())),
            Some("v2"),
            StatusCode::BAD_REQUEST,
        ),
        (
            "legacy header",
            Some(("api-secret-key", KEY.to_string())),
            Some("v1"),
            StatusCode::OK,
        ),
        (
            "cloud one header",
            Some(("authorization", format!("ApiKey {KEY}"))),
            Some("v1"),
            StatusCode::OK,
        ),
    ];
    for (name, key, version, expected) in cases {
        let mut request = api.client.get(&url);
        if let Some((header, value)) = key {
            request = request.header(header, value);
        }
        if let Some(version) = version {
            request = request.header("api-version", version);
        }
        let response = request.send().await.expect("request reaches the emulator");
        assert_eq!(response.status(), expected, "case {name}");
        if expected != StatusCode::OK {
            let body: Value = response.json().await.expect("error body is JSON");
            assert!(!message(&body).is_empty(), "case {name}");
        }
    }
}

#[tokio::test]
async fn unknown_paths_return_json_404() {
    let api = Api::start().await;
    for path in [
        "/computers",
        "/policies/abc",
        "/integritymonitoringrules/1/x",
    ] {
        let (status, body) = api.get(path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "path {path}");
        assert!(!message(&body).is_empty(), "path {path}");
    }
    let (status, body) = api.get("/policies/99").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(message(&body).contains("99"));
}

#[tokio::test]
async fn policy_overrides_shape_state() {
    let api = Api::start().await;

    let (_, own) = api.get("/policies/2?overrides=true").await;
    let (_, effective) = api.get("/policies/2?overrides=false").await;
    let (_, parent) = api.get("/policies/1?overrides=true").await;

    assert!(own["integrityMonitoring"].get("state").is_none());
    assert!(own["integrityMonitoring"].get("ruleIDs").is_none());
    assert_eq!(effective["integrityMonitoring"]["state"], "real-time");
    assert_eq!(
        effective["integrityMonitoring"]["ruleIDs"],
        json!([101, 103])
    );
    assert_eq!(parent["integrityMonitoring"]["state"], "real-time");
    assert!(
        parent.get("parentID").is_none(),
        "top-level policies omit parentID"
    );
    assert_eq!(own["parentID"], 1);
    assert!(own["policySettings"]
        .get("integrityMonitoringSettingCpuUsageLevel")
        .is_none());
    assert_eq!(
        effective["policySettings"]["integrityMonitoringSettingCpuUsageLevel"]["value"],
        "Medium"
    );
    assert_eq!(
        effective["policySettings"]["integrityMonitoringSettingSyslogConfigId"]["value"],
        "0"
    );
    assert_eq!(
        effective["integrityMonitoring"]["moduleStatus"]["status"],
        "active"
    );
}

#[tokio::test]
async fn policy_state_inherited_never_returned() {
    let api = Api::start().await;

    let (status, set) = api
        .post(
            "/policies/2?overrides=true",
            json!({"integrityMonitoring": {"state": "on"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(set["integrityMonitoring"]["state"], "on");

    let (status, own) = api
        .post(
            "/policies/2?overrides=true",
            json!({"integrityMonitoring": {"state": "inherited"}}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(own["integrityMonitoring"].get("state").is_none());
    let (_, effective) = api.get("/policies/2").await;
    assert_eq!(effective["integrityMonitoring"]["state"], "real-time");
    let stored = api.emulator.policy_json(2).expect("policy 2 exists");
    assert!(stored["integrityMonitoring"].get("state").is_none());

    let (_, top) = api
        .post(
            "/policies/3",
            json!({"integrityMonitoring": {"state": "inherited"}}),
        )
        .await;
    assert_eq!(
        top["integrityMonitoring"]["state"], "off",
        "top level falls back to the default"
    );
}

#[tokio::test]
async fn policy_modify_leaves_other_data() {
    let api = Api::start().await;
    api.create_rule(json!({"name": "p", "template": "custom"}))
        .await;
    let before = api.emulator.policy_json(2).expect("policy 2 exists");

    let (status, after) = api
        .post(
            "/policies/2?overrides=true",
            json!({
                "integrityMonitoring": {"state": "real-time", "ruleIDs": [1001, 102], "moduleStatus": {"status": "error"}},
                "policySettings": {"integrityMonitoringSettingRealtimeEnabled": {"value": "TRUE"}}
            }),
        )
        .await;

    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["integrityMonitoring"]["ruleIDs"], json!([102, 1001]));
    assert_eq!(
        after["integrityMonitoring"]["moduleStatus"]["status"],
        "active"
    );
    assert_eq!(
        after["policySettings"]["integrityMonitoringSettingRealtimeEnabled"]["value"],
        "true"
    );
    let stored = api.emulator.policy_json(2).expect("policy 2 exists");
    for key in [
        "ID",
        "name",
        "description",
        "parentID",
        "firewall",
        "logInspection",
    ] {
        assert_eq!(
            serde_json::to_string(&stored[key]).expect("serialises"),
            serde_json::to_string(&before[key]).expect("serialises"),
            "field {key}"
        );
    }
    for setting in [
        "firewallSettingNetworkEngineMode",
        "platformSettingHeartbeatInterval",
    ] {
        assert_eq!(
            stored["policySettings"][setting], before["policySettings"][setting],
            "setting {setting}"
        );
    }
    let untouched = api.emulator.policy_json(1).expect("policy 1 exists");
    let (_, parent) = api.get("/policies/1?overrides=true").await;
    assert_eq!(
        parent["integrityMonitoring"]["ruleIDs"],
        untouched["integrityMonitoring"]["ruleIDs"]
    );
}

#[tokio::test]
async fn policy_modify_rejects_bad_input() {
    let api = Api::start().await;
    let before = api.emulator.policy_json(2).expect("policy 2 exists");
    let cases = [
        (
            "unknown rule",
            json!({"integrityMonitoring": {"ruleIDs": [555]}}),
            "555",
        ),
        (
            "bad state",
            json!({"integrityMonitoring": {"state": "maybe"}}),
            "state",
        ),
        (
            "unknown setting",
            json!({"policySettings": {"integrityMonitoringSettingNope": {"value": "1"}}}),
            "integrityMonitoringSettingNope",
        ),
        (
            "bad setting value",
            json!({"policySettings": {"integrityMonitoringSettingCpuUsageLevel": {"value": "Max"}}}),
            "Max",
        ),
        (
            "rule ids not array",
            json!({"integrityMonitoring": {"ruleIDs": "101"}}),
            "ruleIDs",
        ),
        ("name not string", json!({"name": 3}), "name"),
    ];
    for (name, body, mentioned) in cases {
        let (status, error) = api.post("/policies/2", body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "case {name}");
        assert!(message(&error).contains(mentioned), "case {name}: {error}");
    }
    assert_eq!(
        api.emulator.policy_json(2),
        Some(before),
        "rejected requests change nothing"
    );

    let (status, _) = api.post("/policies/77", json!({"name": "x"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn policy_list_uses_wrapper_key() {
    let api = Api::start().await;
    let (status, body) = api.get("/policies").await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> = body["policies"]
        .as_array()
        .expect("wrapper holds an array")
        .iter()
        .filter_map(|policy| policy["name"].as_str())
        .collect();
    assert_eq!(names, vec!["Base Policy", "Linux Server", "Windows Server"]);
}

#[tokio::test]
async fn settings_describe_modify_reset() {
    let api = Api::start().await;
    let path = "/policies/2/settings/integrityMonitoringSettingCpuUsageLevel";

    let (status, inherited) = api.get(path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(inherited, json!({"value": "Medium"}));
    let (_, own) = api.get(&format!("{path}?overrides=true")).await;
    assert!(own.get("value").is_none());

    let (status, set) = api.post(path, json!({"value": "low"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(set, json!({"value": "Low"}));

    let (status, reset) = api.send(Method::DELETE, path, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(reset, json!({"value": "Medium"}));

    let (_, default) = api
        .get("/policies/3/settings/integrityMonitoringSettingContentHashAlgorithm")
        .await;
    assert_eq!(default, json!({"value": "sha1"}));
    let (_, realtime) = api
        .post(
            "/policies/3/settings/integrityMonitoringSettingRealtimeEnabled",
            json!({"value": "True"}),
        )
        .await;
    assert_eq!(realtime, json!({"value": "true"}));
}

#[tokio::test]
async fn settings_reject_bad_values() {
    let api = Api::start().await;
    let cases = [
        (
            "integrityMonitoringSettingAutoApplyRecommendationsEnabled",
            json!({"value": "true"}),
        ),
        (
            "integrityMonitoringSettingRealtimeEnabled",
            json!({"value": "on"}),
        ),
        (
            "integrityMonitoringSettingContentHashAlgorithm",
            json!({"value": "sha1,crc"}),
        ),
        (
            "integrityMonitoringSettingScanCacheConfigId",
            json!({"value": "one"}),
        ),
        (
            "integrityMonitoringSettingVirtualApplianceOptimizationScanCacheEntriesMax",
            json!({"value": 5}),
        ),
        ("integrityMonitoringSettingSyslogConfigId", json!({})),
    ];
    for (name, body) in cases {
        let (status, error) = api
            .post(&format!("/policies/1/settings/{name}"), body)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "setting {name}");
        assert!(message(&error).contains(name), "setting {name}: {error}");
    }
    let (status, _) = api
        .get("/policies/1/settings/integrityMonitoringSettingNope")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = api
        .get("/policies/9/settings/integrityMonitoringSettingCpuUsageLevel")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn assignments_add_set_remove() {
    let api = Api::start().await;
    for name in ["a", "b", "c"] {
        api.create_rule(json!({"name": name, "template": "custom"}))
            .await;
    }
    let path = "/policies/2/integritymonitoring/assignments";

    let (_, empty) = api.get(&format!("{path}?overrides=true")).await;
    assert!(empty.get("assignedRuleIDs").is_none());
    assert_eq!(empty["recommendationScanStatus"], "none");

    let (_, added) = api
        .send(
            Method::POST,
            &format!("{path}?overrides=true"),
            Some(json!({"ruleIDs": [1003, 1001]})),
        )
        .await;
    assert_eq!(added["assignedRuleIDs"], json!([1001, 1003]));
    let (_, added) = api
        .send(
            Method::POST,
            &format!("{path}?overrides=true"),
            Some(json!({"ruleIDs": [1002]})),
        )
        .await;
    assert_eq!(added["assignedRuleIDs"], json!([1001, 1002, 1003]));

    let (_, effective) = api.get(path).await;
    assert_eq!(
        effective["assignedRuleIDs"],
        json!([101, 103, 1001, 1002, 1003])
    );
    let (_, policy) = api.get("/policies/2?overrides=true").await;
    assert_eq!(
        policy["integrityMonitoring"]["ruleIDs"],
        json!([1001, 1002, 1003])
    );

    let (_, replaced) = api
        .send(
            Method::PUT,
            &format!("{path}?overrides=true"),
            Some(json!({"ruleIDs": [1002]})),
        )
        .await;
    assert_eq!(replaced["assignedRuleIDs"], json!([1002]));

    let (status, removed) = api
        .send(Method::DELETE, &format!("{path}/1002?overrides=true"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(removed.get("assignedRuleIDs").is_none());
    let (_, policy) = api.get("/policies/2?overrides=true").await;
    assert!(policy["integrityMonitoring"].get("ruleIDs").is_none());

    let (status, error) = api
        .send(Method::PUT, path, Some(json!({"ruleIDs": [9999]})))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(message(&error).contains("9999"));
    let (status, _) = api
        .get("/policies/42/integritymonitoring/assignments")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (_, seeded) = api.get("/policies/1/integritymonitoring/assignments").await;
    assert_eq!(seeded["recommendedToAssignRuleIDs"], json!([104]));
}

#[tokio::test]
async fn fault_too_many_requests_sets_retry_after() {
    let api = Api::start().await;
    api.emulator.inject_fault(
        Fault::new(
            FaultKind::TooManyRequests {
                retry_after: Some(3),
            },
            1,
        )
        .with_method(Method::GET),
    );
    api.emulator.inject_fault(Fault::new(
        FaultKind::TooManyRequests { retry_after: None },
        1,
    ));

    let first = api
        .client
        .get(api.url("/policies"))
        .send()
        .await
        .expect("request gets a response");
    assert_eq!(first.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(first.headers()["retry-after"], "3");
    let body: Value = first.json().await.expect("JSON body");
    assert_eq!(message(&body), "Too many API requests");

    let second = api
        .client
        .get(api.url("/policies"))
        .send()
        .await
        .expect("request gets a response");
    assert_eq!(second.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(second.headers().get("retry-after").is_none());

    let (status, _) = api.get("/policies").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn fault_status_matches_path_prefix() {
    let api = Api::start().await;
    api.emulator.inject_fault(
        Fault::new(FaultKind::Status(503), 2).with_path_prefix("/api/integritymonitoringrules"),
    );

    let (status, _) = api.get("/policies").await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = api.get("/integritymonitoringrules").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(!message(&body).is_empty());
    let (status, _) = api
        .post(
            "/integritymonitoringrules",
            json!({"name": "n", "template": "custom"}),
        )
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        api.emulator.rule_ids().iter().all(|id| *id < 1000),
        "a failed create stores nothing"
    );
    let (status, _) = api.get("/integritymonitoringrules").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn fault_delay_then_serves() {
    let api = Api::start().await;
    api.emulator
        .inject_fault(Fault::new(FaultKind::Delay(Duration::from_millis(300)), 1));

    let started = Instant::now();
    let (status, _) = api.get("/policies").await;

    assert_eq!(status, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn fault_drop_before_changes_nothing() {
    let api = Api::start().await;
    api.emulator
        .inject_fault(Fault::new(FaultKind::DropBeforeProcessing, 1).with_method(Method::POST));

    let result = api
        .client
        .post(api.url("/integritymonitoringrules"))
        .header("api-secret-key", KEY)
        .header("api-version", "v1")
        .json(&json!({"name": "lost", "template": "custom"}))
        .send()
        .await;

    assert!(result.is_err(), "the connection is dropped: {result:?}");
    assert!(!api.emulator.rule_ids().contains(&1001));
    let log = api.emulator.requests();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].status, None);
}

#[tokio::test]
async fn fault_drop_after_applies_change() {
    let api = Api::start().await;
    api.emulator
        .inject_fault(Fault::new(FaultKind::DropAfterProcessing, 1));

    let result = api
        .client
        .post(api.url("/integritymonitoringrules"))
        .header("api-secret-key", KEY)
        .header("api-version", "v1")
        .json(&json!({"name": "ambiguous", "template": "custom"}))
        .send()
        .await;

    assert!(result.is_err(), "the connection is dropped: {result:?}");
    let stored = api
        .emulator
        .rule_json(1001)
        .expect("the create was applied");
    assert_eq!(stored["name"], "ambiguous");
}

#[tokio::test]
async fn rate_limit_rejects_over_limit() {
    let mut config = EmulatorConfig::local(KEY);
    config.rate_limit_per_minute = Some(3);
    let api = Api::start_with(config).await;

    for _ in 0..3 {
        let (status, _) = api.get("/policies").await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, body) = api.get("/policies").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(message(&body), "Too many API requests");

    api.emulator.set_rate_limit(None);
    let (status, _) = api.get("/policies").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn request_log_records_without_keys() {
    let api = Api::start().await;
    api.create_rule(json!({"name": "logged", "template": "custom"}))
        .await;
    api.get("/policies/2?overrides=true").await;

    let log = api.emulator.requests();
    assert_eq!(log.len(), 2);
    assert!(log[0].is("POST", "/api/integritymonitoringrules"));
    assert_eq!(log[0].status, Some(200));
    assert_eq!(
        log[0].body,
        Some(json!({"name": "logged", "template": "custom"}))
    );
    assert!(log[1].is("GET", "/api/policies/2"));
    assert_eq!(log[1].query.as_deref(), Some("overrides=true"));
    let over_http: Value = api
        .client
        .get(format!("http://{}/_emulator/requests", api.emulator.addr()))
        .send()
        .await
        .expect("control API answers")
        .json()
        .await
        .expect("control API returns JSON");
    assert!(
        !over_http.to_string().contains(KEY),
        "the log never holds the key"
    );
    assert_eq!(over_http["requests"].as_array().map(Vec::len), Some(2));

    api.emulator.clear_requests();
    assert!(api.emulator.requests().is_empty());
}

#[tokio::test]
async fn out_of_band_changes_show_in_api() {
    let api = Api::start().await;
    api.emulator
        .set_setting(2, "integrityMonitoringSettingRealtimeEnabled", "TRUE")
        .expect("policy 2 exists");
    api.emulator
        .put_rule_json(
            500,
            json!({"name": "raw", "template": "file", "fileIncludedValues": "a\nb"}),
        )
        .expect("rule is an object");
    api.emulator
        .set_assignments(2, &[500])
        .expect("policy 2 exists");

    let (_, setting) = api
        .get("/policies/2/settings/integrityMonitoringSettingRealtimeEnabled")
        .await;
    assert_eq!(setting, json!({"value": "TRUE"}));
    let (_, rule) = api.get("/integritymonitoringrules/500").await;
    assert_eq!(rule["fileIncludedValues"], "a\nb");
    let (_, assigned) = api
        .get("/policies/2/integritymonitoring/assignments?overrides=true")
        .await;
    assert_eq!(assigned["assignedRuleIDs"], json!([500]));
    assert!(
        api.emulator.requests().len() == 3,
        "only the three API reads are logged"
    );

    assert!(api.emulator.delete_rule(500));
    let (_, assigned) = api
        .get("/policies/2/integritymonitoring/assignments?overrides=true")
        .await;
    assert!(assigned.get("assignedRuleIDs").is_none());
    assert!(api.emulator.put_policy_json(9, json!("x")).is_err());
}

#[tokio::test]
async fn control_api_injects_faults() {
    let api = Api::start().await;
    let control = format!("http://{}/_emulator", api.emulator.addr());
    let response = api
        .client
        .post(format!("{control}/faults"))
        .json(&json!({"kind": "status", "status": 502, "count": 1, "method": "GET"}))
        .send()
        .await
        .expect("control API answers");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(api.emulator.pending_faults().len(), 1);

    let (status, _) = api.get("/policies").await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(api.emulator.pending_faults().is_empty());

    let response = api
        .client
        .post(format!("{control}/faults"))
        .json(&json!({"kind": "explode"}))
        .send()
        .await
        .expect("control API answers");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn state_file_survives_restart() {
    let directory = tempfile::tempdir().expect("temporary directory can be created");
    let path = directory.path().join("state.json");
    let mut config = EmulatorConfig::local(KEY);
    config.state_file = Some(path.clone());

    let api = Api::start_with(config.clone()).await;
    api.create_rule(json!({"name": "kept", "template": "custom"}))
        .await;
    api.post(
        "/policies/2",
        json!({"integrityMonitoring": {"ruleIDs": [1001]}}),
    )
    .await;
    api.emulator.shutdown().await;

    let text = std::fs::read_to_string(&path).expect("state file exists");
    serde_json::from_str::<Value>(&text).expect("state file is complete JSON");
    let names: Vec<_> = std::fs::read_dir(directory.path())
        .expect("directory can be listed")
        .filter_map(Result::ok)
        .map(|entry| entry.file_name())
        .collect();
    assert_eq!(names, vec!["state.json"], "no temporary file is left");

    let api = Api::start_with(config).await;
    let (status, rule) = api.get("/integritymonitoringrules/1001").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(rule["name"], "kept");
    let (_, assigned) = api
        .get("/policies/2/integritymonitoring/assignments?overrides=true")
        .await;
    assert_eq!(assigned["assignedRuleIDs"], json!([1001]));
    let next = api
        .create_rule(json!({"name": "next", "template": "custom"}))
        .await;
    assert_eq!(next["ID"], 1002);
}

#[tokio::test]
async fn state_file_torn_fails_start() {
    let directory = tempfile::tempdir().expect("temporary directory can be created");
    let path = directory.path().join("state.json");
    std::fs::write(&path, "{\"rules\": [").expect("file can be written");
    let mut config = EmulatorConfig::local(KEY);
    config.state_file = Some(path);

    assert!(Emulator::start(config).await.is_err());
}

#[test]
fn binary_prints_listening_line() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let mut child = Command::new(env!("CARGO_BIN_EXE_workload-emulator"))
        .args(["--listen", "127.0.0.1:0", "--api-key", KEY])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("first line is readable");
    child.kill().expect("child can be killed");
    let _ = child.wait();

    let address = line.trim().strip_prefix("listening on http://127.0.0.1:");
    let port = address.and_then(|port| port.parse::<u16>().ok());
    assert!(
        port.is_some_and(|port| port > 0),
        "unexpected first line {line:?}"
    );
}

#[test]
fn binary_help_and_bad_flags() {
    use std::process::Command;

    let help = Command::new(env!("CARGO_BIN_EXE_workload-emulator"))
        .arg("--help")
        .output()
        .expect("binary runs");
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    for flag in [
        "--listen",
        "--api-key",
        "--state-file",
        "--rate-limit",
        "--fixed-time",
    ] {
        assert!(text.contains(flag), "help documents {flag}");
    }

    let bad = Command::new(env!("CARGO_BIN_EXE_workload-emulator"))
        .args(["--api-key", KEY, "--bogus"])
        .output()
        .expect("binary runs");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--bogus"));
}
