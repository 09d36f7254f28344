//! Acceptance tests of `workload_policy_integrity_monitoring`: the real `terraform` CLI runs the
//! provider binary against an in-process API emulator, once per Terraform executable, with the
//! executables in parallel threads.
//!
//! Every step checks the emulator directly: the policy's IM parts, the requests the provider
//! sent, and that everything of the policies outside Integrity Monitoring is byte-for-byte
//! unchanged.

mod support;

use std::thread;

use serde_json::{json, Value};
use terraform_provider_workload::emulator::{
    Emulator, EmulatorConfig, EmulatorHandle, Fault, FaultKind, RequestRecord,
};
use tokio::runtime::Runtime;

use support::{terraform_binaries, Terraform, Workdir};

const API_KEY: &str = "policy-acceptance-key";

/// Seeded policies: a parent, its child and a second top-level policy.
const POLICY_IDS: [i64; 3] = [1, 2, 3];

const CPU: &str = "integrityMonitoringSettingCpuUsageLevel";
const REALTIME: &str = "integrityMonitoringSettingRealtimeEnabled";
const AUTO_APPLY: &str = "integrityMonitoringSettingAutoApplyRecommendationsEnabled";
const HASH: &str = "integrityMonitoringSettingContentHashAlgorithm";
const SOURCE: &str = "integrityMonitoringSettingCombinedModeProtectionSource";
const SYSLOG: &str = "integrityMonitoringSettingSyslogConfigId";

/// An emulator on a runtime that lives as long as the test, and a Terraform working directory
/// pointed at it.
struct Fixture {
    emulator: EmulatorHandle,
    workdir: Workdir,
    /// The policies' JSON outside Integrity Monitoring when the fixture started.
    non_im_before: Vec<String>,
    // Dropped last, after the emulator handle.
    _runtime: Runtime,
}

impl Fixture {
    fn new(terraform: &Terraform) -> Fixture {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a tokio runtime starts");
        let emulator = runtime
            .block_on(Emulator::start(EmulatorConfig::local(API_KEY)))
            .expect("the emulator starts on 127.0.0.1");
        let mut workdir = Workdir::new(terraform);
        workdir
            .set_env("WORKLOAD_SECURITY_ENDPOINT", &emulator.base_url())
            .set_env("WORKLOAD_SECURITY_API_KEY", API_KEY);
        let non_im_before = POLICY_IDS
            .iter()
            .map(|id| non_im_parts(&policy(&emulator, *id)))
            .collect();
        Fixture {
            emulator,
            workdir,
            non_im_before,
            _runtime: runtime,
        }
    }

    /// Checks that nothing of any policy outside Integrity Monitoring changed.
    fn assert_non_im_unchanged(&self, step: &str) {
        for (id, before) in POLICY_IDS.iter().zip(&self.non_im_before) {
            let now = non_im_parts(&policy(&self.emulator, *id));
            assert_eq!(
                &now, before,
                "{step}: policy {id} changed outside Integrity Monitoring"
            );
        }
    }

    /// Returns the write requests (every method but GET) logged since the last clear.
    fn writes(&self) -> Vec<RequestRecord> {
        self.emulator
            .requests()
            .into_iter()
            .filter(|request| request.method != "GET")
            .collect()
    }

    fn version(&self) -> String {
        self.workdir.terraform().version.to_string()
    }
}

/// Returns the policy as stored: only what it sets itself.
fn policy(emulator: &EmulatorHandle, id: i64) -> Value {
    emulator
        .policy_json(id)
        .unwrap_or_else(|| panic!("policy {id} exists in the emulator"))
}

/// Serialises a policy without its `integrityMonitoring` and IM settings, keeping key order.
fn non_im_parts(policy: &Value) -> String {
    let mut rest = policy.clone();
    if let Some(object) = rest.as_object_mut() {
        object.shift_remove("integrityMonitoring");
        if let Some(Value::Object(settings)) = object.get_mut("policySettings") {
            settings.retain(|name, _| !name.starts_with("integrityMonitoringSetting"));
        }
    }
    serde_json::to_string(&rest).expect("JSON values serialise")
}

/// Returns a policy's own value of setting `name`, if it sets one.
fn own_setting(emulator: &EmulatorHandle, id: i64, name: &str) -> Option<String> {
    policy(emulator, id)["policySettings"][name]["value"]
        .as_str()
        .map(str::to_string)
}

/// Returns a policy's own `integrityMonitoring` object.
fn own_im(emulator: &EmulatorHandle, id: i64) -> Value {
    policy(emulator, id)["integrityMonitoring"].clone()
}

/// Runs `scenario` once per Terraform executable, each in its own thread.
fn for_each_terraform(scenario: fn(&Terraform)) {
    let binaries = terraform_binaries();
    thread::scope(|scope| {
        let handles: Vec<_> = binaries
            .iter()
            .map(|terraform| (terraform, scope.spawn(move || scenario(terraform))))
            .collect();
        let failed: Vec<String> = handles
            .into_iter()
            .filter_map(|(terraform, handle)| handle.join().err().map(|_| terraform.to_string()))
            .collect();
        assert!(failed.is_empty(), "scenario failed with {failed:?}");
    });
}

/// Returns stdout and stderr with every run of whitespace made one space, since Terraform wraps
/// diagnostic text at its own width.
fn flat(output: &support::TfOutput) -> String {
    format!("{} {}", output.stdout, output.stderr)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Sorts request records into `METHOD path` lines, for comparing the calls of a step.
fn calls(requests: &[RequestRecord]) -> Vec<String> {
    let mut lines: Vec<String> = requests
        .iter()
        .map(|request| format!("{} {}", request.method, request.path))
        .collect();
    lines.sort();
    lines
}

const CREATE_CONFIG: &str = r#"
resource "workload_policy_integrity_monitoring" "linux" {
  policy_id                  = 2
  state                      = "real-time"
  rule_ids                   = [105, 102]
  cpu_usage_level            = "low"
  realtime_enabled           = true
  auto_apply_recommendations = false
  content_hash_algorithm     = "SHA256"
}

resource "workload_policy_integrity_monitoring" "windows" {
  policy_id                       = 3
  state                           = "on"
  rule_ids                        = [104]
  combined_mode_protection_source = "agent preferred"
}
"#;

/// The create configuration with the rule IDs in another order.
const SHUFFLED_CONFIG: &str = r#"
resource "workload_policy_integrity_monitoring" "linux" {
  policy_id                  = 2
  state                      = "real-time"
  rule_ids                   = [102, 105]
  cpu_usage_level            = "low"
  realtime_enabled           = true
  auto_apply_recommendations = false
  content_hash_algorithm     = "SHA256"
}

resource "workload_policy_integrity_monitoring" "windows" {
  policy_id                       = 3
  state                           = "on"
  rule_ids                        = [104]
  combined_mode_protection_source = "agent preferred"
}
"#;

/// Changes state, rules and settings, and removes `auto_apply_recommendations`.
const UPDATE_CONFIG: &str = r#"
resource "workload_policy_integrity_monitoring" "linux" {
  policy_id              = 2
  state                  = "on"
  rule_ids               = [101, 105]
  cpu_usage_level        = "high"
  realtime_enabled       = true
  content_hash_algorithm = "SHA256"
  syslog_config_id       = 0
}

resource "workload_policy_integrity_monitoring" "windows" {
  policy_id                       = 3
  state                           = "on"
  rule_ids                        = []
  combined_mode_protection_source = "agent preferred"
}
"#;

/// The update configuration with `reset_on_destroy = false` on the Windows policy.
const KEEP_CONFIG: &str = r#"
resource "workload_policy_integrity_monitoring" "linux" {
  policy_id              = 2
  state                  = "on"
  rule_ids               = [101, 105]
  cpu_usage_level        = "high"
  realtime_enabled       = true
  content_hash_algorithm = "SHA256"
  syslog_config_id       = 0
}

resource "workload_policy_integrity_monitoring" "windows" {
  policy_id                       = 3
  state                           = "on"
  rule_ids                        = []
  combined_mode_protection_source = "agent preferred"
  reset_on_destroy                = false
}
"#;

fn lifecycle_scenario(terraform: &Terraform) {
    let fixture = Fixture::new(terraform);
    let emulator = &fixture.emulator;
    let workdir = &fixture.workdir;
    let version = fixture.version();
    let initial_linux = policy(emulator, 2);

    // Create: one modify per policy, then the recommendations.
    workdir.write_config(CREATE_CONFIG);
    workdir.apply();
    assert_eq!(
        calls(&emulator.requests()),
        [
            "GET /api/policies/2/integritymonitoring/assignments",
            "GET /api/policies/3/integritymonitoring/assignments",
            "POST /api/policies/2",
            "POST /api/policies/3",
        ],
        "{version}: create calls"
    );
    let linux = own_im(emulator, 2);
    assert_eq!(linux["state"], "real-time", "{version}: linux state");
    assert_eq!(
        linux["ruleIDs"],
        json!([102, 105]),
        "{version}: linux rules"
    );
    assert_eq!(own_setting(emulator, 2, CPU).as_deref(), Some("Low"));
    assert_eq!(own_setting(emulator, 2, REALTIME).as_deref(), Some("true"));
    assert_eq!(own_setting(emulator, 2, AUTO_APPLY).as_deref(), Some("No"));
    assert_eq!(own_setting(emulator, 2, HASH).as_deref(), Some("sha256"));
    let windows = own_im(emulator, 3);
    assert_eq!(windows["state"], "on", "{version}: windows state");
    assert_eq!(windows["ruleIDs"], json!([104]), "{version}: windows rules");
    assert_eq!(
        own_setting(emulator, 3, SOURCE).as_deref(),
        Some("Agent preferred")
    );
    fixture.assert_non_im_unchanged("create");
    let state = workdir.state_resource("workload_policy_integrity_monitoring.linux");
    assert_eq!(state["id"], "2", "{version}: id");
    assert_eq!(
        state["content_hash_algorithm"], "SHA256",
        "{version}: config kept"
    );
    assert_eq!(state["reset_on_destroy"], true, "{version}: default");
    assert_eq!(
        state["module_status"]["status"], "active",
        "{version}: status"
    );
    let windows_state = workdir.state_resource("workload_policy_integrity_monitoring.windows");
    assert_eq!(
        windows_state["recommended_to_assign_rule_ids"],
        json!([]),
        "{version}: recommendations"
    );

    // A second plan is empty, also with rules and values in another order or case.
    workdir.assert_plan_empty();
    let mut shuffled = policy(emulator, 2);
    shuffled["integrityMonitoring"]["ruleIDs"] = json!([105, 102]);
    emulator
        .put_policy_json(2, shuffled)
        .expect("policy 2 exists");
    emulator
        .set_setting(2, REALTIME, "TRUE")
        .expect("policy 2 exists");
    emulator
        .set_setting(2, HASH, "Sha256")
        .expect("policy 2 exists");
    workdir.write_config(SHUFFLED_CONFIG);
    workdir.assert_plan_empty();

    // Update state, rules and settings. The removed setting is reset on the server.
    emulator.clear_requests();
    workdir.write_config(UPDATE_CONFIG);
    workdir.apply();
    assert_eq!(
        calls(&fixture.writes()),
        [
            format!("DELETE /api/policies/2/settings/{AUTO_APPLY}"),
            "POST /api/policies/2".to_string(),
            "PUT /api/policies/3/integritymonitoring/assignments".to_string(),
        ],
        "{version}: update calls"
    );
    let modify = fixture
        .writes()
        .into_iter()
        .find(|request| request.is("POST", "/api/policies/2"))
        .and_then(|request| request.body)
        .expect("the modify has a body");
    assert_eq!(
        modify,
        json!({
            "integrityMonitoring": {"state": "on", "ruleIDs": [101, 105]},
            "policySettings": {CPU: {"value": "High"}, SYSLOG: {"value": "0"}},
        }),
        "{version}: the modify sends only what changed"
    );
    let linux = own_im(emulator, 2);
    assert_eq!(linux["state"], "on", "{version}: updated state");
    assert_eq!(
        linux["ruleIDs"],
        json!([101, 105]),
        "{version}: updated rules"
    );
    assert_eq!(
        own_setting(emulator, 2, AUTO_APPLY),
        None,
        "{version}: reset"
    );
    assert_eq!(own_setting(emulator, 2, CPU).as_deref(), Some("High"));
    assert_eq!(own_setting(emulator, 2, SYSLOG).as_deref(), Some("0"));
    assert_eq!(
        own_im(emulator, 3).get("ruleIDs"),
        None,
        "{version}: cleared"
    );
    fixture.assert_non_im_unchanged("update");
    workdir.assert_plan_empty();

    // Out-of-band changes show as drift and the next apply corrects them.
    emulator
        .set_assignments(2, &[102])
        .expect("policy 2 exists");
    emulator
        .set_setting(2, CPU, "Low")
        .expect("policy 2 exists");
    emulator.delete_setting(2, SYSLOG).expect("policy 2 exists");
    let mut off = policy(emulator, 2);
    off["integrityMonitoring"]["state"] = json!("off");
    emulator.put_policy_json(2, off).expect("policy 2 exists");
    let drift = workdir.plan_exit_code();
    assert_eq!(drift.code, 2, "{version}: drift is a change\n{drift}");
    workdir.apply();
    let linux = own_im(emulator, 2);
    assert_eq!(linux["state"], "on", "{version}: state corrected");
    assert_eq!(
        linux["ruleIDs"],
        json!([101, 105]),
        "{version}: rules corrected"
    );
    assert_eq!(own_setting(emulator, 2, CPU).as_deref(), Some("High"));
    assert_eq!(own_setting(emulator, 2, SYSLOG).as_deref(), Some("0"));
    fixture.assert_non_im_unchanged("drift");
    workdir.assert_plan_empty();

    // Import fills the same state, so the configuration plans nothing.
    let before_import = workdir.state_resource("workload_policy_integrity_monitoring.linux");
    let removed = workdir.run(&["state", "rm", "workload_policy_integrity_monitoring.linux"]);
    assert!(removed.success(), "{version}: state rm\n{removed}");
    workdir.import("workload_policy_integrity_monitoring.linux", "2");
    let imported = workdir.state_resource("workload_policy_integrity_monitoring.linux");
    for name in [
        "id",
        "policy_id",
        "state",
        "rule_ids",
        "cpu_usage_level",
        "realtime_enabled",
        "syslog_config_id",
        "reset_on_destroy",
        "module_status",
    ] {
        assert_eq!(
            imported[name], before_import[name],
            "{version}: imported {name}"
        );
    }
    assert_eq!(
        imported["content_hash_algorithm"], "Sha256",
        "{version}: API form"
    );
    workdir.assert_plan_empty();

    // reset_on_destroy = false changes nothing remote, and destroy then leaves policy 3 alone.
    workdir.write_config(KEEP_CONFIG);
    emulator.clear_requests();
    workdir.apply();
    assert_eq!(
        fixture.writes(),
        vec![],
        "{version}: no write for reset_on_destroy"
    );
    let windows_before = policy(emulator, 3);
    emulator.clear_requests();
    workdir.destroy();
    assert_eq!(
        policy(emulator, 3),
        windows_before,
        "{version}: policy 3 kept"
    );
    assert_eq!(
        calls(&fixture.writes()),
        [
            format!("DELETE /api/policies/2/settings/{HASH}"),
            format!("DELETE /api/policies/2/settings/{CPU}"),
            format!("DELETE /api/policies/2/settings/{REALTIME}"),
            format!("DELETE /api/policies/2/settings/{SYSLOG}"),
            "POST /api/policies/2".to_string(),
            "PUT /api/policies/2/integritymonitoring/assignments".to_string(),
        ],
        "{version}: destroy calls"
    );
    assert_eq!(
        policy(emulator, 2),
        initial_linux,
        "{version}: policy 2 is back to its seeded form"
    );
    fixture.assert_non_im_unchanged("destroy");
}

#[test]
fn lifecycle_create_update_import_destroy() {
    for_each_terraform(lifecycle_scenario);
}

const INVALID_CONFIG: &str = r#"
resource "workload_policy_integrity_monitoring" "bad" {
  policy_id       = 0
  state           = "ON"
  cpu_usage_level = "max"
}
"#;

const CONFLICT_CONFIG: &str = r#"
resource "workload_policy_integrity_monitoring" "first" {
  policy_id = 1
  state     = "on"
}

resource "workload_policy_integrity_monitoring" "second" {
  policy_id = 1
  state     = "off"
}
"#;

const MISSING_POLICY_CONFIG: &str = r#"
resource "workload_policy_integrity_monitoring" "missing" {
  policy_id = 999
  state     = "on"
}
"#;

const MISSING_RULE_CONFIG: &str = r#"
resource "workload_policy_integrity_monitoring" "base" {
  policy_id = 1
  state     = "on"
  rule_ids  = [99999]
}
"#;

const WINDOWS_OFF_CONFIG: &str = r#"
resource "workload_policy_integrity_monitoring" "windows" {
  policy_id = 3
  state     = "off"
}
"#;

fn errors_scenario(terraform: &Terraform) {
    let fixture = Fixture::new(terraform);
    let emulator = &fixture.emulator;
    let workdir = &fixture.workdir;
    let version = fixture.version();
    let seeded_base = policy(emulator, 1);

    // Validation reports every problem with its attribute, before any API call.
    workdir.write_config(INVALID_CONFIG);
    let invalid = workdir.plan_exit_code();
    assert_eq!(invalid.code, 1, "{version}: invalid config\n{invalid}");
    for expected in [
        "Invalid policy ID",
        "Invalid Integrity Monitoring state",
        "Invalid Integrity Monitoring setting",
        "cpu_usage_level = \"max\"",
    ] {
        assert!(
            flat(&invalid).contains(expected),
            "{version}: expected {expected:?}\n{invalid}"
        );
    }
    assert_eq!(emulator.requests(), vec![], "{version}: no request");

    // Two resources on one policy are a plan-time conflict.
    workdir.write_config(CONFLICT_CONFIG);
    let conflict = workdir.plan_exit_code();
    assert_eq!(conflict.code, 1, "{version}: conflict\n{conflict}");
    assert!(
        flat(&conflict).contains("Policy managed twice"),
        "{version}: conflict message\n{conflict}"
    );
    assert_eq!(emulator.requests(), vec![], "{version}: no request");

    // A missing policy fails the create with its ID.
    workdir.write_config(MISSING_POLICY_CONFIG);
    let missing = workdir.apply_expect_error();
    assert!(
        flat(&missing).contains("Policy 999 does not exist"),
        "{version}: missing policy message\n{missing}"
    );
    assert!(
        flat(&missing).contains("policy_id = 999"),
        "{version}: missing policy path\n{missing}"
    );

    // Import of a missing policy or of an ID that is no number fails with the ID.
    for (id, expected) in [
        ("999", "Policy 999 does not exist"),
        ("linux", "The import ID \"linux\" is not a policy ID"),
    ] {
        let import = workdir.run(&["import", "workload_policy_integrity_monitoring.missing", id]);
        assert_eq!(import.code, 1, "{version}: import {id}\n{import}");
        assert!(
            flat(&import).contains(expected),
            "{version}: import {id} message\n{import}"
        );
    }

    // A missing rule fails with the API's message at `rule_ids`, and changes nothing.
    workdir.write_config(MISSING_RULE_CONFIG);
    let missing_rule = workdir.apply_expect_error();
    assert!(
        flat(&missing_rule).contains("Integrity monitoring rule ID 99999 does not exist."),
        "{version}: missing rule message\n{missing_rule}"
    );
    assert!(
        flat(&missing_rule).contains("rule_ids = [99999]"),
        "{version}: missing rule path\n{missing_rule}"
    );
    assert!(
        flat(&missing_rule).contains("Failed to configure Integrity Monitoring"),
        "{version}: a failed create is named as such\n{missing_rule}"
    );
    assert_eq!(policy(emulator, 1), seeded_base, "{version}: policy 1 kept");

    // A policy that disappears is removed from state with a warning.
    workdir.write_config(WINDOWS_OFF_CONFIG);
    workdir.apply();
    emulator.inject_fault(
        Fault::new(FaultKind::Status(404), 1)
            .with_method(reqwest::Method::GET)
            .with_path_prefix("/api/policies/3"),
    );
    let vanished = workdir.plan_exit_code();
    assert_eq!(vanished.code, 2, "{version}: planned again\n{vanished}");
    assert!(
        flat(&vanished).contains("Policy not found"),
        "{version}: warning\n{vanished}"
    );
    fixture.assert_non_im_unchanged("errors");
}

#[test]
fn errors_reported_with_attribute_paths() {
    for_each_terraform(errors_scenario);
}

/// Rule IDs known only after apply: the linux policy's rules depend on the base policy's
/// module status, which is unknown until the base policy is applied.
const UNKNOWN_RULES_CONFIG: &str = r#"
resource "workload_policy_integrity_monitoring" "base" {
  policy_id = 1
  state     = "on"
}

resource "workload_policy_integrity_monitoring" "linux" {
  policy_id = 2
  state     = "inherited"
  rule_ids  = workload_policy_integrity_monitoring.base.module_status.status == "active" ? [2001, 2002] : [105]
}
"#;

fn unknown_rules_scenario(terraform: &Terraform) {
    let fixture = Fixture::new(terraform);
    let emulator = &fixture.emulator;
    let workdir = &fixture.workdir;
    let version = fixture.version();
    for id in [2001, 2002] {
        let rule = json!({"name": format!("Custom rule {id}"), "template": "file"});
        emulator.put_rule_json(id, rule).expect("rules are objects");
    }

    workdir.write_config(UNKNOWN_RULES_CONFIG);
    let plan = workdir.plan_exit_code();
    assert_eq!(plan.code, 2, "{version}: plan\n{plan}");
    assert!(
        plan.stdout.contains("rule_ids") && plan.stdout.contains("(known after apply)"),
        "{version}: unknown rules planned\n{plan}"
    );
    workdir.apply();
    assert_eq!(own_im(emulator, 2)["ruleIDs"], json!([2001, 2002]));
    assert_eq!(
        own_im(emulator, 2).get("state"),
        None,
        "{version}: inherited"
    );
    assert_eq!(
        own_im(emulator, 1)["ruleIDs"],
        json!([101, 103]),
        "{version}: unmanaged"
    );
    let base = workdir.state_resource("workload_policy_integrity_monitoring.base");
    assert_eq!(base["rule_ids"], Value::Null, "{version}: rules unmanaged");
    assert_eq!(
        base["recommended_to_assign_rule_ids"],
        json!([104]),
        "{version}: recommendations"
    );
    let linux = workdir.state_resource("workload_policy_integrity_monitoring.linux");
    assert_eq!(linux["state"], "inherited", "{version}: inherited kept");
    assert_eq!(
        linux["module_status"]["status_message"], "On, 4 rules",
        "{version}: status counts inherited rules"
    );

    // A refresh reads each policy with two calls and the plan is empty.
    emulator.clear_requests();
    workdir.assert_plan_empty();
    assert_eq!(
        calls(&emulator.requests()),
        [
            "GET /api/policies/1",
            "GET /api/policies/1/integritymonitoring/assignments",
            "GET /api/policies/2",
            "GET /api/policies/2/integritymonitoring/assignments",
        ],
        "{version}: read calls"
    );
    assert!(
        emulator
            .requests()
            .iter()
            .all(|request| request.query.as_deref() == Some("overrides=true")),
        "{version}: reads use overrides=true"
    );

    // The module status counts the parent's rules, so updating the child after the parent's
    // rules changed out of band must not plan the old status (no refresh to catch it first).
    emulator
        .set_assignments(1, &[101])
        .expect("policy 1 exists");
    workdir.write_config(&UNKNOWN_RULES_CONFIG.replace(
        "state     = \"inherited\"",
        "state     = \"inherited\"\n  cpu_usage_level = \"low\"",
    ));
    let updated = workdir.run(&["apply", "-auto-approve", "-refresh=false"]);
    assert_eq!(
        updated.code, 0,
        "{version}: update after the parent changed out of band\n{updated}"
    );
    let linux = workdir.state_resource("workload_policy_integrity_monitoring.linux");
    assert_eq!(
        linux["module_status"]["status_message"], "On, 3 rules",
        "{version}: status read back after the update"
    );
    emulator
        .set_assignments(1, &[101, 103])
        .expect("policy 1 exists");

    workdir.destroy();
    assert_eq!(
        own_im(emulator, 2).get("ruleIDs"),
        None,
        "{version}: rules removed"
    );
    assert_eq!(
        own_im(emulator, 1).get("state"),
        None,
        "{version}: state inherited"
    );
    assert_eq!(
        own_im(emulator, 1)["ruleIDs"],
        json!([101, 103]),
        "{version}: kept"
    );
    fixture.assert_non_im_unchanged("unknown rules");
}

#[test]
fn unknown_rule_ids_assigned_on_apply() {
    for_each_terraform(unknown_rules_scenario);
}

/// Rules created by `workload_im_rule` and assigned to a policy in the same apply.
const NEW_RULES_CONFIG: &str = r#"
resource "workload_im_rule" "passwd" {
  name                 = "Watch /etc/passwd"
  template             = "file"
  file_base_directory  = "/etc"
  file_included_values = ["passwd"]
}

resource "workload_im_rule" "hosts" {
  name                 = "Watch /etc/hosts"
  template             = "file"
  file_base_directory  = "/etc"
  file_included_values = ["hosts"]
}

resource "workload_policy_integrity_monitoring" "linux" {
  policy_id       = 2
  state           = "real-time"
  rule_ids        = [workload_im_rule.passwd.id, workload_im_rule.hosts.id, 105]
  cpu_usage_level = "medium"
}
"#;

fn new_rules_scenario(terraform: &Terraform) {
    let fixture = Fixture::new(terraform);
    let emulator = &fixture.emulator;
    let workdir = &fixture.workdir;
    let version = fixture.version();
    let seeded_linux = policy(emulator, 2);
    let seeded_rules = emulator.rule_ids();

    workdir.write_config(NEW_RULES_CONFIG);
    workdir.apply();
    let created: Vec<i64> = emulator
        .rule_ids()
        .into_iter()
        .filter(|id| !seeded_rules.contains(id))
        .collect();
    assert_eq!(created.len(), 2, "{version}: two rules created");
    let mut expected: Vec<i64> = created.iter().copied().chain([105]).collect();
    expected.sort_unstable();
    assert_eq!(
        own_im(emulator, 2)["ruleIDs"],
        json!(expected),
        "{version}: new rules assigned in the same apply"
    );
    assert_eq!(
        own_im(emulator, 2)["state"],
        "real-time",
        "{version}: state"
    );
    fixture.assert_non_im_unchanged("new rules");
    workdir.assert_plan_empty();

    // Destroy resets the policy before the rules it uses are deleted.
    workdir.destroy();
    assert_eq!(
        emulator.rule_ids(),
        seeded_rules,
        "{version}: rules deleted"
    );
    assert_eq!(
        policy(emulator, 2),
        seeded_linux,
        "{version}: policy 2 reset"
    );
    fixture.assert_non_im_unchanged("new rules destroyed");
}

#[test]
fn new_rules_assigned_in_one_apply() {
    for_each_terraform(new_rules_scenario);
}
