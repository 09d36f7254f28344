//! Checks of the test harness in `tests/support` against every Terraform executable it finds.
//!
//! None of these configurations needs the provider, so they exercise the harness and the
//! installed Terraform builds on their own.

mod support;

use std::fs;
use std::process::Command;
use std::time::Duration;

use support::{run_with_timeout, terraform_binaries, Version, Workdir, PROVIDER_SOURCE};

/// A configuration with one output, which Terraform plans and applies without any provider.
const OUTPUT_ONLY_CONFIG: &str = r#"output "greeting" {
  value = "hello"
}
"#;

/// Runs `check` once per Terraform executable, naming the version in any failure.
fn for_each_terraform(check: impl Fn(&Workdir)) {
    for terraform in terraform_binaries() {
        eprintln!("checking with {terraform}");
        check(&Workdir::new(&terraform));
    }
}

#[test]
fn version_matches_probed_version() {
    for_each_terraform(|workdir| {
        let output = workdir.run(&["version"]);
        assert!(output.success(), "`terraform version` failed\n{output}");
        let expected = format!("Terraform v{}", workdir.terraform().version);
        assert!(
            output.stdout.starts_with(&expected),
            "expected output starting with {expected:?}\n{output}"
        );
    });
}

#[test]
fn validate_accepts_empty_config() {
    for_each_terraform(|workdir| {
        workdir.write_file("main.tf", "");
        let output = workdir.validate();
        assert!(
            output.stdout.contains("Success!"),
            "validate printed no success message\n{output}"
        );
    });
}

#[test]
fn validate_reports_invalid_config() {
    for_each_terraform(|workdir| {
        workdir.write_file("main.tf", "output \"broken\" {\n");
        let output = workdir.run(&["validate"]);
        assert_eq!(output.code, 1, "validate should fail\n{output}");
        assert!(
            output.stderr.contains("Error"),
            "validate printed no error\n{output}"
        );
        assert!(
            !output.stderr.contains('\u{1b}'),
            "output contains ANSI escape sequences although -no-color was added\n{output}"
        );
    });
}

#[test]
fn output_config_plans_applies_destroys() {
    for_each_terraform(|workdir| {
        workdir.write_file("main.tf", OUTPUT_ONLY_CONFIG);

        let plan = workdir.plan_exit_code();
        assert_eq!(
            plan.code, 2,
            "a new output should be a planned change\n{plan}"
        );

        workdir.apply();
        workdir.assert_plan_empty();
        let state = workdir.show_json();
        assert_eq!(
            state["values"]["outputs"]["greeting"]["value"], "hello",
            "unexpected state: {state}"
        );

        workdir.destroy();
        let plan = workdir.plan_exit_code();
        assert_eq!(plan.code, 2, "destroy should remove the output\n{plan}");
    });
}

#[test]
fn apply_expect_error_returns_failure() {
    for_each_terraform(|workdir| {
        workdir.write_file(
            "main.tf",
            "output \"bad\" {\n  value = tonumber(\"not a number\")\n}\n",
        );
        let output = workdir.apply_expect_error();
        assert_eq!(output.code, 1, "apply should fail\n{output}");
    });
}

#[test]
fn set_env_reaches_terraform() {
    for terraform in terraform_binaries() {
        let mut workdir = Workdir::new(&terraform);
        workdir.write_file("main.tf", "");
        // TF_CLI_ARGS_validate adds options to `terraform validate`, so JSON output shows that
        // the variable reached Terraform.
        workdir.set_env("TF_CLI_ARGS_validate", "-json");
        let output = workdir.validate();
        let json: serde_json::Value = serde_json::from_str(&output.stdout)
            .unwrap_or_else(|error| panic!("validate printed no JSON ({error})\n{output}"));
        assert_eq!(
            json["valid"], true,
            "unexpected result with {terraform}: {json}"
        );
    }
}

#[test]
fn cli_config_overrides_provider_directory() {
    let terraform = terraform_binaries()
        .into_iter()
        .next()
        .expect("terraform_binaries panics instead of returning an empty list");
    let workdir = Workdir::new(&terraform);
    let config = fs::read_to_string(workdir.path().join("terraform.tfrc"))
        .expect("Workdir::new writes terraform.tfrc");
    let provider_dir = std::path::Path::new(env!("CARGO_BIN_EXE_terraform-provider-workload"))
        .parent()
        .expect("the provider binary path has a parent directory");

    assert!(config.contains("dev_overrides"), "config: {config}");
    assert!(config.contains(PROVIDER_SOURCE), "config: {config}");
    assert!(
        config.contains(&format!("\"{}\"", provider_dir.display())),
        "config: {config}"
    );
    assert!(config.contains("direct {}"), "config: {config}");
}

#[test]
fn write_config_adds_required_providers() {
    let terraform = terraform_binaries()
        .into_iter()
        .next()
        .expect("terraform_binaries panics instead of returning an empty list");
    let workdir = Workdir::new(&terraform);
    let main_tf = workdir.path().join("main.tf");

    workdir.write_config(OUTPUT_ONLY_CONFIG);
    let written = fs::read_to_string(&main_tf).expect("write_config writes main.tf");
    assert!(
        written.starts_with("terraform {\n  required_providers {"),
        "written: {written}"
    );
    assert!(
        written.contains("source = \"workload-security/workload\""),
        "written: {written}"
    );
    assert!(written.ends_with(OUTPUT_ONLY_CONFIG), "written: {written}");

    let own_block = "terraform {\n  required_providers {}\n}\n";
    workdir.write_config(own_block);
    let written = fs::read_to_string(&main_tf).expect("write_config writes main.tf");
    assert_eq!(written, own_block);
}

#[test]
#[should_panic(expected = "timed out after 200ms")]
fn run_with_timeout_kills_slow_command() {
    let mut command = Command::new("sleep");
    command.arg("30");
    run_with_timeout(&mut command, "sleep 30", Duration::from_millis(200));
}

#[test]
fn version_parse_accepts_release_forms() {
    let cases = [
        ("plain release", "1.15.5", Some((1, 15, 5))),
        ("leading v", "v1.0.3", Some((1, 0, 3))),
        ("pre-release suffix", "1.15.0-beta1", Some((1, 15, 0))),
        ("surrounding whitespace", " 1.11.4\n", Some((1, 11, 4))),
        ("missing patch", "1.15", None),
        ("not a number", "one.two.three", None),
        ("empty", "", None),
    ];
    for (name, text, expected) in cases {
        let parsed = Version::parse(text).map(|v| (v.major, v.minor, v.patch));
        assert_eq!(parsed, expected, "case {name}: {text:?}");
    }
}

#[test]
fn version_at_least_compares_fields() {
    let version = Version::parse("1.10.2").expect("the literal is a valid version");
    assert!(version.at_least(1, 10, 2));
    assert!(version.at_least(1, 9, 9));
    assert!(!version.at_least(1, 10, 3));
    assert!(!version.at_least(2, 0, 0));
}
