resource "workload_im_rule" "hosts_file" {
  name                = "Linux - Hosts file changed"
  severity            = "high"
  template            = "file"
  file_base_directory = "/etc"
  file_included_values = [
    "hosts",
  ]
}

# Turn Integrity Monitoring on in real time for policy 42, assign a rule
# created in the same apply and a built-in rule, and override two settings.
# Settings left out keep the value the policy inherits.
resource "workload_policy_integrity_monitoring" "linux_servers" {
  policy_id = 42
  state     = "real-time"
  rule_ids = [
    workload_im_rule.hosts_file.id,
    102,
  ]

  realtime_enabled           = true
  cpu_usage_level            = "low"
  auto_apply_recommendations = false
}
