# Import a rule by its numeric API ID.
terraform import workload_im_rule.sshd_config 1234
