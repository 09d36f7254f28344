//! A temporary Terraform working directory wired to the provider binary under test.

use std::collections::BTreeMap;
use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use tempfile::TempDir;

use super::process::{run_with_timeout, TfOutput, COMMAND_TIMEOUT};
use super::terraform::{remove_inherited_terraform_env, Terraform};

/// Provider source address that the CLI configuration overrides with the local build.
pub const PROVIDER_SOURCE: &str = "registry.terraform.io/workload-security/workload";

/// Block declaring the provider, put in front of configurations that declare none.
const REQUIRED_PROVIDERS: &str = r#"terraform {
  required_providers {
    workload = {
      source = "workload-security/workload"
    }
  }
}

"#;

/// File name of the CLI configuration inside the working directory. Terraform reads only
/// `*.tf` and `*.tf.json` files as configuration, so it ignores this one.
const CLI_CONFIG_FILE: &str = "terraform.tfrc";

/// Prefix of the provider's own environment variables. Inherited ones are removed, so that a
/// developer's credentials never reach a test.
const PROVIDER_ENV_PREFIX: &str = "WORKLOAD_SECURITY_";

/// Environment variable whose value, when set, is passed to every command as `TF_LOG`. Inherited
/// `TF_*` variables are removed, so this is the way to get Terraform's logs from a test run.
pub const TF_LOG_ENV: &str = "WORKLOAD_TEST_TF_LOG";

/// Commands that accept `-no-color` as their first option in every supported Terraform
/// version. [`Workdir::run`] adds the option to them.
const NO_COLOR_COMMANDS: [&str; 9] = [
    "apply", "destroy", "import", "init", "output", "plan", "refresh", "show", "validate",
];

/// A temporary working directory for one Terraform executable.
///
/// Its CLI configuration (passed through `TF_CLI_CONFIG_FILE`, replacing any inherited one)
/// maps the provider to the binary Cargo built for this test run through `dev_overrides`, so
/// commands need no `terraform init`. Every command runs in the directory with standard input
/// closed, `TF_IN_AUTOMATION=1`, `CHECKPOINT_DISABLE=1` and `TF_INPUT=0`, and without inherited
/// `TF_*` or `WORKLOAD_SECURITY_*` variables. The directory is deleted on drop.
#[derive(Debug)]
pub struct Workdir {
    terraform: Terraform,
    dir: TempDir,
    /// Variables to set (`Some`) or remove (`None`) on top of the defaults.
    env: BTreeMap<String, Option<String>>,
}

impl Workdir {
    /// Creates the directory and its CLI configuration.
    ///
    /// # Panics
    ///
    /// Panics when the directory or the configuration file cannot be written.
    pub fn new(terraform: &Terraform) -> Workdir {
        let dir = tempfile::Builder::new()
            .prefix("workload-tf-")
            .tempdir()
            .unwrap_or_else(|error| panic!("failed to create a temporary directory: {error}"));
        let workdir = Workdir {
            terraform: terraform.clone(),
            dir,
            env: BTreeMap::new(),
        };
        workdir.write_file(CLI_CONFIG_FILE, &cli_config(&provider_dir()));
        workdir
    }

    /// Returns the working directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Returns the Terraform executable this directory runs.
    pub fn terraform(&self) -> &Terraform {
        &self.terraform
    }

    /// Sets an environment variable for every later command, such as
    /// `WORKLOAD_SECURITY_ENDPOINT`.
    pub fn set_env(&mut self, name: &str, value: &str) -> &mut Self {
        self.env.insert(name.to_owned(), Some(value.to_owned()));
        self
    }

    /// Removes an environment variable from every later command, including one of the defaults
    /// listed on [`Workdir`].
    pub fn remove_env(&mut self, name: &str) -> &mut Self {
        self.env.insert(name.to_owned(), None);
        self
    }

    /// Writes `main.tf`, putting a `required_providers` block for the provider in front when
    /// `hcl` contains none.
    pub fn write_config(&self, hcl: &str) {
        if hcl.contains("required_providers") {
            self.write_file("main.tf", hcl);
        } else {
            self.write_file("main.tf", &format!("{REQUIRED_PROVIDERS}{hcl}"));
        }
    }

    /// Writes `contents` to the file `name` in the working directory, as given.
    ///
    /// # Panics
    ///
    /// Panics when the file cannot be written.
    pub fn write_file(&self, name: &str, contents: &str) {
        let path = self.path().join(name);
        fs::write(&path, contents)
            .unwrap_or_else(|error| panic!("failed to write {}: {error}", path.display()));
    }

    /// Runs `terraform` with `args` and returns its exit code and output, whatever the code.
    ///
    /// For the commands that accept it (`plan`, `apply`, `show` and others), `-no-color` is
    /// added after the command name, so output has no ANSI escape sequences.
    ///
    /// # Panics
    ///
    /// Panics when Terraform cannot be started or runs longer than five minutes.
    pub fn run(&self, args: &[&str]) -> TfOutput {
        let mut full_args: Vec<&str> = args.to_vec();
        if let Some(first) = args.first() {
            if NO_COLOR_COMMANDS.contains(first) && !args.contains(&"-no-color") {
                full_args.insert(1, "-no-color");
            }
        }

        let mut command = Command::new(&self.terraform.path);
        command.args(&full_args).current_dir(self.path());
        remove_inherited_terraform_env(&mut command);
        for (name, _) in env::vars_os() {
            if name.to_string_lossy().starts_with(PROVIDER_ENV_PREFIX) {
                command.env_remove(name);
            }
        }
        command
            .env("TF_CLI_CONFIG_FILE", self.path().join(CLI_CONFIG_FILE))
            .env("TF_IN_AUTOMATION", "1")
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_INPUT", "0");
        if let Some(level) = env::var_os(TF_LOG_ENV) {
            command.env("TF_LOG", level);
        }
        for (name, value) in &self.env {
            match value {
                Some(value) => command.env(name, value),
                None => command.env_remove(name),
            };
        }

        let description = format!(
            "{} {} (Terraform {}, in {})",
            self.terraform.path.display(),
            full_args.join(" "),
            self.terraform.version,
            self.path().display()
        );
        run_with_timeout(&mut command, &description, COMMAND_TIMEOUT)
    }

    /// Runs `apply -auto-approve`.
    ///
    /// # Panics
    ///
    /// Panics with the output when the apply fails.
    pub fn apply(&self) -> TfOutput {
        self.run_expect_success(&["apply", "-auto-approve"])
    }

    /// Runs `apply -auto-approve` and returns its output.
    ///
    /// # Panics
    ///
    /// Panics with the output when the apply succeeds.
    pub fn apply_expect_error(&self) -> TfOutput {
        let output = self.run(&["apply", "-auto-approve"]);
        assert!(
            !output.success(),
            "expected `terraform apply` to fail with Terraform {}, but it succeeded\n{output}",
            self.terraform.version
        );
        output
    }

    /// Runs `plan -detailed-exitcode` and returns its output, whose code is 0 when there are no
    /// changes, 2 when there are changes and 1 on error.
    pub fn plan_exit_code(&self) -> TfOutput {
        self.run(&["plan", "-detailed-exitcode"])
    }

    /// Runs `plan -detailed-exitcode` and checks that it reports no changes.
    ///
    /// # Panics
    ///
    /// Panics with the plan output when the exit code is not 0.
    pub fn assert_plan_empty(&self) {
        let output = self.plan_exit_code();
        assert!(
            output.code == 0,
            "expected an empty plan with Terraform {}, but `terraform plan -detailed-exitcode` \
             exited with {} (2 means changes, 1 an error)\n{output}",
            self.terraform.version,
            output.code
        );
    }

    /// Runs `destroy -auto-approve`.
    ///
    /// # Panics
    ///
    /// Panics with the output when the destroy fails.
    pub fn destroy(&self) -> TfOutput {
        self.run_expect_success(&["destroy", "-auto-approve"])
    }

    /// Runs `import ADDRESS ID`.
    ///
    /// # Panics
    ///
    /// Panics with the output when the import fails.
    pub fn import(&self, address: &str, id: &str) -> TfOutput {
        self.run_expect_success(&["import", address, id])
    }

    /// Runs `validate`.
    ///
    /// # Panics
    ///
    /// Panics with the output when the configuration is invalid.
    pub fn validate(&self) -> TfOutput {
        self.run_expect_success(&["validate"])
    }

    /// Runs `show -json` and returns the state it prints.
    ///
    /// # Panics
    ///
    /// Panics when the command fails or prints invalid JSON.
    pub fn show_json(&self) -> Value {
        self.run_json(&["show", "-json"])
    }

    /// Returns the `values` object of the resource at `address` (such as
    /// `workload_im_rule.example`) in the state, searching child modules too.
    ///
    /// # Panics
    ///
    /// Panics when the state has no such resource; the message lists the addresses it has.
    pub fn state_resource(&self, address: &str) -> Value {
        let state = self.show_json();
        let mut resources = Vec::new();
        collect_resources(&state["values"]["root_module"], &mut resources);
        if let Some(resource) = resources
            .iter()
            .find(|resource| resource["address"].as_str() == Some(address))
        {
            return resource["values"].clone();
        }
        let known: Vec<&str> = resources
            .iter()
            .filter_map(|resource| resource["address"].as_str())
            .collect();
        panic!("resource {address} is not in the state, which has {known:?}");
    }

    /// Runs `providers schema -json` and returns the schemas it prints.
    ///
    /// # Panics
    ///
    /// Panics when the command fails or prints invalid JSON.
    pub fn providers_schema_json(&self) -> Value {
        self.run_json(&["providers", "schema", "-json"])
    }

    fn run_expect_success(&self, args: &[&str]) -> TfOutput {
        let output = self.run(args);
        assert!(
            output.success(),
            "`terraform {}` failed with Terraform {}\n{output}",
            args.join(" "),
            self.terraform.version
        );
        output
    }

    fn run_json(&self, args: &[&str]) -> Value {
        let output = self.run_expect_success(args);
        serde_json::from_str(&output.stdout).unwrap_or_else(|error| {
            panic!(
                "`terraform {}` printed invalid JSON ({error})\n{output}",
                args.join(" ")
            )
        })
    }
}

/// Returns the directory of the provider binary that Cargo built for this test run.
fn provider_dir() -> PathBuf {
    let binary = Path::new(env!("CARGO_BIN_EXE_terraform-provider-workload"));
    binary
        .parent()
        .expect("Cargo passes the provider binary as an absolute file path")
        .to_path_buf()
}

/// Renders a CLI configuration that takes the provider from `provider_dir` and every other
/// provider from its registry.
fn cli_config(provider_dir: &Path) -> String {
    format!(
        "provider_installation {{\n  dev_overrides {{\n    {} = {}\n  }}\n  direct {{}}\n}}\n",
        hcl_string(PROVIDER_SOURCE),
        hcl_string(&provider_dir.to_string_lossy())
    )
}

/// Quotes `text` as an HCL string literal.
fn hcl_string(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            // "${" and "%{" open template sequences, and doubling the sign makes them literal.
            '$' | '%' if chars.peek() == Some(&'{') => {
                quoted.push(c);
                quoted.push(c);
            }
            _ => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// Appends the resources of `module` and of its child modules to `resources`.
fn collect_resources<'a>(module: &'a Value, resources: &mut Vec<&'a Value>) {
    if let Some(list) = module["resources"].as_array() {
        resources.extend(list);
    }
    if let Some(children) = module["child_modules"].as_array() {
        for child in children {
            collect_resources(child, resources);
        }
    }
}
