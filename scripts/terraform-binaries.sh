#!/usr/bin/env bash
# Prints the Terraform executables the acceptance tests run with, one per
# line: tools/terraform-1.0.3/terraform and tools/terraform-1.15/terraform when
# installed (scripts/install-terraform.sh), then each `terraform` on PATH
# whose version differs from those already listed.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

terraform_binaries
