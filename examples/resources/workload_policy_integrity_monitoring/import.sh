# Import the integrity monitoring part of a policy by the policy's numeric ID.
terraform import workload_policy_integrity_monitoring.linux_servers 42
