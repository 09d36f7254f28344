#!/usr/bin/env bash
# Packages the provider the way a provider registry and a filesystem mirror
# expect it, into dist/ (git-ignored):
#
#   terraform-provider-workload_VERSION_OS_ARCH.zip
#       the binary, named terraform-provider-workload_vVERSION
#   terraform-provider-workload_VERSION_manifest.json
#       the registry manifest: plugin protocol 6.0
#   terraform-provider-workload_VERSION_SHA256SUMS
#       SHA-256 sums of the zip and the manifest, in sha256sum's format
#   mirror/registry.terraform.io/workload-security/workload/
#       terraform-provider-workload_VERSION_OS_ARCH.zip
#       a filesystem mirror in the packed layout, for the
#       provider_installation { filesystem_mirror { ... } } CLI setting
#
# Usage: scripts/package.sh [--binary FILE] [--out DIR] [--os-arch OS_ARCH] [VERSION]
#   VERSION          the release version without a leading v; default: the
#                    version in Cargo.toml
#   --binary FILE    package this provider binary instead of building one with
#                    `cargo build --release` (tests pass their debug build)
#   --out DIR        write into DIR instead of dist/; existing files of the
#                    same version are replaced
#   --os-arch OS_ARCH  the platform of the binary, such as linux_arm64;
#                    default: this machine's
# Needs sha256sum, and zip or python3 to write the zip.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PROVIDER_TYPE="workload"
PROVIDER_ADDRESS="registry.terraform.io/workload-security/$PROVIDER_TYPE"
BINARY_NAME="terraform-provider-$PROVIDER_TYPE"

# Scratch directory for the renamed binary, deleted on exit.
STAGING_DIR=""
cleanup() {
    if [[ -n "$STAGING_DIR" ]]; then
        rm -rf "$STAGING_DIR"
    fi
}
trap cleanup EXIT

usage() {
    sed -n '/^# Usage:/,/^# Needs/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

# Prints the package version from Cargo.toml.
cargo_version() {
    sed -n 's/^version *= *"\([^"]*\)".*/\1/p' "$REPO_ROOT/Cargo.toml" | head -n 1
}

# Prints this machine's platform in Terraform's OS_ARCH form.
host_os_arch() {
    local os arch
    case "$(uname -s)" in
        Linux) os=linux ;;
        Darwin) os=darwin ;;
        FreeBSD) os=freebsd ;;
        *) die "unknown operating system $(uname -s); pass --os-arch" ;;
    esac
    case "$(uname -m)" in
        x86_64 | amd64) arch=amd64 ;;
        aarch64 | arm64) arch=arm64 ;;
        i386 | i686) arch=386 ;;
        armv7l | armv6l) arch=arm ;;
        *) die "unknown machine architecture $(uname -m); pass --os-arch" ;;
    esac
    echo "${os}_${arch}"
}

# Writes the zip $1 holding the file $2 under its base name, with its mode
# kept so that the unpacked binary is executable. zip's own time stamps are
# kept as they are; python's zipfile is the fallback when zip is missing.
write_zip() {
    local archive="$1" file="$2"
    rm -f "$archive"
    if command -v zip >/dev/null; then
        (cd "$(dirname "$file")" && zip -q -X "$archive" "$(basename "$file")")
    elif command -v python3 >/dev/null; then
        python3 - "$archive" "$file" <<'PYTHON'
import os
import sys
import zipfile

archive, path = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as out:
    out.write(path, arcname=os.path.basename(path))
PYTHON
    else
        die "neither zip nor python3 is installed, and one of them is needed to write $archive"
    fi
}

main() {
    local version="" binary="" out_dir="$REPO_ROOT/dist" os_arch=""
    while (($#)); do
        case "$1" in
            --binary)
                (($# >= 2)) || die "--binary needs a file"
                binary="$2"
                shift 2
                ;;
            --out)
                (($# >= 2)) || die "--out needs a directory"
                out_dir="$2"
                shift 2
                ;;
            --os-arch)
                (($# >= 2)) || die "--os-arch needs a value such as linux_amd64"
                os_arch="$2"
                shift 2
                ;;
            -h | --help)
                usage
                exit 0
                ;;
            -*) die "unknown option $1 (see --help)" ;;
            *)
                [[ -z "$version" ]] || die "more than one version given: $version and $1"
                version="$1"
                shift
                ;;
        esac
    done

    local cargo_version_value
    cargo_version_value="$(cargo_version)"
    version="${version:-$cargo_version_value}"
    version="${version#v}"
    [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]] ||
        die "version '$version' is not of the form MAJOR.MINOR.PATCH (with an optional -PRERELEASE)"
    [[ -n "$os_arch" ]] || os_arch="$(host_os_arch)"
    [[ "$os_arch" =~ ^[a-z0-9]+_[a-z0-9]+$ ]] ||
        die "platform '$os_arch' is not of the form OS_ARCH, such as linux_amd64"
    command -v sha256sum >/dev/null || die "sha256sum not found (it is part of GNU coreutils)"

    if [[ -z "$binary" ]]; then
        if [[ "$version" != "$cargo_version_value" ]]; then
            echo "warning: packaging version $version, but Cargo.toml says $cargo_version_value," \
                "so \`$BINARY_NAME --version\` will print $cargo_version_value" >&2
        fi
        (cd "$REPO_ROOT" && cargo build --release --bin "$BINARY_NAME")
        binary="$REPO_ROOT/target/release/$BINARY_NAME"
    fi
    [[ -f "$binary" && -x "$binary" ]] || die "$binary is not an executable file"

    mkdir -p "$out_dir"
    out_dir="$(cd "$out_dir" && pwd)"
    local prefix="${BINARY_NAME}_${version}"
    local zip_name="${prefix}_${os_arch}.zip"
    local manifest_name="${prefix}_manifest.json"
    local sums_name="${prefix}_SHA256SUMS"
    local mirror_dir="$out_dir/mirror/$PROVIDER_ADDRESS"

    # The binary is staged under its release name, which Terraform looks for
    # in the unpacked package.
    STAGING_DIR="$(mktemp -d)"
    local staged="$STAGING_DIR/${BINARY_NAME}_v${version}"
    cp "$binary" "$staged"
    chmod 755 "$staged"
    write_zip "$out_dir/$zip_name" "$staged"

    printf '{\n  "version": 1,\n  "metadata": {\n    "protocol_versions": ["6.0"]\n  }\n}\n' \
        >"$out_dir/$manifest_name"

    (cd "$out_dir" && sha256sum "$zip_name" "$manifest_name" >"$sums_name")

    mkdir -p "$mirror_dir"
    cp "$out_dir/$zip_name" "$mirror_dir/$zip_name"

    echo "$out_dir/$zip_name"
    echo "$out_dir/$manifest_name"
    echo "$out_dir/$sums_name"
    echo "$mirror_dir/$zip_name"
}

main "$@"
