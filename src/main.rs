//! `terraform-provider-workload`: the provider executable Terraform launches.

use std::process::ExitCode;

use terraform_provider_workload::server::{self, PluginEnvironment};

const USAGE: &str = "\
terraform-provider-workload: a Terraform provider for Integrity Monitoring in
Trend Micro Workload Security and Deep Security Manager.

This program is a plugin for Terraform (and OpenTofu), which starts it itself.
Declare the provider in a configuration and run `terraform init` and
`terraform plan` instead of running this program directly.

Options:
  --debug     serve without TLS and print TF_REATTACH_PROVIDERS, to attach
              Terraform to a provider running under a debugger
  --version   print the version and exit
  --help      print this text and exit";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--help" | "-h") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Some("--version") => {
            println!("terraform-provider-workload {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Some("--debug") | None => {}
        Some(other) => {
            eprintln!("error: unknown argument {other:?}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    }
    let debug = args.first().is_some_and(|a| a == "--debug");

    if !debug
        && std::env::var(server::MAGIC_COOKIE_KEY).ok().as_deref()
            != Some(server::MAGIC_COOKIE_VALUE)
    {
        eprintln!("{USAGE}");
        return ExitCode::FAILURE;
    }

    terraform_provider_workload::logging::init();
    // One thread serves every request: the work is waiting on the API and
    // on Terraform, and a second worker thread only added thread switches
    // (about a third of the provider's CPU time in a 1000-rule apply).
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: starting the async runtime failed: {err}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        if debug {
            server::serve_debug(std::env::temp_dir()).await
        } else {
            server::serve_plugin(PluginEnvironment::from_env(&|name| {
                std::env::var(name).ok()
            }))
            .await
        }
    });
    // Background tasks (the accept loop, idle connections) must not delay
    // the exit Terraform waits for.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "plugin server failed");
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
