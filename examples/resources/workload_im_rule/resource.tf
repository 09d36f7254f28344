# A file rule: watch the SSH server configuration.
resource "workload_im_rule" "sshd_config" {
  name                = "Linux - SSH server configuration changed"
  description         = "Alerts when the OpenSSH server configuration changes."
  severity            = "high"
  template            = "file"
  file_base_directory = "/etc/ssh"
  file_included_values = [
    "sshd_config",
    "sshd_config.d/*",
  ]
  file_include_sub_directories = true
  alert_enabled                = true
}

# A registry rule: watch the programs Windows starts at logon.
resource "workload_im_rule" "run_keys" {
  name                           = "Windows - Run keys changed"
  severity                       = "critical"
  template                       = "registry"
  registry_key_root              = "HKEY_LOCAL_MACHINE"
  registry_key_value             = "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run"
  registry_included_values       = ["*"]
  registry_include_default_value = true
  real_time_monitoring_enabled   = true
}

# A custom rule in the integrity monitoring rule language. The provider
# compares the XML by content, so reformatting it plans no change.
resource "workload_im_rule" "cron" {
  name       = "Linux - Cron jobs changed"
  severity   = "medium"
  template   = "custom"
  custom_xml = <<-EOT
    <FileSet base="/etc">
      <include key="crontab"/>
      <include key="cron.d/**"/>
    </FileSet>
  EOT
}

# Rules that a policy assigns. create_before_destroy makes Terraform update
# the policy before it deletes a rule dropped from the set, because the
# manager does not delete a rule that a policy still uses.
resource "workload_im_rule" "log_dirs" {
  for_each = toset(["/var/log/audit", "/var/log/sssd"])

  name                = "Linux - ${each.key} changed"
  template            = "file"
  file_base_directory = each.key

  lifecycle {
    create_before_destroy = true
  }
}

resource "workload_policy_integrity_monitoring" "linux_servers" {
  policy_id = 42
  rule_ids  = [for rule in workload_im_rule.log_dirs : rule.id]
}
