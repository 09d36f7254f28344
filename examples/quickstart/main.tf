# The quick start: a few integrity monitoring rules of each template, assigned
# to the emulator's "Linux Server" policy (ID 2), with Integrity Monitoring
# turned on in real time. scripts/quickstart.sh applies it against a local
# emulator; to use a real manager instead, export WORKLOAD_SECURITY_ENDPOINT
# (or WORKLOAD_SECURITY_REGION) and WORKLOAD_SECURITY_API_KEY and set
# policy_id below to one of your policies.

terraform {
  required_providers {
    workload = {
      source = "workload-security/workload"
    }
  }
}

# Every setting comes from the WORKLOAD_SECURITY_* environment variables.
provider "workload" {}

variable "policy_id" {
  description = "The policy that receives the rules."
  type        = number
  default     = 2
}

# File rules watch files and folders by path and pattern.
resource "workload_im_rule" "passwd" {
  name                 = "Quick start - account files"
  description          = "Alerts when local accounts or groups change."
  severity             = "high"
  template             = "file"
  file_base_directory  = "/etc"
  file_included_values = ["passwd", "shadow", "group"]
  alert_enabled        = true
}

resource "workload_im_rule" "sshd" {
  name                         = "Quick start - SSH server configuration"
  severity                     = "medium"
  template                     = "file"
  file_base_directory          = "/etc/ssh"
  file_included_values         = ["sshd_config", "sshd_config.d/*"]
  file_excluded_values         = ["*.bak"]
  file_include_sub_directories = true
}

# Registry rules watch Windows registry keys and values.
resource "workload_im_rule" "run_keys" {
  name                           = "Quick start - Windows Run keys"
  severity                       = "critical"
  template                       = "registry"
  registry_key_root              = "HKEY_LOCAL_MACHINE"
  registry_key_value             = "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run"
  registry_included_values       = ["*"]
  registry_include_default_value = true
}

resource "workload_im_rule" "services" {
  name                      = "Quick start - Windows services"
  severity                  = "high"
  template                  = "registry"
  registry_key_root         = "HKEY_LOCAL_MACHINE"
  registry_key_value        = "SYSTEM\\CurrentControlSet\\Services"
  registry_include_sub_keys = true
}

# Custom rules are written in the integrity monitoring rule language.
resource "workload_im_rule" "cron" {
  name       = "Quick start - cron jobs"
  severity   = "medium"
  template   = "custom"
  custom_xml = <<-EOT
    <FileSet base="/etc">
      <include key="crontab"/>
      <include key="cron.d/**"/>
    </FileSet>
  EOT
}

resource "workload_im_rule" "sudoers" {
  name       = "Quick start - sudo rules"
  severity   = "high"
  template   = "custom"
  custom_xml = "<FileSet base=\"/etc\"><include key=\"sudoers\"/><include key=\"sudoers.d/*\"/></FileSet>"
}

locals {
  rules = {
    passwd   = workload_im_rule.passwd
    sshd     = workload_im_rule.sshd
    run_keys = workload_im_rule.run_keys
    services = workload_im_rule.services
    cron     = workload_im_rule.cron
    sudoers  = workload_im_rule.sudoers
  }
}

# Turns Integrity Monitoring on for the policy with these rules and overrides
# two of its settings. Rules the policy inherits from its parent stay as
# they are.
resource "workload_policy_integrity_monitoring" "quickstart" {
  policy_id = var.policy_id
  state     = "real-time"
  rule_ids  = [for rule in local.rules : rule.id]

  realtime_enabled           = true
  cpu_usage_level            = "low"
  auto_apply_recommendations = false
}

output "rule_ids" {
  description = "The API ID of each rule, by resource name."
  value       = { for name, rule in local.rules : name => rule.id }
}

output "module_status" {
  description = "The Integrity Monitoring module status the policy reports."
  value       = workload_policy_integrity_monitoring.quickstart.module_status
}
