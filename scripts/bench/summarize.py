#!/usr/bin/env python3
"""Turn the records of scripts/bench.sh into Markdown tables of medians, ranges and ratios.

Usage: summarize.py RAW_DIR

RAW_DIR contains machine.json, handshake.json and PROVIDER/SIZE/COMMAND/REPETITION/ with
record.json, terraform.txt (GNU time's report for Terraform's process tree), providers/*.txt (one
GNU time report per provider process) and requests.json (the emulator's request log). The
Markdown goes to stdout.
"""

import json
import re
import statistics
import sys
from collections import Counter
from pathlib import Path

COMMANDS = ("apply", "plan", "update", "destroy")
PROVIDER_NAMES = {
    "workload": "workload (Rust)",
    "null": "null 2.1.2 (Go)",
}
# Targets the provider is measured against: its value divided by the Go provider's.
MAX_RATIO = 0.5


def read_time_report(path):
    """Return (cpu_seconds, peak_rss_kib) from a GNU `time -v` report."""
    text = path.read_text(encoding="utf-8", errors="replace")
    fields = {}
    for key, pattern in (
        ("user", r"User time \(seconds\): ([0-9.]+)"),
        ("system", r"System time \(seconds\): ([0-9.]+)"),
        ("rss", r"Maximum resident set size \(kbytes\): ([0-9]+)"),
    ):
        match = re.search(pattern, text)
        if match is None:
            sys.exit(f"summarize.py: {path} has no '{key}' line; is it a GNU time -v report?")
        fields[key] = float(match.group(1))
    return fields["user"] + fields["system"], fields["rss"]


def endpoint(request):
    """Name a logged request by method and path, with numeric IDs replaced by {id}."""
    path = re.sub(r"/[0-9]+(?=/|$)", "/{id}", request["path"])
    query = request.get("query")
    if query:
        path += "?" + re.sub(r"=[0-9]+", "={n}", query)
    return f"{request['method']} {path}"


def read_run(run_dir):
    """Return the figures of one Terraform command run."""
    record = json.loads((run_dir / "record.json").read_text())
    size = record["size"]
    reports = sorted((run_dir / "providers").glob("*.txt"))
    provider_cpu = 0.0
    provider_rss = 0.0
    for report in reports:
        cpu, rss = read_time_report(report)
        provider_cpu += cpu
        provider_rss = max(provider_rss, rss)
    # Terraform waits for its provider processes, so their CPU time is part of its children's.
    terraform_cpu, _ = read_time_report(run_dir / "terraform.txt")
    requests = json.loads((run_dir / "requests.json").read_text())["requests"]
    return {
        "wall_s": record["wall_ns"] / 1e9,
        "provider_cpu_s": provider_cpu,
        "cpu_per_resource_ms": provider_cpu * 1000 / size,
        "peak_rss_mib": provider_rss / 1024,
        "provider_processes": len(reports),
        "terraform_core_cpu_s": max(terraform_cpu - provider_cpu, 0.0),
        "emulator_cpu_s": record["emulator_cpu_ticks"] / record["clock_ticks_per_second"],
        "requests": len(requests),
        "requests_per_resource": len(requests) / size,
        "endpoints": Counter(endpoint(request) for request in requests),
    }


def load_runs(raw_dir):
    """Return {(provider, size, command): [run figures, ...]}."""
    runs = {}
    for provider_dir in sorted(path for path in raw_dir.iterdir() if path.is_dir()):
        for size_dir in sorted(provider_dir.iterdir(), key=lambda path: int(path.name)):
            for command in COMMANDS:
                command_dir = size_dir / command
                if not command_dir.is_dir():
                    continue
                repetitions = sorted(command_dir.iterdir(), key=lambda path: int(path.name))
                runs[(provider_dir.name, int(size_dir.name), command)] = [
                    read_run(run_dir) for run_dir in repetitions
                ]
    return runs


def spread(values, digits):
    """Format the median with min–max, or the median alone when every value is equal."""
    median = statistics.median(values)
    low, high = min(values), max(values)
    text = f"{median:.{digits}f}"
    if f"{low:.{digits}f}" != f"{high:.{digits}f}":
        text += f" ({low:.{digits}f}–{high:.{digits}f})"
    return text


def median_of(runs, key):
    return statistics.median(run[key] for run in runs)


def verdict(ratio):
    return "met" if ratio <= MAX_RATIO else "**missed**"


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: summarize.py RAW_DIR")
    raw_dir = Path(sys.argv[1])
    machine = json.loads((raw_dir / "machine.json").read_text())
    handshakes = json.loads((raw_dir / "handshake.json").read_text())
    runs = load_runs(raw_dir)
    sizes = sorted({size for (_, size, _) in runs})
    providers = [name for name in PROVIDER_NAMES if any(key[0] == name for key in runs)]
    both = "workload" in providers and "null" in providers
    out = []

    out.append("# Benchmark results\n")
    out.append(
        f"{machine['date']}, commit {machine['commit']}: {machine['cores']} cores "
        f"({machine['cpu']}), {machine['memory_mib']} MiB memory, {machine['kernel']}, "
        f"Terraform {machine['terraform']}, {machine['rustc']}. "
        f"{machine['repetitions']} repetitions of each command; figures are medians with "
        f"min–max in brackets.\n"
    )

    out.append("## Start-up to handshake\n")
    out.append(
        "Time from starting the process to its go-plugin handshake line on stdout, and the CPU "
        "time and peak RSS of the process by then (it is killed right after the line).\n"
    )
    rows = [
        [PROVIDER_NAMES[name], spread(figures["milliseconds"], 1),
         spread(figures["cpu_milliseconds"], 1),
         spread([kib / 1024 for kib in figures["peak_rss_kib"]], 1),
         len(figures["milliseconds"])]
        for name, figures in handshakes.items()
    ]
    out.append(table(["Provider", "Start to handshake, ms", "CPU, ms", "Peak RSS, MiB", "Runs"],
                     rows) + "\n")

    out.append("## Terraform commands\n")
    out.append(
        "Update (workload only) applies a new description to every rule and runs in the first "
        "repetition only. "
        "Provider CPU is user + sys summed over every provider process of the command; peak RSS "
        "is the largest of those processes. Terraform core CPU is the CPU time of Terraform's "
        "process tree minus the providers'. Requests per resource divide the emulator's request "
        "count by N (for workload, the policy resource's requests are included).\n"
    )
    header = [
        "Provider", "N", "Command", "Runs", "Wall, s", "Provider CPU, s", "CPU per resource, ms",
        "Peak RSS, MiB", "Provider processes", "Terraform core CPU, s", "Emulator CPU, s",
        "API requests per resource",
    ]
    rows = []
    for size in sizes:
        for provider in providers:
            for command in COMMANDS:
                group = runs.get((provider, size, command))
                if not group:
                    continue
                column = lambda key: [run[key] for run in group]  # noqa: E731
                rows.append([
                    PROVIDER_NAMES[provider], size, command, len(group),
                    spread(column("wall_s"), 2),
                    spread(column("provider_cpu_s"), 2),
                    spread(column("cpu_per_resource_ms"), 2),
                    spread(column("peak_rss_mib"), 1),
                    spread(column("provider_processes"), 0),
                    spread(column("terraform_core_cpu_s"), 2),
                    spread(column("emulator_cpu_s"), 2) if provider == "workload" else "–",
                    spread(column("requests_per_resource"), 2) if provider == "workload" else "–",
                ])
    out.append(table(header, rows) + "\n")

    if both:
        out.append("## Ratios workload / null (target: at most 0.5)\n")
        rows = []
        for label, key in (("start-up to handshake", "milliseconds"),
                           ("start-up CPU", "cpu_milliseconds")):
            ratio = (statistics.median(handshakes["workload"][key])
                     / statistics.median(handshakes["null"][key]))
            target = verdict(ratio) if key == "milliseconds" else "–"
            rows.append([label, "–", f"{ratio:.2f}", target])
        for size in sizes:
            for command in COMMANDS:
                ours = runs.get(("workload", size, command))
                theirs = runs.get(("null", size, command))
                if not ours or not theirs:
                    continue
                for label, key in (("CPU per resource", "cpu_per_resource_ms"),
                                   ("peak RSS", "peak_rss_mib")):
                    denominator = median_of(theirs, key)
                    if denominator == 0:
                        rows.append([f"{label}, {command}", size, "n/a (Go value 0)", "–"])
                        continue
                    ratio = median_of(ours, key) / denominator
                    rows.append([f"{label}, {command}", size, f"{ratio:.2f}", verdict(ratio)])
        out.append(table(["Figure", "N", "Ratio of medians", "Target"], rows) + "\n")

    if "workload" in providers:
        out.append("## Where the time goes (workload)\n")
        out.append(
            "Medians in seconds. A no-change plan meets its target when Terraform core CPU "
            "exceeds provider CPU.\n"
        )
        rows = []
        for size in sizes:
            for command in COMMANDS:
                group = runs.get(("workload", size, command))
                if not group:
                    continue
                wall = median_of(group, "wall_s")
                core = median_of(group, "terraform_core_cpu_s")
                provider = median_of(group, "provider_cpu_s")
                emulator = median_of(group, "emulator_cpu_s")
                target = "–"
                if command == "plan":
                    target = "met" if core > provider else "**missed**"
                rows.append([
                    size, command, f"{wall:.2f}", f"{core:.2f}", f"{provider:.2f}",
                    f"{emulator:.2f}", f"{provider / wall:.0%}", target,
                ])
        out.append(table(
            ["N", "Command", "Wall", "Terraform core CPU", "Provider CPU", "Emulator CPU",
             "Provider CPU / wall", "Plan target"],
            rows,
        ) + "\n")

        out.append("## API requests per command (workload)\n")
        out.append(
            "Requests in the emulator's log during the command, by endpoint, as the median over "
            "the repetitions; numeric IDs are shown as {id}.\n"
        )
        rows = []
        for size in sizes:
            for command in COMMANDS:
                group = runs.get(("workload", size, command))
                if not group:
                    continue
                names = sorted(set().union(*(run["endpoints"] for run in group)))
                for name in names:
                    counts = [run["endpoints"].get(name, 0) for run in group]
                    median = statistics.median(counts)
                    rows.append([size, command, f"`{name}`", spread(counts, 0),
                                 f"{median / size:.3f}"])
                rows.append([size, command, "total", spread([run["requests"] for run in group], 0),
                             f"{median_of(group, 'requests_per_resource'):.3f}"])
        out.append(table(["N", "Command", "Endpoint", "Requests", "Per rule"], rows) + "\n")

    print("\n".join(out))


if __name__ == "__main__":
    main()
