//! Runs `terraform validate` on every example folder under `examples/`, with every Terraform
//! executable the harness finds, and checks that the examples are formatted.
//!
//! The harness's CLI configuration maps the provider to this test run's build through
//! `dev_overrides`, so validate needs no `terraform init`.

mod support;

use std::fs;
use std::path::{Path, PathBuf};

use support::{terraform_binaries, Workdir};
use terraform_provider_workload::resources;

/// The block that the Registry's resource examples leave out, added when a folder has none so
/// that `workload` resolves to this provider rather than `hashicorp/workload`.
const REQUIRED_PROVIDERS: &str = r#"terraform {
  required_providers {
    workload = {
      source = "workload-security/workload"
    }
  }
}
"#;

/// Resources that use both provider configurations of `examples/provider`. Terraform validates
/// a provider block only when a resource uses it, so without them a misspelt provider attribute
/// would pass.
const PROVIDER_USERS: &str = r#"resource "workload_im_rule" "default_provider" {
  name                = "Validate the default provider block"
  template            = "file"
  file_base_directory = "/etc"
}

resource "workload_im_rule" "manager_provider" {
  provider            = workload.manager
  name                = "Validate the aliased provider block"
  template            = "file"
  file_base_directory = "/etc"
}
"#;

fn examples_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// Returns the `.tf` files directly inside `dir`, sorted by name.
fn tf_files(dir: &Path) -> Vec<PathBuf> {
    let entries = fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("failed to list {}: {error}", dir.display()));
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.expect("directory entries are readable").path())
        .filter(|path| path.is_file() && path.extension().is_some_and(|ext| ext == "tf"))
        .collect();
    files.sort();
    files
}

/// Returns every folder under `examples/` that contains `.tf` files, sorted.
fn example_folders() -> Vec<PathBuf> {
    let mut folders = Vec::new();
    let mut queue = vec![examples_root()];
    while let Some(dir) = queue.pop() {
        if !tf_files(&dir).is_empty() {
            folders.push(dir.clone());
        }
        let entries = fs::read_dir(&dir)
            .unwrap_or_else(|error| panic!("failed to list {}: {error}", dir.display()));
        for entry in entries {
            let path = entry.expect("directory entries are readable").path();
            if path.is_dir() {
                queue.push(path);
            }
        }
    }
    folders.sort();
    folders
}

/// Copies the configuration of an example folder into the working directory.
fn copy_example(folder: &Path, workdir: &Workdir) {
    let mut declares_provider = false;
    for file in tf_files(folder) {
        let text = fs::read_to_string(&file)
            .unwrap_or_else(|error| panic!("failed to read {}: {error}", file.display()));
        declares_provider |= text.contains("required_providers");
        let name = file.file_name().expect("listed files have names");
        workdir.write_file(&name.to_string_lossy(), &text);
    }
    if !declares_provider {
        workdir.write_file("required_providers.tf", REQUIRED_PROVIDERS);
    }
}

#[test]
fn examples_cover_expected_folders() {
    let root = examples_root();
    let folders = example_folders();
    for expected in ["provider", "quickstart"] {
        assert!(
            folders.contains(&root.join(expected)),
            "examples/{expected} has no .tf file; found {folders:?}"
        );
    }
    for type_name in resources::registry().keys() {
        let resource_tf = root.join("resources").join(type_name).join("resource.tf");
        assert!(
            resource_tf.is_file(),
            "{type_name} has no example at {}",
            resource_tf.display()
        );
    }
}

#[test]
fn examples_pass_terraform_validate() {
    let folders = example_folders();
    for terraform in terraform_binaries() {
        for folder in &folders {
            let relative = folder.strip_prefix(examples_root()).unwrap_or(folder);
            eprintln!(
                "validating examples/{} with {terraform}",
                relative.display()
            );
            let workdir = Workdir::new(&terraform);
            copy_example(folder, &workdir);
            if relative == Path::new("provider") {
                workdir.write_file("provider_users.tf", PROVIDER_USERS);
            }
            let output = workdir.run(&["validate"]);
            assert!(
                output.success() && output.stdout.contains("Success!"),
                "examples/{} is invalid for {terraform}\n{output}",
                relative.display()
            );
        }
    }
}

#[test]
fn examples_are_formatted() {
    let terraform = terraform_binaries()
        .pop()
        .expect("terraform_binaries panics rather than return an empty list");
    let workdir = Workdir::new(&terraform);
    let root = examples_root();
    let output = workdir.run(&[
        "fmt",
        "-check",
        "-diff",
        "-recursive",
        &root.to_string_lossy(),
    ]);
    assert!(
        output.success(),
        "the examples are not formatted as `terraform fmt` ({}) wants; run \
         `terraform fmt -recursive examples`\n{output}",
        terraform.version
    );
}
