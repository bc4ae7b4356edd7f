#!/usr/bin/env python3
"""Turns bench/suite.py's JSON (and bench/cluster.sh's Markdown, when present) into bench/RESULTS.md and the chart.

Usage: report.py SUITE.json RESULTS.md CHART.svg [CLUSTER.md]
Ratios are against bare YARP of the same run and protocol (absolute figures vary from machine to machine).
"""
import json
import os
import platform
import subprocess
import sys
from statistics import mean

BASELINE = "bare-yarp"
PROTOCOLS = {"http1": "HTTP/1.1 (wrk, cleartext)", "h2-tls": "HTTP/2 over TLS (h2load)"}
GOALS = [  # configuration, what it is, the throughput it should keep against bare YARP per protocol, and the bare YARP
           # run given the same request, when the suite has one
    ("gw-everything", "the full gateway", {"http1": 0.85, "h2-tls": 0.80}, "bare-yarp-everything-request"),
    ("gw-signature", "X-Ca signature, no nonce", {"http1": 0.95, "h2-tls": 0.95}, "bare-yarp-signed-request"),
    ("gw-anonymous", "an anonymous API", {"http1": 0.95, "h2-tls": 0.95}, None),
    ("gw-throttle-lease", "throttling in lease mode", {"http1": 0.90, "h2-tls": 0.90}, None),
]
# The same goals read for the opt-in inline scheduling (README "CPU"), from the rows above so that the targets stay one:
# not the default, so shown apart.
INLINE = {"gw-everything", "gw-signature", "gw-anonymous"}
GOALS += [(config + "-inline", f"{what}, inline scheduling (opt-in)", targets, same_request)
          for config, what, targets, same_request in GOALS if config in INLINE]


def sh(*argv):
    """A command's output; some tools (nginx -v, wrk -v) print their version on stderr."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=20)
    except OSError:
        return "?"
    return done.stdout.strip() or done.stderr.strip()


def source_state():
    """The commit measured, and whether the tree differed from it (the run's own outputs aside)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    commit = sh("git", "-C", root, "rev-parse", "--short", "HEAD")
    dirty = sh("git", "-C", root, "status", "--porcelain", "--untracked-files=no", "--", ".",
               ":!bench/RESULTS.md", ":!bench/results.svg", ":!bench/results")
    return [commit, bool(dirty)]


def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    memory = next((int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal")), 0) / 1024 / 1024
    return (f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, Linux {platform.release()}, .NET SDK {sh('dotnet', '--version')}, "
            f"{sh('nginx', '-v').splitlines()[0]}, {sh('haproxy', '-v').splitlines()[0][:40]}, "
            f"{sh('h2load', '--version').splitlines()[0]}, wrk {sh('wrk', '-v').split()[1] if sh('wrk', '-v') else '?'}")


def by(samples, config, protocol):
    return [s for s in samples if s["config"] == config and s["protocol"] == protocol]


def both(values, fmt):
    return " / ".join(fmt.format(v) for v in values)


def table(data, protocol):
    samples = data["samples"]
    base = by(samples, BASELINE, protocol)
    if not base:
        return f"(no {BASELINE} run for this protocol: ratios need it in the same run; add it to BENCH_ONLY)"
    base_rps, base_p99 = mean(s["rps"] for s in base), mean(s["p99_ms"] for s in base)
    rows = ["| configuration | req/s (each run) | vs bare YARP (each run against its own) | p50 ms | p99 ms | p999 ms | added p99 ms | peak RSS MB | CPU µs/req "
            "| context switches/req | allocated B/req | GCs/s, pause ms/s | non-2xx |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for config in data["configs"]:
        runs = by(samples, config["name"], protocol)
        if not runs:
            continue
        allocated = [s["bytes_per_request"] for s in runs if "bytes_per_request" in s]
        switches = [s["context_switches_per_request"] for s in runs if "context_switches_per_request" in s]
        gc = [s["runtime"] for s in runs if "runtime" in s]
        rows.append("| {} | {} | **{:.2f}** ({}) | {} | {} | {} | {:+.2f} | {:.0f} | {:.0f} | {} | {} | {} | {} |".format(
            config["name"], both([s["rps"] for s in runs], "{:,.0f}"), mean(s["rps"] for s in runs) / base_rps,
            both(per_run_ratios(runs, base), "{:.2f}"),
            both([s["p50_ms"] for s in runs], "{:.2f}"), both([s["p99_ms"] for s in runs], "{:.2f}"),
            both([s["p999_ms"] for s in runs], "{:.2f}"), mean(s["p99_ms"] for s in runs) - base_p99,
            max(s["peak_rss_mb"] for s in runs), mean(s["cpu_us_per_request"] for s in runs),
            f"{mean(switches):.2f}" if switches else "", f"{mean(allocated):,.0f}" if allocated else "",
            (f"{mean((r['gen0'] + r['gen1'] + r['gen2']) / r['seconds'] for r in gc):.1f}, "
             f"{mean(1000 * r['gc_pause_s'] / r['seconds'] for r in gc):.0f}") if gc else "",
            sum(s["non2xx"] + s["errors"] for s in runs)))
    return "\n".join(rows)


def goals(data):
    lines = []
    for config, what, targets, same_request in GOALS:
        for protocol, label in PROTOCOLS.items():
            runs, base = by(data["samples"], config, protocol), by(data["samples"], BASELINE, protocol)
            if not runs or not base:
                continue
            ratio = ratio_of(runs, base)
            added = mean(s["p99_ms"] for s in runs) - mean(s["p99_ms"] for s in base)
            like = by(data["samples"], same_request, protocol) if same_request else []
            like_ratio = f"{ratio_of(runs, like):.2f}" if like else ""
            verdict = "met" if ratio >= targets[protocol] else "**not met**"
            lines.append(f"| {what} | `{config}` | {label} | {ratio:.2f} (goal ≥ {targets[protocol]:.2f}) | {like_ratio} | {added:+.2f} ms | {verdict} |")
    return "\n".join(["| goal | configuration | protocol | throughput vs bare YARP | vs bare YARP given the same request | added p99 | |",
                      "| --- | --- | --- | ---: | ---: | ---: | --- |"] + lines)


def per_run_ratios(runs, base):
    """Each run's throughput against bare YARP's in the same run: a host that slows down between runs moves both."""
    base_by_run = {s["run"]: s["rps"] for s in base}
    return [s["rps"] / base_by_run[s["run"]] for s in runs if s["run"] in base_by_run]


def ratio_of(runs, base):
    return mean(s["rps"] for s in runs) / mean(s["rps"] for s in base)


def chart(data, path):
    """Two panels per protocol: throughput relative to bare YARP, and p99 latency; one bar per configuration."""
    configs = [c["name"] for c in data["configs"]]
    row, label_width, panel, gap, top = 18, 190, 300, 40, 60
    height = top + len(configs) * row * 2 + 3 * gap
    width = label_width + 2 * (panel + gap) + 40
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="10" y="20" font-size="14" font-weight="bold">Gateway.Orleans benchmark, {data["date"]}</text>',
           '<text x="10" y="38">bars: mean of the runs; throughput relative to bare YARP of the same run and protocol</text>']
    colors = {"http1": "#4e79a7", "h2-tls": "#f28e2b"}
    y0 = top
    for protocol, label in PROTOCOLS.items():
        stats = {}
        base = by(data["samples"], BASELINE, protocol)
        if not base:
            continue
        base_rps = mean(s["rps"] for s in base)
        for name in configs:
            runs = by(data["samples"], name, protocol)
            if runs:
                stats[name] = (mean(s["rps"] for s in runs) / base_rps, mean(s["p99_ms"] for s in runs))
        max_ratio = max(r for r, _ in stats.values()) or 1
        max_p99 = max(p for _, p in stats.values()) or 1
        x1, x2 = label_width, label_width + panel + gap
        out.append(f'<text x="10" y="{y0 - 6}" font-weight="bold">{label}</text>')
        out.append(f'<text x="{x1}" y="{y0 - 6}">throughput / bare YARP</text><text x="{x2}" y="{y0 - 6}">p99 latency (ms)</text>')
        one = x1 + panel * 1 / max_ratio
        out.append(f'<line x1="{one:.1f}" y1="{y0}" x2="{one:.1f}" y2="{y0 + len(stats) * row}" stroke="#888" stroke-dasharray="3,3"/>')
        for i, (name, (ratio, p99)) in enumerate(stats.items()):
            y = y0 + i * row
            out.append(f'<text x="{label_width - 6}" y="{y + 12}" text-anchor="end">{name}</text>')
            w1, w2 = panel * ratio / max_ratio, panel * p99 / max_p99
            out.append(f'<rect x="{x1}" y="{y + 2}" width="{w1:.1f}" height="{row - 4}" fill="{colors[protocol]}"/>')
            out.append(f'<text x="{x1 + w1 + 3:.1f}" y="{y + 12}">{ratio:.2f}</text>')
            out.append(f'<rect x="{x2}" y="{y + 2}" width="{w2:.1f}" height="{row - 4}" fill="{colors[protocol]}" opacity="0.6"/>')
            out.append(f'<text x="{x2 + w2 + 3:.1f}" y="{y + 12}">{p99:.2f}</text>')
        y0 += len(stats) * row + gap
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def main():
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    data = json.load(open(sys.argv[1]))
    results, svg = sys.argv[2], sys.argv[3]
    cluster = open(sys.argv[4]).read() if len(sys.argv) > 4 and os.path.exists(sys.argv[4]) else None
    commit, dirty = data.get("commit") or source_state()
    s = data["settings"]
    chart(data, svg)
    parts = [
        "# Benchmark results",
        "",
        f"- Date: {data['date']}; commit `{commit}`{' (with uncommitted changes)' if dirty else ''}",
        f"- Machine: {machine()}",
        f"- Each sample: {s['warmup']} s warm-up, then {s['seconds']} s measured with {s['connections']} requests in flight "
        f"(wrk: {s['connections']} connections, 2 threads; h2load: {s['connections'] // 4} connections × 4 streams, 2 threads); "
        f"{s['runs']} runs of every configuration, taken in turns; both figures are kept (`a / b`).",
        "- Everything runs on the same cores on loopback: load generator, proxy and backend compete, so a proxy that "
        "needs more CPU per request also leaves less to the others. `CPU µs/req` is the proxy's own processes.",
        "- The gateway is the embedded one (frontend and silo in one process, memory storage), logs at Warning "
        "(no access-log lines; the other proxies log nothing either), server GC. `added p99` is against bare YARP.",
        "",
        f"![throughput and p99 per configuration]({os.path.basename(svg)})",
        "",
        "## Configurations",
        "",
        "| configuration | what it measures |",
        "| --- | --- |",
        *[f"| {c['name']} | {c['doc']} |" for c in data["configs"]],
        "",
    ]
    for protocol, label in PROTOCOLS.items():
        parts += [f"## {label}", "", table(data, protocol), ""]
    parts += ["## Goals", "", goals(data), ""]
    if cluster:
        parts += [cluster.strip(), ""]
    with open(results, "w") as f:
        f.write("\n".join(parts))
    print("\n".join(parts))


if __name__ == "__main__":
    main()
