//! The real Terraform CLI loads the provider binary through dev overrides,
//! reads its schema and validates a configuration that uses it.

mod support;

use support::{terraform_binaries, Workdir};

const CONFIG: &str = r#"
provider "workload" {
  endpoint        = "http://127.0.0.1:9/api"
  api_key         = "not-used-by-validate"
  request_timeout = "30s"
  max_retries     = 3
}

resource "workload_im_rule" "passwd" {
  name                = "Watch /etc/passwd"
  template            = "file"
  file_base_directory = "/etc"
  file_included_values = ["passwd"]
}

resource "workload_policy_integrity_monitoring" "linux" {
  policy_id = 2
  state     = "real-time"
  rule_ids  = [workload_im_rule.passwd.id]
}
"#;

#[test]
fn providers_schema_lists_resources() {
    for terraform in terraform_binaries() {
        let workdir = Workdir::new(&terraform);
        workdir.write_config(CONFIG);
        let schema = workdir.providers_schema_json();
        let providers = &schema["provider_schemas"];
        let provider = &providers["registry.terraform.io/workload-security/workload"];
        assert!(
            provider.is_object(),
            "Terraform {}: provider missing from {schema}",
            terraform.version
        );
        let provider_attributes = &provider["provider"]["block"]["attributes"];
        assert_eq!(
            provider_attributes["api_key"]["sensitive"], true,
            "Terraform {}: api_key is sensitive",
            terraform.version
        );
        for resource in ["workload_im_rule", "workload_policy_integrity_monitoring"] {
            let attributes = &provider["resource_schemas"][resource]["block"]["attributes"];
            assert!(
                attributes.is_object(),
                "Terraform {}: {resource} missing from the schema",
                terraform.version
            );
            for (name, attribute) in attributes.as_object().into_iter().flatten() {
                let description = attribute["description"].as_str().unwrap_or_default();
                assert!(
                    !description.is_empty(),
                    "Terraform {}: {resource}.{name} has no description",
                    terraform.version
                );
            }
        }
    }
}

#[test]
fn validate_accepts_resource_config() {
    for terraform in terraform_binaries() {
        let workdir = Workdir::new(&terraform);
        workdir.write_config(CONFIG);
        workdir.validate();
    }
}

#[test]
fn validate_reports_bad_provider_config() {
    for terraform in terraform_binaries() {
        let workdir = Workdir::new(&terraform);
        workdir.write_config(
            r#"
provider "workload" {
  endpoint        = "dsm.example.com:4119/api"
  region          = "us-1"
  request_timeout = "soon"
}

# Terraform validates a provider block only when a resource uses it.
resource "workload_im_rule" "any" {
  name                = "any"
  template            = "file"
  file_base_directory = "/etc"
}
"#,
        );
        let output = workdir.run(&["validate"]);
        assert_eq!(
            output.code, 1,
            "Terraform {}: {output:?}",
            terraform.version
        );
        let text = format!("{}{}", output.stdout, output.stderr);
        for expected in [
            "Conflicting provider attributes",
            "Invalid endpoint",
            "Invalid request_timeout",
        ] {
            assert!(
                text.contains(expected),
                "Terraform {}: expected {expected:?} in {text}",
                terraform.version
            );
        }
    }
}
