#!/usr/bin/env bash
# Shows the provider at work on this machine, without any Trend Micro account:
#
#   1. finds Terraform: $TERRAFORM if set, else a `terraform` 1.x on PATH,
#      else Terraform 1.15 from scripts/install-terraform.sh (into tools/)
#   2. builds the provider and the emulator with `cargo build --bins`: a debug
#      build, because it compiles faster than a release build and the demo
#      does not need the speed
#   3. starts workload-emulator on a free loopback port, with a demo key and a
#      state file in a new temporary folder
#   4. copies examples/quickstart there and points Terraform at the build
#      through a dev_overrides CLI configuration, so no `terraform init` runs
#   5. runs `terraform apply`, shows `terraform output` and `terraform state
#      list`, and checks that a second `terraform plan` has no changes
#
# The emulator stops when the script ends, unless --keep-running is given.
#
# Usage: scripts/quickstart.sh [--keep-running]
# Needs: cargo (Rust 1.85 or later), and for step 1 without a Terraform on
# PATH: Linux x86_64, python3 with pip, and gcc.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PROVIDER_ADDRESS="registry.terraform.io/workload-security/workload"
API_KEY="quickstart-demo-key"
# How long to wait for the emulator's "listening on" line, in tenths of a second.
STARTUP_TENTHS=300

KEEP_RUNNING=false
EMULATOR_PID=""
WORK_DIR=""

usage() {
    sed -n '/^# Usage:/,/^# PATH:/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

# Stops the emulator unless the run succeeded with --keep-running.
stop_emulator() {
    local status=$?
    if [[ -n "$EMULATOR_PID" ]] && { [[ "$KEEP_RUNNING" != true ]] || ((status != 0)); }; then
        kill "$EMULATOR_PID" 2>/dev/null || true
        wait "$EMULATOR_PID" 2>/dev/null || true
    fi
    if ((status != 0)) && [[ -n "$WORK_DIR" ]]; then
        echo "The quick start failed. Its files, including the emulator log, are in $WORK_DIR" >&2
    fi
}

step() {
    printf '\n==> %s\n' "$*"
}

# Prints the Terraform executable to use, installing one when needed.
find_terraform() {
    local candidate version
    if [[ -n "${TERRAFORM:-}" ]]; then
        version="$(terraform_version "$TERRAFORM")"
        [[ -n "$version" ]] || die "TERRAFORM=$TERRAFORM does not run or prints no version"
        echo "$TERRAFORM"
        return
    fi
    candidate="$(type -P terraform || true)"
    if [[ -n "$candidate" ]]; then
        version="$(terraform_version "$candidate")"
        # Terraform 1.0 is the oldest release this provider supports.
        if [[ "$version" =~ ^1\. ]]; then
            echo "$candidate"
            return
        fi
        echo "Ignoring $candidate (version ${version:-unknown}), which is older than 1.0." >&2
    fi
    if [[ -z "$(terraform_version "$TERRAFORM_NEWEST")" ]]; then
        echo "No Terraform 1.x on PATH, so scripts/install-terraform.sh installs one into tools/." >&2
        bash "$REPO_ROOT/scripts/install-terraform.sh" >/dev/null
    fi
    echo "$TERRAFORM_NEWEST"
}

# Runs Terraform in the configuration folder without the caller's TF_* and
# WORKLOAD_SECURITY_* variables, so that neither TF_CLI_ARGS nor a
# WORKLOAD_SECURITY_REGION from the shell changes what happens.
tf() {
    local name unset_args=()
    for name in $(compgen -e); do
        if [[ "$name" == TF_* || "$name" == WORKLOAD_SECURITY_* ]]; then
            unset_args+=(-u "$name")
        fi
    done
    (cd "$WORK_DIR/config" && env "${unset_args[@]}" \
        CHECKPOINT_DISABLE=1 \
        TF_INPUT=0 \
        TF_CLI_CONFIG_FILE="$WORK_DIR/terraform.tfrc" \
        WORKLOAD_SECURITY_ENDPOINT="$ENDPOINT" \
        WORKLOAD_SECURITY_API_KEY="$API_KEY" \
        "$TERRAFORM_BIN" "$@")
}

# Starts the emulator in the background and sets ENDPOINT from the address it
# prints.
start_emulator() {
    local emulator="$1" out="$WORK_DIR/emulator.out" line="" tenths=0
    "$emulator" --listen 127.0.0.1:0 --api-key "$API_KEY" \
        --state-file "$WORK_DIR/emulator-state.json" >"$out" 2>"$WORK_DIR/emulator.log" &
    EMULATOR_PID=$!
    while ((tenths < STARTUP_TENTHS)); do
        line="$(sed -n 's/^listening on //p' "$out" | head -n 1)"
        [[ -z "$line" ]] || break
        kill -0 "$EMULATOR_PID" 2>/dev/null ||
            die "the emulator exited before listening; see $WORK_DIR/emulator.log"
        sleep 0.1
        tenths=$((tenths + 1))
    done
    [[ -n "$line" ]] || die "the emulator printed no address within $((STARTUP_TENTHS / 10)) seconds"
    ENDPOINT="$line/api"
}

main() {
    while (($#)); do
        case "$1" in
            --keep-running) KEEP_RUNNING=true ;;
            -h | --help)
                usage
                exit 0
                ;;
            *) die "unknown argument $1 (see --help)" ;;
        esac
        shift
    done
    command -v cargo >/dev/null || die "cargo not found; install Rust 1.85 or later (https://rustup.rs)"
    trap stop_emulator EXIT

    step "Finding Terraform"
    TERRAFORM_BIN="$(find_terraform)"
    echo "Using $TERRAFORM_BIN (Terraform $(terraform_version "$TERRAFORM_BIN"))"

    step "Building the provider and the emulator"
    (cd "$REPO_ROOT" && cargo build --bins)
    local build_dir="${CARGO_TARGET_DIR:-$REPO_ROOT/target}/debug"
    [[ "$build_dir" == /* ]] || build_dir="$REPO_ROOT/$build_dir"

    WORK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/workload-quickstart.XXXXXX")"
    step "Starting the emulator (files in $WORK_DIR)"
    start_emulator "$build_dir/workload-emulator"
    echo "API endpoint: $ENDPOINT (process $EMULATOR_PID)"

    printf 'provider_installation {\n  dev_overrides {\n    "%s" = "%s"\n  }\n  direct {}\n}\n' \
        "$PROVIDER_ADDRESS" "$build_dir" >"$WORK_DIR/terraform.tfrc"
    mkdir "$WORK_DIR/config"
    cp "$REPO_ROOT"/examples/quickstart/*.tf "$WORK_DIR/config/"

    step "terraform apply"
    tf apply -auto-approve

    step "terraform output"
    tf output

    step "terraform state list"
    tf state list

    step "terraform plan -detailed-exitcode"
    local code=0
    tf plan -detailed-exitcode || code=$?
    case "$code" in
        0) echo "No changes are planned: the emulator holds exactly what the configuration describes." ;;
        2) die "the second plan proposes changes, but it should be empty after the apply" ;;
        *) die "terraform plan failed with exit code $code" ;;
    esac

    step "Done"
    if [[ "$KEEP_RUNNING" == true ]]; then
        cat <<EOF
The emulator keeps running (process $EMULATOR_PID). To keep playing:

    cd $WORK_DIR/config
    export TF_CLI_CONFIG_FILE=$WORK_DIR/terraform.tfrc
    export WORKLOAD_SECURITY_ENDPOINT=$ENDPOINT
    export WORKLOAD_SECURITY_API_KEY=$API_KEY
    $TERRAFORM_BIN plan

Its test controls are under ${ENDPOINT%/api}/_emulator/ (see workload-emulator --help).
To clean up:

    kill $EMULATOR_PID
    rm -rf $WORK_DIR
EOF
    else
        cat <<EOF
The emulator has stopped; its state is saved in $WORK_DIR/emulator-state.json.
Run scripts/quickstart.sh --keep-running to leave it running and keep playing.
To clean up:

    rm -rf $WORK_DIR
EOF
    fi
}

main "$@"
