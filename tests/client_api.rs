//! Integration tests of the client against the API emulator over real HTTP on 127.0.0.1.
//!
//! Each test starts a fresh emulator on port 0. Retries are counted from the emulator's request
//! log, and faults are injected through its handle. The emulator normalises the policies it
//! serves, so decoding errors in policy bodies are tested against the scripted server in
//! `client_transport.rs` instead.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;
use terraform_provider_workload::client::{
    ApiKey, AuthHeader, Client, ClientConfig, Error, ImRule, PolicyImModify,
};
use terraform_provider_workload::emulator::{
    Emulator, EmulatorConfig, EmulatorHandle, Fault, FaultKind,
};

const KEY: &str = "emulator-test-key";
const RULES_PATH: &str = "/api/integritymonitoringrules";
const CPU_LEVEL: &str = "integrityMonitoringSettingCpuUsageLevel";

fn config(emulator: &EmulatorHandle, key: &str) -> ClientConfig {
    let mut config = ClientConfig::new(emulator.base_url(), ApiKey::new(key));
    config.auth_header = AuthHeader::Authorization;
    config.request_timeout = Duration::from_secs(5);
    config.max_retries = 3;
    config.retry_base_delay = Duration::from_millis(5);
    config.retry_max_delay = Duration::from_millis(50);
    config
}

async fn start() -> (EmulatorHandle, Client) {
    let emulator = Emulator::start(EmulatorConfig::local(KEY))
        .await
        .expect("emulator starts on loopback");
    let client = Client::new(config(&emulator, KEY)).expect("test configuration is valid");
    (emulator, client)
}

/// Counts the recorded requests with this method and full path.
fn count(emulator: &EmulatorHandle, method: &str, path: &str) -> usize {
    emulator
        .requests()
        .iter()
        .filter(|record| record.is(method, path))
        .count()
}

fn file_rule(name: &str) -> ImRule {
    ImRule {
        name: Some(name.into()),
        description: Some("watches /etc".into()),
        severity: Some("high".into()),
        template: Some("file".into()),
        file_base_directory: Some("/etc".into()),
        file_included_values: Some(vec!["*.conf".into()]),
        alert_enabled: Some(true),
        real_time_monitoring_enabled: Some(true),
        ..ImRule::default()
    }
}

#[tokio::test]
async fn rule_lifecycle_round_trip() {
    let (emulator, client) = start().await;

    let created = client
        .create_rule(&file_rule("etc-conf"))
        .await
        .expect("create");
    let id = created.id.expect("created rule has an ID");
    assert!(id >= 1001, "user rule IDs start at 1001, got {id}");
    assert_eq!(created.rule_type.as_deref(), Some("1"));
    assert_eq!(
        created.file_included_values,
        Some(vec!["*.conf".to_string()])
    );
    assert_eq!(created.file_excluded_values, Some(vec![]));

    let read = client.get_rule(id).await.expect("get");
    assert_eq!(read, created);

    let changes = ImRule {
        description: Some("new description".into()),
        ..ImRule::default()
    };
    let modified = client.modify_rule(id, &changes).await.expect("modify");
    assert_eq!(modified.description.as_deref(), Some("new description"));
    assert_eq!(modified.file_base_directory.as_deref(), Some("/etc"));
    assert_eq!(modified.severity.as_deref(), Some("high"));
    let modify_body = emulator
        .requests()
        .into_iter()
        .find(|record| record.is("POST", &format!("{RULES_PATH}/{id}")))
        .and_then(|record| record.body)
        .expect("modify was recorded with a body");
    assert_eq!(modify_body, json!({"description": "new description"}));

    let listed = client.list_rules().await.expect("list");
    assert!(listed.iter().any(|rule| rule.id == Some(id)));
    assert!(listed
        .iter()
        .any(|rule| rule.rule_type.as_deref() == Some("2")));

    client.delete_rule(id).await.expect("delete");
    let deleted = client.get_rule(id).await.expect_err("rule was deleted");
    assert!(matches!(deleted, Error::NotFound { .. }), "{deleted:?}");
    let again = client.delete_rule(id).await.expect_err("second delete");
    assert!(again.is_not_found(), "{again:?}");
}

#[tokio::test]
async fn search_matches_exact_name() {
    let (emulator, client) = start().await;
    client
        .create_rule(&file_rule("a_b"))
        .await
        .expect("create a_b");
    client
        .create_rule(&file_rule("axb"))
        .await
        .expect("create axb");

    let found = client.search_rules_by_name("a_b").await.expect("search");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].name.as_deref(), Some("a_b"));
    let none = client.search_rules_by_name("a%").await.expect("search");
    assert!(none.is_empty(), "{none:?}");

    let search = emulator
        .requests()
        .into_iter()
        .find(|record| record.is("POST", &format!("{RULES_PATH}/search")))
        .and_then(|record| record.body)
        .expect("search was recorded with a body");
    assert_eq!(search["searchCriteria"][0]["stringWildcards"], json!(false));
}

#[tokio::test]
async fn unset_lists_read_empty() {
    let (emulator, client) = start().await;
    let rule = ImRule {
        name: Some("run-key".into()),
        template: Some("registry".into()),
        registry_key_root: Some("HKEY_LOCAL_MACHINE".into()),
        registry_key_value: Some("Software\\Run".into()),
        ..ImRule::default()
    };
    let created = client.create_rule(&rule).await.expect("create");
    let id = created.id.expect("created rule has an ID");

    let raw = emulator.rule_json(id).expect("rule is stored");
    assert_eq!(raw["registryExcludedValues"], json!([""]));
    assert_eq!(created.registry_excluded_values, Some(vec![]));
    assert_eq!(created.registry_included_values, Some(vec![]));
    assert_eq!(
        created.registry_attributes,
        Some(vec!["STANDARD".to_string()])
    );
}

#[tokio::test]
async fn policy_read_and_im_modify() {
    let (emulator, client) = start().await;

    let base = client.get_policy(1, false).await.expect("get policy 1");
    assert_eq!(base.name.as_deref(), Some("Base Policy"));
    let extension = base.integrity_monitoring.expect("policy 1 has IM");
    assert_eq!(extension.state.as_deref(), Some("real-time"));
    assert_eq!(extension.rule_ids, vec![101, 103]);
    assert_eq!(base.policy_settings[CPU_LEVEL].value, "Medium");

    let child = client.get_policy(2, true).await.expect("get policy 2");
    assert_eq!(child.parent_id, Some(1));
    let own = child.integrity_monitoring.unwrap_or_default();
    assert!(own.rule_ids.is_empty(), "absent ruleIDs read as empty");

    let before = emulator.policy_json(2).expect("policy 2 exists");
    let changes = PolicyImModify::new()
        .state("inherited")
        .setting(CPU_LEVEL, "low")
        .expect("an IM setting");
    let after = client
        .modify_policy_im(2, &changes, true)
        .await
        .expect("modify");
    let state = after
        .integrity_monitoring
        .and_then(|extension| extension.state);
    assert_ne!(
        state.as_deref(),
        Some("inherited"),
        "inherited is never returned"
    );
    assert_eq!(after.policy_settings[CPU_LEVEL].value, "Low");

    let body = emulator
        .requests()
        .into_iter()
        .find(|record| record.is("POST", "/api/policies/2"))
        .and_then(|record| record.body)
        .expect("modify was recorded with a body");
    assert_eq!(
        body,
        json!({"integrityMonitoring": {"state": "inherited"},
               "policySettings": {CPU_LEVEL: {"value": "low"}}})
    );
    let stored = emulator.policy_json(2).expect("policy 2 exists");
    for untouched in ["firewall", "logInspection", "name", "parentID"] {
        assert_eq!(stored[untouched], before[untouched], "{untouched} changed");
    }
    assert_eq!(
        stored["policySettings"]["firewallSettingNetworkEngineMode"],
        before["policySettings"]["firewallSettingNetworkEngineMode"]
    );

    let effective = client.get_policy(2, false).await.expect("get policy 2");
    let state = effective
        .integrity_monitoring
        .and_then(|extension| extension.state);
    assert_eq!(
        state.as_deref(),
        Some("real-time"),
        "inherits the parent's state"
    );
}

#[tokio::test]
async fn policy_settings_set_and_reset() {
    let (emulator, client) = start().await;

    let inherited = client
        .get_policy_setting(2, CPU_LEVEL, false)
        .await
        .expect("get");
    assert_eq!(inherited.as_deref(), Some("Medium"));
    let own = client
        .get_policy_setting(2, CPU_LEVEL, true)
        .await
        .expect("get");
    assert_eq!(own, None);

    let stored = client
        .set_policy_setting(2, CPU_LEVEL, "high")
        .await
        .expect("set");
    assert_eq!(stored, "High");
    let own = client
        .get_policy_setting(2, CPU_LEVEL, true)
        .await
        .expect("get");
    assert_eq!(own.as_deref(), Some("High"));

    client
        .reset_policy_setting(2, CPU_LEVEL)
        .await
        .expect("reset");
    let own = client
        .get_policy_setting(2, CPU_LEVEL, true)
        .await
        .expect("get");
    assert_eq!(own, None);

    let requests_before = emulator.requests().len();
    let outside = client
        .set_policy_setting(2, "firewallSettingNetworkEngineMode", "Tap")
        .await
        .expect_err("not an IM setting");
    assert!(matches!(outside, Error::InvalidRequest(_)), "{outside:?}");
    assert_eq!(
        emulator.requests().len(),
        requests_before,
        "nothing was sent"
    );

    let invalid = client
        .set_policy_setting(2, CPU_LEVEL, "extreme")
        .await
        .expect_err("invalid level");
    assert_eq!(invalid.status(), Some(400));
    assert!(invalid.to_string().contains("Invalid value"), "{invalid}");
    let missing = client
        .get_policy_setting(99, CPU_LEVEL, false)
        .await
        .expect_err("no policy 99");
    assert!(missing.is_not_found(), "{missing:?}");
}

#[tokio::test]
async fn assignments_set_add_remove() {
    let (_emulator, client) = start().await;

    let base = client.list_assignments(1, true).await.expect("list");
    assert_eq!(base.assigned_rule_ids, vec![101, 103]);
    assert_eq!(base.recommended_to_assign_rule_ids, vec![104]);

    let set = client.set_assignments(3, &[102, 101]).await.expect("set");
    assert_eq!(set.assigned_rule_ids, vec![101, 102]);
    let added = client.add_assignments(3, &[105, 101]).await.expect("add");
    assert_eq!(added.assigned_rule_ids, vec![101, 102, 105]);
    let removed = client.remove_assignment(3, 101).await.expect("remove");
    assert_eq!(removed.assigned_rule_ids, vec![102, 105]);
    let cleared = client.set_assignments(3, &[]).await.expect("clear");
    assert!(cleared.assigned_rule_ids.is_empty());

    let child_own = client.list_assignments(2, true).await.expect("list");
    assert!(child_own.assigned_rule_ids.is_empty());
    let child_all = client.list_assignments(2, false).await.expect("list");
    assert_eq!(child_all.assigned_rule_ids, vec![101, 103]);

    let missing = client
        .list_assignments(99, true)
        .await
        .expect_err("no policy 99");
    assert!(missing.is_not_found(), "{missing:?}");
}

#[tokio::test]
async fn assigned_rule_delete_rejected() {
    let (_emulator, client) = start().await;
    let created = client
        .create_rule(&file_rule("assigned"))
        .await
        .expect("create");
    let id = created.id.expect("created rule has an ID");
    client.add_assignments(3, &[id]).await.expect("assign");

    let error = client.delete_rule(id).await.expect_err("rule is assigned");
    assert!(matches!(error, Error::Api { status: 400, .. }), "{error:?}");
    let text = error.to_string();
    assert!(
        text.starts_with(&format!(
            "request DELETE /api/integritymonitoringrules/{id} failed with HTTP 400: "
        )),
        "{text}"
    );
}

#[tokio::test]
async fn wrong_key_gives_unauthorized() {
    let (emulator, _client) = start().await;
    let wrong = Client::new(config(&emulator, "not-the-key")).expect("valid configuration");

    let error = wrong.get_rule(101).await.expect_err("wrong key");
    assert!(
        matches!(error, Error::Unauthorized { status: 401, .. }),
        "{error:?}"
    );
    let text = error.to_string();
    assert!(text.contains("not authorized (HTTP 401)"), "{text}");
    assert!(text.contains("check the API key"), "{text}");
    assert!(!text.contains("not-the-key"), "{text}");
    assert_eq!(emulator.requests().len(), 1, "401 is not retried");

    let mut secret_header = config(&emulator, KEY);
    secret_header.auth_header = AuthHeader::ApiSecretKey;
    let client = Client::new(secret_header).expect("valid configuration");
    client
        .get_rule(101)
        .await
        .expect("api-secret-key header works");
}

/// Injects `kind` once into the next GET of rule 101 and reads the rule.
async fn read_through_fault(kind: FaultKind) -> (EmulatorHandle, Result<ImRule, Error>) {
    let (emulator, client) = start().await;
    let fault = Fault::new(kind, 1)
        .with_method(Method::GET)
        .with_path_prefix(format!("{RULES_PATH}/101"));
    emulator.inject_fault(fault);
    let result = client.get_rule(101).await;
    (emulator, result)
}

#[tokio::test]
async fn each_fault_retried_once() {
    let cases = [
        (
            "429 with Retry-After",
            FaultKind::TooManyRequests {
                retry_after: Some(30),
            },
        ),
        (
            "429 without Retry-After",
            FaultKind::TooManyRequests { retry_after: None },
        ),
        ("503", FaultKind::Status(503)),
        ("502", FaultKind::Status(502)),
        ("504", FaultKind::Status(504)),
        ("dropped connection", FaultKind::DropBeforeProcessing),
        ("dropped after processing", FaultKind::DropAfterProcessing),
    ];
    for (name, kind) in cases {
        let started = std::time::Instant::now();
        let (emulator, result) = read_through_fault(kind).await;
        let rule = result.unwrap_or_else(|error| panic!("{name}: {error:?}"));
        assert_eq!(rule.id, Some(101), "case {name}");
        assert_eq!(
            count(&emulator, "GET", &format!("{RULES_PATH}/101")),
            2,
            "case {name}"
        );
        assert!(emulator.pending_faults().is_empty(), "case {name}");
        // A 30 s Retry-After is capped by the configured 50 ms maximum delay.
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "case {name} was slow"
        );
    }
}

#[tokio::test]
async fn delay_beyond_timeout_retried() {
    let (emulator, _) = start().await;
    let mut short = config(&emulator, KEY);
    short.request_timeout = Duration::from_millis(300);
    let client = Client::new(short).expect("valid configuration");
    let fault = Fault::new(FaultKind::Delay(Duration::from_secs(2)), 1)
        .with_method(Method::GET)
        .with_path_prefix(format!("{RULES_PATH}/101"));
    emulator.inject_fault(fault);

    let rule = client.get_rule(101).await.expect("second attempt is fast");
    assert_eq!(rule.id, Some(101));
    assert!(emulator.pending_faults().is_empty());

    // The slow first request may be logged only once its delay is over, if at all.
    tokio::time::sleep(Duration::from_millis(2200)).await;
    let served = count(&emulator, "GET", &format!("{RULES_PATH}/101"));
    assert!((1..=2).contains(&served), "served {served}");
}

#[tokio::test]
async fn persistent_faults_exhaust_retries() {
    let (emulator, client) = start().await;
    emulator.inject_fault(Fault::new(FaultKind::Status(503), 10).with_method(Method::GET));
    let error = client.get_rule(101).await.expect_err("always 503");
    assert!(matches!(error, Error::Api { status: 503, .. }), "{error:?}");
    assert_eq!(count(&emulator, "GET", &format!("{RULES_PATH}/101")), 4);

    emulator.clear_faults();
    emulator.clear_requests();
    let limited = FaultKind::TooManyRequests { retry_after: None };
    emulator.inject_fault(Fault::new(limited, 10).with_method(Method::GET));
    let error = client.get_rule(101).await.expect_err("always 429");
    assert!(
        matches!(error, Error::RateLimited { attempts: 4, .. }),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("Too many API requests") || error.to_string().contains("429")
    );
    assert_eq!(count(&emulator, "GET", &format!("{RULES_PATH}/101")), 4);
}

fn create_fault(kind: FaultKind) -> Fault {
    // The prefix also matches the search path, but the fault is used up by the create.
    Fault::new(kind, 1)
        .with_method(Method::POST)
        .with_path_prefix(RULES_PATH)
}

#[tokio::test]
async fn ambiguous_create_adopts_rule() {
    let (emulator, client) = start().await;
    emulator.inject_fault(create_fault(FaultKind::DropAfterProcessing));

    let created = client
        .create_rule(&file_rule("dropped"))
        .await
        .expect("adopted");
    let id = created.id.expect("adopted rule has an ID");
    assert_eq!(created.name.as_deref(), Some("dropped"));
    assert_eq!(
        count(&emulator, "POST", RULES_PATH),
        1,
        "create is not repeated"
    );
    assert_eq!(count(&emulator, "POST", &format!("{RULES_PATH}/search")), 1);
    let named = client
        .search_rules_by_name("dropped")
        .await
        .expect("search");
    assert_eq!(named.len(), 1, "no duplicate: {named:?}");
    assert_eq!(named[0].id, Some(id));
}

#[tokio::test]
async fn unprocessed_create_sent_again() {
    let cases = [
        ("503 searches first", FaultKind::Status(503), 1),
        (
            "dropped before processing",
            FaultKind::DropBeforeProcessing,
            1,
        ),
        (
            "429 skips the search",
            FaultKind::TooManyRequests { retry_after: None },
            0,
        ),
    ];
    for (name, kind, searches) in cases {
        let (emulator, client) = start().await;
        emulator.inject_fault(create_fault(kind));
        let created = client.create_rule(&file_rule(name)).await;
        let created = created.unwrap_or_else(|error| panic!("{name}: {error:?}"));
        assert!(created.id.is_some(), "case {name}");
        assert_eq!(count(&emulator, "POST", RULES_PATH), 2, "case {name}");
        let searched = count(&emulator, "POST", &format!("{RULES_PATH}/search"));
        assert_eq!(searched, searches, "case {name}");
        let named = client.search_rules_by_name(name).await.expect("search");
        assert_eq!(named.len(), 1, "case {name}: {named:?}");
    }
}

#[tokio::test]
async fn ambiguous_create_with_duplicates_fails() {
    let (emulator, client) = start().await;
    for id in [2001, 2002] {
        emulator
            .put_rule_json(id, json!({"ID": id, "name": "twice", "template": "file"}))
            .expect("rule is an object");
    }
    emulator.inject_fault(create_fault(FaultKind::Status(504)));

    let error = client
        .create_rule(&file_rule("twice"))
        .await
        .expect_err("two matches");
    let text = error.to_string();
    assert!(
        text.contains("a rule named \"twice\" already exists") || text.contains("2 rules named"),
        "{text}"
    );
    assert!(text.contains("2001, 2002"), "{text}");
    assert!(text.contains("did not take"), "{text}");
}

#[tokio::test]
async fn wrong_types_name_field() {
    let (emulator, client) = start().await;
    emulator
        .put_rule_json(
            3001,
            json!({"ID": 3001, "name": "bad", "alertEnabled": "yes"}),
        )
        .expect("rule is an object");
    let error = client
        .get_rule(3001)
        .await
        .expect_err("alertEnabled is a string");
    assert_eq!(
        error.to_string(),
        "invalid response to GET /api/integritymonitoringrules/3001: \
         field \"alertEnabled\": expected a boolean, found a string"
    );
    let listed = client
        .list_rules()
        .await
        .expect_err("list holds the bad rule");
    assert!(
        matches!(&listed, Error::Decode { field: Some(field), .. } if field.ends_with("].alertEnabled")),
        "{listed:?}"
    );
}

/// Returns the current time in epoch milliseconds, as the manager writes `lastUpdated`.
fn now_millis() -> i64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("the clock is after 1970");
    i64::try_from(since_epoch.as_millis()).expect("epoch milliseconds fit in i64")
}

#[tokio::test]
async fn gateway_error_spares_other_rule() {
    let (emulator, client) = start().await;
    let hand_made = json!({
        "ID": 2001, "name": "precious two", "type": "1", "template": "registry",
        "registryKeyRoot": "HKEY_LOCAL_MACHINE", "registryKeyValue": "Software\\Precious",
        "lastUpdated": now_millis(),
    });
    emulator
        .put_rule_json(2001, hand_made.clone())
        .expect("rule is an object");
    emulator.inject_fault(create_fault(FaultKind::Status(502)));

    let error = client
        .create_rule(&file_rule("precious two"))
        .await
        .expect_err("the rule with that name is not the one requested");
    let text = error.to_string();
    assert!(
        text.starts_with("request POST /api/integritymonitoringrules failed with HTTP 502"),
        "{text}"
    );
    assert!(text.contains("2001"), "{text}");
    assert!(text.contains("did not take"), "{text}");
    assert_eq!(count(&emulator, "POST", RULES_PATH), 1, "create not resent");
    assert_eq!(emulator.rule_json(2001), Some(hand_made));
}

#[tokio::test]
async fn gateway_error_spares_stale_twin() {
    let (emulator, client) = start().await;
    // Every field matches the request, but the rule was last changed a day before this create.
    let day_ms = 24 * 60 * 60 * 1000;
    let twin = json!({
        "ID": 2002, "name": "twin", "type": "1", "template": "file",
        "description": "watches /etc", "severity": "high", "fileBaseDirectory": "/etc",
        "fileIncludedValues": ["*.conf"], "alertEnabled": true,
        "realTimeMonitoringEnabled": true, "lastUpdated": now_millis() - day_ms,
    });
    emulator
        .put_rule_json(2002, twin)
        .expect("rule is an object");
    emulator.inject_fault(create_fault(FaultKind::Status(503)));

    let error = client
        .create_rule(&file_rule("twin"))
        .await
        .expect_err("a day-old rule is not the one this create made");
    let text = error.to_string();
    assert!(text.contains("2002"), "{text}");
    assert!(text.contains("did not take"), "{text}");
}

#[tokio::test]
async fn gateway_error_adopts_fresh_twin() {
    let (emulator, client) = start().await;
    // An identical rule changed just now is what a create that reached the manager leaves.
    let twin = json!({
        "ID": 2003, "name": "fresh", "type": "1", "template": "file",
        "description": "watches /etc", "severity": "high", "fileBaseDirectory": "/etc",
        "fileIncludedValues": ["", "*.conf"], "fileExcludedValues": [""],
        "alertEnabled": true, "realTimeMonitoringEnabled": true, "lastUpdated": now_millis(),
    });
    emulator
        .put_rule_json(2003, twin)
        .expect("rule is an object");
    emulator.inject_fault(create_fault(FaultKind::Status(504)));

    let adopted = client
        .create_rule(&file_rule("fresh"))
        .await
        .expect("the identical fresh rule is adopted");
    assert_eq!(adopted.id, Some(2003));
    assert_eq!(count(&emulator, "POST", RULES_PATH), 1, "create not resent");
}

#[tokio::test]
async fn refused_connection_names_endpoint() {
    // Bind and release a port so that nothing listens on it.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let address = listener.local_addr().expect("bound address");
    drop(listener);
    let endpoint = format!("http://{address}/api");
    let mut config = ClientConfig::new(endpoint.clone(), ApiKey::new(KEY));
    config.max_retries = 2;
    config.retry_base_delay = Duration::from_millis(5);
    config.retry_max_delay = Duration::from_millis(20);
    let client = Client::new(config).expect("valid configuration");

    let started = std::time::Instant::now();
    let error = client
        .create_rule(&file_rule("unreachable"))
        .await
        .expect_err("nothing listens");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "retries were slow"
    );
    assert!(
        !matches!(error, Error::Connection { .. }),
        "a refused connection is not an ambiguous connection error: {error:?}"
    );
    let text = error.to_string();
    assert!(
        text.contains(&format!("cannot connect to {endpoint}")),
        "{text}"
    );
    assert!(text.contains("3 attempts"), "{text}");
    assert!(text.contains("endpoint"), "{text}");
    assert!(text.contains("network"), "{text}");
}

#[tokio::test]
async fn failed_search_reports_create_first() {
    let (emulator, client) = start().await;
    // One fault for the create and one for each attempt of the search that follows it.
    emulator.inject_fault(
        Fault::new(FaultKind::Status(504), 5)
            .with_method(Method::POST)
            .with_path_prefix(RULES_PATH),
    );

    let error = client
        .create_rule(&file_rule("lost"))
        .await
        .expect_err("create and search fail");
    let text = error.to_string();
    assert!(
        text.starts_with("request POST /api/integritymonitoringrules failed with HTTP 504"),
        "{text}"
    );
    assert!(
        text.contains("request POST /api/integritymonitoringrules/search failed with HTTP 504"),
        "{text}"
    );
    assert!(text.contains("\"lost\""), "{text}");
    assert_eq!(count(&emulator, "POST", RULES_PATH), 1);
    assert_eq!(count(&emulator, "POST", &format!("{RULES_PATH}/search")), 4);
    // The resource layer searches again after an error that carries a 5xx status, so the
    // combined error must not carry one.
    assert_eq!(error.status(), None, "{error:?}");
}

#[tokio::test]
async fn error_messages_join_cleanly() {
    let (emulator, client) = start().await;
    let cases: Vec<(&str, Error, &str, bool)> = vec![
        (
            "401 wrong key",
            Client::new(config(&emulator, "not-the-key"))
                .expect("valid configuration")
                .get_rule(101)
                .await
                .expect_err("wrong key"),
            "request GET /api/integritymonitoringrules/101 failed: not authorized (HTTP 401): \
             Invalid API key; check the API key",
            true,
        ),
        (
            "403 vendor rule",
            client
                .modify_rule(
                    101,
                    &ImRule {
                        description: Some("changed".into()),
                        ..ImRule::default()
                    },
                )
                .await
                .expect_err("vendor rule"),
            "request POST /api/integritymonitoringrules/101 failed with HTTP 403: \
             The requested modification is not permitted",
            false,
        ),
        (
            "404 without base path",
            {
                let url = emulator.base_url();
                let root = url.trim_end_matches('/').trim_end_matches("/api");
                let mut config = config(&emulator, KEY);
                config.base_url = root.to_string();
                Client::new(config)
                    .expect("valid configuration")
                    .get_rule(101)
                    .await
                    .expect_err("no API at the root")
            },
            "request GET /integritymonitoringrules/101 failed: not found (HTTP 404): \
             The requested resource was not found",
            false,
        ),
    ];
    for (name, error, prefix, auth_hint) in cases {
        let text = error.with_causes();
        assert!(text.starts_with(prefix), "case {name}: {text}");
        assert!(!text.contains(".;"), "case {name}: {text}");
        assert!(!text.ends_with('.'), "case {name}: {text}");
        assert_eq!(text.contains("API key"), auth_hint, "case {name}: {text}");
    }
}
