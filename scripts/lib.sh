# Shared shell functions for the project's scripts. Source it, do not run it.
#
# The project installs two Terraform builds into the git-ignored tools/ folder
# (see scripts/install-terraform.sh) and runs its acceptance tests with both,
# plus any other `terraform` version found on PATH.

# Absolute path of the repository root, from this file's location.
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_DIR="$REPO_ROOT/tools"

# Executables that scripts/install-terraform.sh creates.
TERRAFORM_OLDEST="$TOOLS_DIR/terraform-1.0.3/terraform"
TERRAFORM_NEWEST="$TOOLS_DIR/terraform-1.15/terraform"

# Prints an error message to stderr and exits with status 1.
die() {
    echo "error: $*" >&2
    exit 1
}

# Runs a Terraform command without the caller's TF_* variables, whose options
# (TF_CLI_ARGS, TF_DATA_DIR, TF_WORKSPACE and others) would change what it
# does, and with the update check disabled. Arguments are passed to env(1),
# so NAME=VALUE pairs may precede the command.
run_terraform_clean() {
    local name unset_args=()
    for name in $(compgen -e); do
        if [[ "$name" == TF_* ]]; then
            unset_args+=(-u "$name")
        fi
    done
    env "${unset_args[@]}" CHECKPOINT_DISABLE=1 "$@"
}

# Prints the version of the Terraform executable $1 (for example 1.15.5), or
# nothing when it does not run. It reads the first line of `terraform version`,
# which is "Terraform v1.15.5" in that form in releases 1.0.3, 1.11 and 1.15,
# and hides stderr because Terraform warns there about a missing CLI config
# file.
terraform_version() {
    local output
    # The whole output is read, because a reader that stops after one line
    # can make Terraform die of SIGPIPE.
    output="$(run_terraform_clean "$1" version 2>/dev/null)" || return 0
    if [[ "${output%%$'\n'*}" =~ ^Terraform\ v([0-9][0-9A-Za-z.+-]*)$ ]]; then
        echo "${BASH_REMATCH[1]}"
    fi
}

# Prints the Terraform executables the acceptance tests run with, one per
# line: the installed 1.0.3 and 1.15 builds when present, then each
# `terraform` on PATH whose version is not already listed.
terraform_binaries() {
    local seen=" " candidate version
    for candidate in "$TERRAFORM_OLDEST" "$TERRAFORM_NEWEST"; do
        [[ -x "$candidate" ]] || continue
        version="$(terraform_version "$candidate")"
        [[ -n "$version" ]] || continue
        seen+="$version "
        echo "$candidate"
    done
    while IFS= read -r candidate; do
        version="$(terraform_version "$candidate")"
        [[ -n "$version" && "$seen" != *" $version "* ]] || continue
        seen+="$version "
        echo "$candidate"
    done < <(type -a -P terraform 2>/dev/null || true)
}
