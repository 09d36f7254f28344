//! Acceptance tests of `workload_im_rule`: the real `terraform` CLI drives the provider binary
//! against an in-process API emulator on 127.0.0.1, once per Terraform executable found.
//!
//! Each scenario runs in its own thread per Terraform version, with its own emulator, so the
//! versions run in parallel.

mod support;

use serde_json::{json, Value};
use terraform_provider_workload::emulator::{
    Emulator, EmulatorConfig, EmulatorHandle, Fault, FaultKind,
};
use tokio::runtime::Runtime;

use support::{terraform_binaries, Terraform, TfOutput, Workdir};

const API_KEY: &str = "acceptance-key";

/// A seeded policy the delete scenario assigns a rule to.
const POLICY_ID: i64 = 1;

/// An emulator with the runtime that serves it. The runtime must outlive the emulator.
struct Api {
    emulator: EmulatorHandle,
    _runtime: Runtime,
}

impl Api {
    fn start() -> Api {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("a tokio runtime can be built in tests");
        let emulator = runtime
            .block_on(Emulator::start(EmulatorConfig::local(API_KEY)))
            .expect("the emulator starts on a free loopback port");
        Api {
            emulator,
            _runtime: runtime,
        }
    }

    fn workdir(&self, terraform: &Terraform) -> Workdir {
        let mut workdir = Workdir::new(terraform);
        workdir.set_env("WORKLOAD_SECURITY_ENDPOINT", &self.emulator.base_url());
        workdir.set_env("WORKLOAD_SECURITY_API_KEY", API_KEY);
        workdir
    }

    fn rule(&self, id: i64) -> Value {
        self.emulator
            .rule_json(id)
            .unwrap_or_else(|| panic!("the emulator holds no rule {id}"))
    }

    /// Returns the IDs of rules created by users (`type` "1").
    fn user_rule_ids(&self) -> Vec<i64> {
        self.emulator
            .rule_ids()
            .into_iter()
            .filter(|id| {
                self.emulator
                    .rule_json(*id)
                    .is_some_and(|rule| rule["type"] == "1")
            })
            .collect()
    }

    /// Returns the requests that could change something: every method but GET, except searches.
    fn write_requests(&self) -> Vec<String> {
        self.emulator
            .requests()
            .into_iter()
            .filter(|request| request.method != "GET" && !request.path.ends_with("/search"))
            .map(|request| format!("{} {}", request.method, request.path))
            .collect()
    }
}

/// Runs `scenario` once per Terraform executable, each in its own thread.
fn for_each_terraform(scenario: fn(&Terraform)) {
    let binaries = terraform_binaries();
    std::thread::scope(|scope| {
        let handles: Vec<_> = binaries
            .iter()
            .map(|terraform| {
                scope.spawn(move || {
                    eprintln!("running the scenario with Terraform {}", terraform.version);
                    scenario(terraform);
                })
            })
            .collect();
        for (terraform, handle) in binaries.iter().zip(handles) {
            if handle.join().is_err() {
                panic!("the scenario failed with Terraform {}", terraform.version);
            }
        }
    });
}

fn rule_id(workdir: &Workdir, address: &str) -> i64 {
    let state = workdir.state_resource(address);
    state["id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("{address} has no numeric id in state: {state}"))
}

fn decode_base64(text: &Value) -> String {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.as_str().expect("customXML is a string"))
        .expect("customXML is Base64");
    String::from_utf8(bytes).expect("customXML is UTF-8")
}

/// Joins Terraform's wrapped diagnostic lines, dropping the box-drawing margin, so that a
/// message can be searched for whatever the terminal width.
fn flatten(text: &str) -> String {
    text.replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn assert_output_contains(output: &TfOutput, expected: &str) {
    let flat = flatten(&format!("{}\n{}", output.stdout, output.stderr));
    assert!(
        flat.contains(&flatten(expected)),
        "missing {expected:?}\n{output}"
    );
}

/// Runs a Terraform command that must succeed.
fn run_ok(workdir: &Workdir, args: &[&str]) -> TfOutput {
    let output = workdir.run(args);
    assert!(
        output.success(),
        "`terraform {}` failed with Terraform {}\n{output}",
        args.join(" "),
        workdir.terraform().version
    );
    output
}

fn assert_plan_changes(workdir: &Workdir) -> TfOutput {
    let output = workdir.plan_exit_code();
    assert_eq!(
        output.code,
        2,
        "expected planned changes with Terraform {}\n{output}",
        workdir.terraform().version
    );
    output
}

const CUSTOM_XML: &str = r#"<FileSet base="/opt/app">
  <include key="*.jar"/>
</FileSet>
"#;

/// The same document as [`CUSTOM_XML`], reformatted: other quotes, no self-closing tag, CRLF.
const CUSTOM_XML_REFORMATTED: &str =
    "<FileSet   base='/opt/app'>\r\n<include key='*.jar'></include></FileSet>";

fn lifecycle_config(file_rule: &str, custom_xml: &str) -> String {
    // A JSON string literal is also a valid HCL string literal for this text.
    let custom_xml = serde_json::to_string(custom_xml).expect("a string encodes as JSON");
    format!(
        r#"
resource "workload_im_rule" "file" {{
{file_rule}
}}

resource "workload_im_rule" "registry" {{
  name                           = "watch run keys"
  template                       = "registry"
  registry_key_root              = "HKEY_LOCAL_MACHINE"
  registry_key_value             = "Software\\Microsoft\\Windows\\CurrentVersion\\Run"
  registry_include_default_value = false
  registry_included_values       = ["*"]
  severity                       = "critical"
}}

resource "workload_im_rule" "custom" {{
  name       = "watch jars"
  template   = "custom"
  custom_xml = {custom_xml}
  alert_enabled = true
  # Unknown while the file rule is planned for creation.
  description = "see rule ${{workload_im_rule.file.id}}"
}}
"#
    )
}

const FILE_RULE: &str = r#"  name                 = "watch etc"
  description          = "Configuration files"
  template             = "file"
  file_base_directory  = "/etc"
  file_included_values = []
  file_excluded_values = ["*.swp", "*.tmp"]"#;

/// The file rule with its description removed and its template changed to `registry`.
const FILE_RULE_AS_REGISTRY: &str = r#"  name                 = "watch etc"
  template             = "registry"
  registry_key_root    = "HKEY_USERS"
  registry_key_value   = "Software"
  registry_attributes  = []"#;

#[test]
fn im_rule_lifecycle_round_trips() {
    for_each_terraform(lifecycle);
}

fn lifecycle(terraform: &Terraform) {
    let api = Api::start();
    let workdir = api.workdir(terraform);

    // Create one rule of each template, then expect an empty plan.
    workdir.write_config(&lifecycle_config(FILE_RULE, CUSTOM_XML));
    workdir.apply();
    workdir.assert_plan_empty();
    let file_id = rule_id(&workdir, "workload_im_rule.file");
    let registry_id = rule_id(&workdir, "workload_im_rule.registry");
    let custom_id = rule_id(&workdir, "workload_im_rule.custom");
    let file_rule = api.rule(file_id);
    assert_eq!(file_rule["fileBaseDirectory"], "/etc");
    assert_eq!(file_rule["fileExcludedValues"], json!(["*.swp", "*.tmp"]));
    assert_eq!(file_rule["description"], "Configuration files");
    let registry_rule = api.rule(registry_id);
    assert_eq!(registry_rule["registryIncludeDefaultValue"], false);
    assert_eq!(registry_rule["severity"], "critical");
    assert_eq!(decode_base64(&api.rule(custom_id)["customXML"]), CUSTOM_XML);

    let state = workdir.state_resource("workload_im_rule.file");
    assert_eq!(state["file_included_values"], json!([]), "[] round-trips");
    assert_eq!(state["file_attributes"], json!(["STANDARD"]));
    assert_eq!(state["severity"], "medium");
    assert_eq!(state["registry_attributes"], Value::Null);
    assert_eq!(state["file_include_sub_directories"], Value::Null);
    assert_eq!(state["type"], "1");
    assert!(state["last_updated"].is_number(), "{state}");
    let custom_state = workdir.state_resource("workload_im_rule.custom");
    assert_eq!(custom_state["custom_xml"], CUSTOM_XML);
    assert_eq!(custom_state["description"], format!("see rule {file_id}"));

    // Reformatting the XML changes nothing, and state keeps the text it had.
    workdir.write_config(&lifecycle_config(FILE_RULE, CUSTOM_XML_REFORMATTED));
    workdir.assert_plan_empty();

    // Remove the description and change the template: an in-place update with the same ID.
    api.emulator.clear_requests();
    workdir.write_config(&lifecycle_config(FILE_RULE_AS_REGISTRY, CUSTOM_XML));
    let plan = assert_plan_changes(&workdir);
    assert!(
        plan.stdout.contains("1 to change, 0 to destroy"),
        "a template change updates in place\n{plan}"
    );
    workdir.apply();
    workdir.assert_plan_empty();
    assert_eq!(rule_id(&workdir, "workload_im_rule.file"), file_id);
    let changed = api.rule(file_id);
    assert_eq!(changed["template"], "registry");
    assert_eq!(changed["description"], "", "a removed description is reset");
    assert_eq!(changed["registryKeyRoot"], "HKEY_USERS");
    let modify = api
        .emulator
        .requests()
        .into_iter()
        .find(|request| request.is("POST", &format!("/api/integritymonitoringrules/{file_id}")))
        .expect("the update sends a modify request");
    let body = modify.body.expect("the modify request has a body");
    assert!(
        body.get("name").is_none(),
        "unchanged name is not sent: {body}"
    );
    let state = workdir.state_resource("workload_im_rule.file");
    assert_eq!(state["file_attributes"], Value::Null);
    assert_eq!(state["registry_attributes"], json!([]));
    assert_eq!(state["description"], Value::Null);

    // Drift: one rule deleted and one changed out of band are recreated and corrected.
    assert!(api.emulator.delete_rule(registry_id));
    let mut custom_rule = api.rule(custom_id);
    custom_rule["alertEnabled"] = json!(false);
    custom_rule["name"] = json!("renamed elsewhere");
    api.emulator
        .put_rule_json(custom_id, custom_rule)
        .expect("the rule is an object");
    let plan = assert_plan_changes(&workdir);
    assert!(
        plan.stdout.contains("1 to add, 1 to change, 0 to destroy"),
        "drift is corrected\n{plan}"
    );
    workdir.apply();
    workdir.assert_plan_empty();
    assert_eq!(api.rule(custom_id)["name"], "watch jars");
    assert_eq!(api.rule(custom_id)["alertEnabled"], true);
    let registry_id = rule_id(&workdir, "workload_im_rule.registry");
    assert_eq!(
        api.rule(registry_id)["registryKeyRoot"],
        "HKEY_LOCAL_MACHINE"
    );

    // Import every rule into fresh state. A matching configuration then plans nothing.
    let imported = api.workdir(terraform);
    imported.write_config(&lifecycle_config(
        FILE_RULE_AS_REGISTRY,
        CUSTOM_XML_REFORMATTED,
    ));
    for (address, id) in [
        ("workload_im_rule.file", file_id),
        ("workload_im_rule.registry", registry_id),
        ("workload_im_rule.custom", custom_id),
    ] {
        imported.import(address, &id.to_string());
    }
    imported.assert_plan_empty();
    let state = imported.state_resource("workload_im_rule.registry");
    assert_eq!(state["registry_include_default_value"], false);
    assert_eq!(state["registry_include_sub_keys"], Value::Null);
    assert_eq!(state["registry_included_values"], json!(["*"]));
    assert_eq!(state["name"], "watch run keys");

    // Destroy leaves no user rule.
    workdir.destroy();
    assert_eq!(api.user_rule_ids(), Vec::<i64>::new());
}

#[test]
fn im_rule_rejects_invalid_config() {
    for_each_terraform(invalid_config);
}

fn invalid_config(terraform: &Terraform) {
    let api = Api::start();
    let workdir = api.workdir(terraform);
    workdir.write_config(
        r#"
resource "workload_im_rule" "mixed" {
  name              = "mixed"
  template          = "file"
  severity          = "urgent"
  registry_key_root = "HKEY_USERS"
}

resource "workload_im_rule" "registry" {
  name                 = "registry"
  template             = "registry"
  recommendations_mode = "on"
}

resource "workload_im_rule" "custom" {
  name       = "custom"
  template   = "custom"
  custom_xml = "<FileSet>\n  <include key='a'>\n</FileSet>"
}

resource "workload_im_rule" "template" {
  name     = "template"
  template = "network"
}
"#,
    );
    let output = workdir.plan_exit_code();
    assert_eq!(output.code, 1, "plan fails\n{output}");
    let expected = [
        "\"urgent\" is not a valid severity",
        "`low`, `medium`, `high`, `critical`",
        "registry_key_root applies only to rules with template = \"registry\"",
        "Missing file_base_directory",
        "Missing registry_key_root",
        "Missing registry_key_value",
        "\"on\" is not a valid recommendations_mode",
        "custom_xml is not well-formed XML: line 3, column 1",
        "\"network\" is not a valid template",
    ];
    for text in expected {
        assert_output_contains(&output, text);
    }
    // Terraform quotes the configured expression of each attribute a diagnostic points at.
    for line in [
        "severity          = \"urgent\"",
        "registry_key_root = \"HKEY_USERS\"",
        "recommendations_mode = \"on\"",
        "template = \"network\"",
    ] {
        assert_output_contains(&output, line);
    }
    assert_eq!(api.write_requests(), Vec::<String>::new());
}

#[test]
fn im_rule_handles_api_failures() {
    for_each_terraform(api_failures);
}

fn api_failures(terraform: &Terraform) {
    let api = Api::start();
    let workdir = api.workdir(terraform);

    // Import needs a numeric ID of an existing rule.
    workdir.write_config(
        "resource \"workload_im_rule\" \"x\" {\n  name = \"x\"\n  template = \"file\"\n  \
         file_base_directory = \"/x\"\n}\n",
    );
    let output = workdir.run(&["import", "workload_im_rule.x", "abc"]);
    assert_eq!(output.code, 1, "{output}");
    assert_output_contains(&output, "Invalid import ID");
    let output = workdir.run(&["import", "workload_im_rule.x", "99999"]);
    assert_eq!(output.code, 1, "{output}");
    assert_output_contains(&output, "No integrity monitoring rule has ID 99999");

    // A rule that a policy uses cannot be deleted, so it stays in state.
    workdir.apply();
    let id = rule_id(&workdir, "workload_im_rule.x");
    api.emulator
        .set_assignments(POLICY_ID, &[id])
        .expect("the seeded policy exists");
    let output = workdir.run(&["destroy", "-auto-approve"]);
    assert_eq!(output.code, 1, "{output}");
    assert_output_contains(&output, "cannot be deleted because it is assigned");
    assert_eq!(rule_id(&workdir, "workload_im_rule.x"), id);
    api.emulator
        .set_assignments(POLICY_ID, &[])
        .expect("the seeded policy exists");

    // A rule deleted out of band before destroy counts as deleted.
    assert!(api.emulator.delete_rule(id));
    workdir.destroy();
    assert_eq!(api.user_rule_ids(), Vec::<i64>::new());

    // A create whose response and follow-up search are lost fails with the create's error
    // first, keeps the unconfirmed rule out of the state, and advises an import.
    workdir.write_config(
        "provider \"workload\" {\n  max_retries = 0\n}\n\n\
         resource \"workload_im_rule\" \"x\" {\n  name = \"x\"\n  template = \"file\"\n  \
         file_base_directory = \"/x\"\n}\n",
    );
    api.emulator.inject_fault(
        Fault::new(FaultKind::DropAfterProcessing, 2)
            .with_method(axum::http::Method::POST)
            .with_path_prefix("/api/integritymonitoringrules"),
    );
    let output = workdir.apply_expect_error();
    assert_output_contains(&output, "request POST /api/integritymonitoringrules failed");
    assert_output_contains(&output, "the search for it by name failed as well");
    assert_output_contains(&output, "import it if it exists");
    let created = api.user_rule_ids();
    assert_eq!(created.len(), 1, "one rule was made");
    let state = workdir.show_json();
    let resources = &state["values"]["root_module"]["resources"];
    assert!(resources.as_array().is_none_or(Vec::is_empty), "{state}");

    // Importing the rule as the error advises brings it under management.
    let import_id = created[0].to_string();
    let output = workdir.run(&["import", "workload_im_rule.x", &import_id]);
    assert_eq!(output.code, 0, "{output}");
    workdir.destroy();
    assert_eq!(api.user_rule_ids(), Vec::<i64>::new());

    // An HTTP 500 on create leaves a hand-made rule with the same name alone.
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|since| since.as_millis() as i64)
        .expect("the clock is after 1970");
    let hand_made = json!({
        "ID": 2001, "name": "x", "type": "1", "template": "registry",
        "registryKeyRoot": "HKEY_LOCAL_MACHINE", "registryKeyValue": "Software\\Precious",
        "lastUpdated": now_ms,
    });
    api.emulator
        .put_rule_json(2001, hand_made.clone())
        .expect("rule is an object");
    api.emulator.inject_fault(
        Fault::new(FaultKind::Status(500), 1)
            .with_method(axum::http::Method::POST)
            .with_path_prefix("/api/integritymonitoringrules"),
    );
    let output = workdir.apply_expect_error();
    assert_output_contains(&output, "already exists (ID 2001)");
    assert_output_contains(&output, "did not take it over");
    let state = workdir.show_json();
    let resources = &state["values"]["root_module"]["resources"];
    assert!(resources.as_array().is_none_or(Vec::is_empty), "{state}");
    assert_eq!(api.emulator.rule_json(2001), Some(hand_made));
    assert!(api.emulator.delete_rule(2001));
}

/// A seeded policy without rule assignments, for the scenarios that assign rules through a
/// `workload_policy_integrity_monitoring`.
const WINDOWS_POLICY_ID: i64 = 3;

/// Builds a configuration of file rules, one per directory, that a policy resource assigns. With
/// `create_before_destroy`, the rules carry that lifecycle setting.
fn assigned_rules_config(directories: &[&str], create_before_destroy: bool) -> String {
    let directories = serde_json::to_string(directories).expect("strings encode as JSON");
    let lifecycle = if create_before_destroy {
        "\n  lifecycle {\n    create_before_destroy = true\n  }\n"
    } else {
        ""
    };
    format!(
        r#"
resource "workload_im_rule" "dirs" {{
  for_each            = toset({directories})
  name                = "watch ${{each.key}}"
  template            = "file"
  file_base_directory = each.key
{lifecycle}}}

resource "workload_policy_integrity_monitoring" "policy" {{
  policy_id = {WINDOWS_POLICY_ID}
  rule_ids  = [for rule in workload_im_rule.dirs : rule.id]
}}
"#
    )
}

/// Returns the rule IDs the policy lists directly, sorted.
fn assigned_rule_ids(api: &Api) -> Vec<i64> {
    let policy = api
        .emulator
        .policy_json(WINDOWS_POLICY_ID)
        .expect("the seeded policy exists");
    let mut ids: Vec<i64> = policy["integrityMonitoring"]["ruleIDs"]
        .as_array()
        .map(|ids| ids.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default();
    ids.sort_unstable();
    ids
}

#[test]
fn im_rule_removed_from_policy() {
    for_each_terraform(removed_from_policy);
}

fn removed_from_policy(terraform: &Terraform) {
    // Without create_before_destroy, Terraform deletes a rule dropped from the set before it
    // updates the policy, so the delete fails and the detail names the ways out.
    let api = Api::start();
    let workdir = api.workdir(terraform);
    workdir.write_config(&assigned_rules_config(&["/a", "/b"], false));
    workdir.apply();
    let kept = rule_id(&workdir, "workload_im_rule.dirs[\"/a\"]");
    let dropped = rule_id(&workdir, "workload_im_rule.dirs[\"/b\"]");
    let mut both = vec![kept, dropped];
    both.sort_unstable();
    assert_eq!(assigned_rule_ids(&api), both);

    workdir.write_config(&assigned_rules_config(&["/a"], false));
    let output = workdir.apply_expect_error();
    assert_output_contains(&output, "cannot be deleted because it is assigned");
    assert_output_contains(&output, "create_before_destroy = true");
    assert_output_contains(&output, "put the rule back into the configuration");
    assert_output_contains(&output, "terraform apply -target");
    assert_output_contains(&output, "reset_on_destroy = false");
    assert_eq!(assigned_rule_ids(&api), both, "the policy is not updated");

    // Terraform takes create_before_destroy for a deleted instance from the state, so adding it
    // only helps once an apply has stored it, with the rule back in the set.
    workdir.write_config(&assigned_rules_config(&["/a", "/b"], true));
    workdir.apply();
    workdir.write_config(&assigned_rules_config(&["/a"], true));
    workdir.apply();
    workdir.assert_plan_empty();
    assert_eq!(assigned_rule_ids(&api), vec![kept]);
    assert_eq!(api.user_rule_ids(), vec![kept]);
    workdir.destroy();
    assert_eq!(api.user_rule_ids(), Vec::<i64>::new());
    assert_eq!(assigned_rule_ids(&api), Vec::<i64>::new());

    // With create_before_destroy from the start, shrinking the set just works.
    let api = Api::start();
    let workdir = api.workdir(terraform);
    workdir.write_config(&assigned_rules_config(&["/a", "/b"], true));
    workdir.apply();
    let kept = rule_id(&workdir, "workload_im_rule.dirs[\"/a\"]");
    workdir.write_config(&assigned_rules_config(&["/a"], true));
    workdir.apply();
    workdir.assert_plan_empty();
    assert_eq!(assigned_rule_ids(&api), vec![kept]);
    assert_eq!(api.user_rule_ids(), vec![kept]);

    // A removed resource block is no dependency of the policy any more, so applying the policy
    // alone first unassigns the rule, and then the delete succeeds.
    workdir.write_config(
        &format!(
            "{}\n{}",
            assigned_rules_config(&["/a"], true),
            "resource \"workload_im_rule\" \"single\" {\n  name = \"single\"\n  \
         template = \"file\"\n  file_base_directory = \"/c\"\n}\n"
        )
        .replace(
            "[for rule in workload_im_rule.dirs : rule.id]",
            "concat([for rule in workload_im_rule.dirs : rule.id], [workload_im_rule.single.id])",
        ),
    );
    workdir.apply();
    let single = rule_id(&workdir, "workload_im_rule.single");
    let mut both = vec![kept, single];
    both.sort_unstable();
    assert_eq!(assigned_rule_ids(&api), both);
    workdir.write_config(&assigned_rules_config(&["/a"], false));
    let output = workdir.apply_expect_error();
    assert_output_contains(&output, "cannot be deleted because it is assigned");
    run_ok(
        &workdir,
        &[
            "apply",
            "-auto-approve",
            "-target=workload_policy_integrity_monitoring.policy",
        ],
    );
    assert_eq!(assigned_rule_ids(&api), vec![kept]);
    workdir.apply();
    workdir.assert_plan_empty();
    assert_eq!(api.user_rule_ids(), vec![kept]);

    workdir.destroy();
    assert_eq!(api.user_rule_ids(), Vec::<i64>::new());
    assert_eq!(assigned_rule_ids(&api), Vec::<i64>::new());
}

/// A seeded rule issued by Trend Micro.
const VENDOR_RULE_ID: i64 = 104;

#[test]
fn im_rule_import_warns_vendor_rule() {
    for_each_terraform(import_vendor_rule);
}

fn import_vendor_rule(terraform: &Terraform) {
    let api = Api::start();
    let workdir = api.workdir(terraform);
    workdir.write_config(
        r#"
resource "workload_im_rule" "vendor" {
  name       = "Unix - Open Port Monitor"
  template   = "custom"
  custom_xml = "<PortSet><include key=\"*\"/></PortSet>"
}
"#,
    );
    let output = workdir.import("workload_im_rule.vendor", &VENDOR_RULE_ID.to_string());
    assert_output_contains(&output, "Imported a rule issued by Trend Micro");
    assert_output_contains(&output, "Rule 104 was issued by Trend Micro");
    assert_output_contains(&output, "terraform state rm");
    assert_output_contains(&output, "`removed` block");

    // Destroy fails with the manager's 403, and the detail points to the same way out.
    let output = workdir.run(&["destroy", "-auto-approve"]);
    assert_eq!(output.code, 1, "{output}");
    assert_output_contains(&output, "does not let anyone delete such rules");
    assert_output_contains(&output, "terraform state rm");
    assert_eq!(rule_id(&workdir, "workload_im_rule.vendor"), VENDOR_RULE_ID);

    // Removing it from the state lets destroy finish and leaves the rule on the manager.
    run_ok(&workdir, &["state", "rm", "workload_im_rule.vendor"]);
    workdir.destroy();
    assert_eq!(api.rule(VENDOR_RULE_ID)["type"], "2");
}
