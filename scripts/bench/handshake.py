#!/usr/bin/env python3
"""Measure how long Terraform providers take from process start to their go-plugin handshake line.

Usage: handshake.py --client-cert PEM_FILE --runs N --provider LABEL:PROTOCOL:PATH [--provider ...]

Each run starts a provider with the environment Terraform gives a plugin: magic cookie, protocol
version, port range and the client certificate for automatic mutual TLS. It waits for the first
line on stdout, then kills the process and collects its resource usage. The providers take turns run by
run, so that load from other programs on the machine falls on all of them alike, and one
unmeasured run of each warms the page cache first.

Prints one JSON object that maps each label to lists of: milliseconds from start to the handshake
line, CPU milliseconds (user + sys) until the kill, and peak resident memory in KiB; plus the last
handshake line without its certificate.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

# The value Terraform sends in TF_PLUGIN_MAGIC_COOKIE (Terraform's plugin handshake config).
MAGIC_COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"


def measure_start(binary, env):
    """Start the binary, read its first stdout line and kill it.

    Returns (milliseconds to the line, CPU milliseconds, peak RSS in KiB, the line).
    """
    started = time.perf_counter_ns()
    process = subprocess.Popen(
        [binary],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        line = process.stdout.readline()
        elapsed_ms = (time.perf_counter_ns() - started) / 1e6
    finally:
        process.kill()
        # wait4 reaps the process and returns its resource usage, which Popen.wait discards.
        _, _, usage = os.wait4(process.pid, 0)
        process.returncode = -signal.SIGKILL
        process.stdin.close()
        process.stdout.close()
    cpu_ms = (usage.ru_utime + usage.ru_stime) * 1000
    return elapsed_ms, cpu_ms, usage.ru_maxrss, line.decode("utf-8", "replace").strip()


def parse_provider(text):
    """Split LABEL:PROTOCOL:PATH; PATH may itself hold colons."""
    parts = text.split(":", 2)
    if len(parts) != 3 or parts[1] not in ("5", "6"):
        raise argparse.ArgumentTypeError(f"expected LABEL:5:PATH or LABEL:6:PATH, not {text!r}")
    return parts[0], parts[1], parts[2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--provider", action="append", type=parse_provider, required=True,
                        help="LABEL:PROTOCOL:PATH, a provider and the protocol version to offer")
    parser.add_argument("--client-cert", required=True,
                        help="a PEM certificate file, sent as PLUGIN_CLIENT_CERT")
    parser.add_argument("--runs", type=int, default=20, help="measured runs each (default 20)")
    args = parser.parse_args()

    with open(args.client_cert, encoding="ascii") as cert_file:
        client_cert = cert_file.read()

    results = {label: {"milliseconds": [], "cpu_milliseconds": [], "peak_rss_kib": []}
               for label, _, _ in args.provider}
    # A plugin puts its Unix socket into TMPDIR, and a killed plugin leaves it behind, so the
    # sockets go to a scratch directory that is deleted afterwards.
    with tempfile.TemporaryDirectory(prefix="bench-handshake-") as socket_dir:
        base_env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/"),
            "TMPDIR": socket_dir,
            "TF_PLUGIN_MAGIC_COOKIE": MAGIC_COOKIE,
            "PLUGIN_MIN_PORT": "10000",
            "PLUGIN_MAX_PORT": "25000",
            "PLUGIN_CLIENT_CERT": client_cert,
        }
        for run in range(args.runs + 1):
            for label, protocol, binary in args.provider:
                env = dict(base_env, PLUGIN_PROTOCOL_VERSIONS=protocol)
                elapsed_ms, cpu_ms, rss_kib, line = measure_start(binary, env)
                # go-plugin's line is CORE-VERSION|APP-VERSION|NETWORK|ADDRESS|PROTOCOL|CERT.
                fields = line.split("|")
                if len(fields) < 5 or fields[0] != "1" or fields[1] != protocol:
                    sys.exit(f"handshake.py: {binary} printed {line[:200]!r}, "
                             f"not a go-plugin handshake line for protocol {protocol}")
                if run == 0:
                    continue
                results[label]["milliseconds"].append(elapsed_ms)
                results[label]["cpu_milliseconds"].append(cpu_ms)
                results[label]["peak_rss_kib"].append(rss_kib)
                results[label]["line"] = "|".join(fields[:5])

    json.dump(results, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
