#!/usr/bin/env bash
# Runs the project's tests: installs Terraform into tools/ when needed, builds
# the binaries and runs `cargo test --all-targets` with every Terraform that
# scripts/terraform-binaries.sh lists.
#
# Usage: scripts/test.sh [CARGO TEST ARGUMENTS...]
#   e.g. scripts/test.sh --test harness_smoke
# Set WORKLOAD_TEST_TERRAFORM (executables separated by colons) to choose the
# Terraform builds yourself.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

# The install script returns at once when both builds are in place, and it
# repairs a tools/ folder that lost one of them.
bash scripts/install-terraform.sh >/dev/null

cargo build --bins

if [[ -z "${WORKLOAD_TEST_TERRAFORM:-}" ]]; then
    mapfile -t terraform_list < <(terraform_binaries)
    ((${#terraform_list[@]})) || die "no Terraform executable found (run scripts/install-terraform.sh)"
    WORKLOAD_TEST_TERRAFORM="$(IFS=:; echo "${terraform_list[*]}")"
fi
export WORKLOAD_TEST_TERRAFORM

echo "Testing with Terraform:"
IFS=: read -r -a terraform_list <<<"$WORKLOAD_TEST_TERRAFORM"
for terraform in "${terraform_list[@]}"; do
    echo "  ${terraform}: $(terraform_version "$terraform")"
done

cargo test --all-targets "$@"
