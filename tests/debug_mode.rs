//! `terraform-provider-workload --debug` serves without TLS and prints the
//! `TF_REATTACH_PROVIDERS` value that lets Terraform attach to it.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use support::{terraform_binaries, Workdir};

const PROVIDER: &str = env!("CARGO_BIN_EXE_terraform-provider-workload");

/// Kills the debug server when the test ends, pass or fail.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_debug_server() -> (Running, String) {
    let mut child = Command::new(PROVIDER)
        .arg("--debug")
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("provider starts in debug mode");
    let stdout = child.stdout.take().expect("piped stdout");
    let running = Running(child);
    let mut reattach = None;
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("stdout line");
        if let Some(rest) = line.trim().strip_prefix("export TF_REATTACH_PROVIDERS='") {
            reattach = Some(rest.trim_end_matches('\'').to_string());
            break;
        }
    }
    let reattach = reattach.expect("debug mode prints TF_REATTACH_PROVIDERS");
    (running, reattach)
}

#[test]
fn debug_mode_prints_reattach_config() {
    let (_running, reattach) = start_debug_server();
    let value: serde_json::Value = serde_json::from_str(&reattach).expect("reattach value is JSON");
    let entry = &value["registry.terraform.io/workload-security/workload"];
    assert_eq!(entry["Protocol"], "grpc");
    assert_eq!(entry["ProtocolVersion"], 6);
    assert_eq!(entry["Test"], true);
    assert_eq!(entry["Addr"]["Network"], "unix");
    let socket = entry["Addr"]["String"].as_str().expect("socket path");
    assert!(
        std::path::Path::new(socket).exists(),
        "socket {socket} exists"
    );
}

#[test]
fn terraform_attaches_to_debug_server() {
    let (_running, reattach) = start_debug_server();
    // One debug server serves many Terraform commands, of every version.
    for terraform in terraform_binaries() {
        let mut workdir = Workdir::new(&terraform);
        workdir.set_env("TF_REATTACH_PROVIDERS", &reattach);
        workdir.write_config("");
        let schema = workdir.providers_schema_json();
        assert!(
            schema["provider_schemas"]["registry.terraform.io/workload-security/workload"]
                .is_object(),
            "Terraform {}: schema through the reattached provider: {schema}",
            terraform.version
        );
    }
}
