terraform {
  required_providers {
    workload = {
      source  = "workload-security/workload"
      version = "~> 0.1"
    }
  }
}

# Trend Micro Cloud One Workload Security: the region selects the endpoint,
# and the API key comes from the WORKLOAD_SECURITY_API_KEY environment
# variable, so it stays out of the configuration.
provider "workload" {
  region = "us-1"
}

# A Deep Security Manager whose certificate is signed by an internal CA.
variable "manager_ca_certificate" {
  description = "The PEM certificate of the CA that signed the manager's certificate."
  type        = string
  default     = null
}

provider "workload" {
  alias           = "manager"
  endpoint        = "https://dsm.example.com:4119/api"
  ca_certificate  = var.manager_ca_certificate
  request_timeout = "2m"
  max_retries     = 5
}
