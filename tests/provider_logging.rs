//! The provider's log lines reach Terraform's log output, and the API key
//! never appears in any of it.

mod support;

use support::{terraform_binaries, Workdir};
use terraform_provider_workload::emulator::{Emulator, EmulatorConfig};

#[test]
fn tf_log_shows_provider_lines() {
    for terraform in terraform_binaries() {
        let mut workdir = Workdir::new(&terraform);
        workdir.set_env("TF_LOG", "DEBUG");
        workdir.write_config("");
        let output = workdir.run(&["providers", "schema", "-json"]);
        assert_eq!(
            output.code, 0,
            "Terraform {}: {output:?}",
            terraform.version
        );
        let line = output
            .stderr
            .lines()
            .find(|line| line.contains("plugin server started"))
            .unwrap_or_else(|| {
                panic!(
                    "Terraform {}: no provider start line in the log:\n{}",
                    terraform.version, output.stderr
                )
            });
        assert!(
            line.contains("provider.terraform-provider-workload"),
            "Terraform {}: the line is attributed to the provider: {line}",
            terraform.version
        );
        assert!(
            line.contains("[INFO]"),
            "Terraform {}: the JSON level was parsed: {line}",
            terraform.version
        );
    }
}

#[test]
fn api_key_absent_from_trace_logs() {
    const KEY: &str = "distinctive-key-7Qx2vLp9";
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let emulator = runtime
        .block_on(Emulator::start(EmulatorConfig::local(KEY)))
        .expect("emulator starts");
    let terraform = terraform_binaries()
        .into_iter()
        .next_back()
        .expect("a Terraform binary");
    let mut workdir = Workdir::new(&terraform);
    workdir.set_env("TF_LOG", "TRACE");
    workdir.set_env("WORKLOAD_SECURITY_ENDPOINT", &emulator.base_url());
    workdir.set_env("WORKLOAD_SECURITY_API_KEY", KEY);
    workdir.write_config(
        r#"
resource "workload_im_rule" "logged" {
  name                = "logged rule"
  template            = "file"
  file_base_directory = "/etc"
}
"#,
    );
    let applied = workdir.run(&["apply", "-auto-approve"]);
    assert_eq!(applied.code, 0, "apply failed: {applied:?}");
    let destroyed = workdir.run(&["destroy", "-auto-approve"]);
    assert_eq!(destroyed.code, 0, "destroy failed: {destroyed:?}");
    for (name, text) in [
        ("apply stdout", &applied.stdout),
        ("apply stderr", &applied.stderr),
        ("destroy stdout", &destroyed.stdout),
        ("destroy stderr", &destroyed.stderr),
    ] {
        assert!(!text.contains(KEY), "the API key appears in the {name}");
    }
    assert!(
        applied
            .stderr
            .contains("provider.terraform-provider-workload"),
        "provider lines were captured at trace level"
    );
    let requests = emulator.requests();
    assert!(!requests.is_empty(), "the apply reached the emulator");
}
