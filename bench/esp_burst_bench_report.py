#!/usr/bin/env python3
"""Tables and plots for docs/performance.md from esp_burst_bench's JSON.

  build/release-bench/bench/esp_burst_bench --benchmark_repetitions=5 --benchmark_min_time=0.3 \\
      --benchmark_out=esp_burst_bench.json --benchmark_out_format=json
  /usr/bin/python3 bench/esp_burst_bench_report.py esp_burst_bench.json docs/img

Prints markdown: per group (encap/decap x suite) the median time per packet of
every implementation at 64, 576 and 1420 bytes, by CPU time and by wall time,
and the issue's target ratios (baseline time / vpnwire_mb time). Writes one
PNG per group (per-packet CPU time) and one with every target ratio. Run it
with Debian's python (/usr/bin/python3) for matplotlib.
"""
import collections
import json
import pathlib
import statistics
import sys

BURST = 32
SIZES = ["64", "576", "1420"]
GROUPS = ["encap_cbc128_sha1", "decap_cbc128_sha1", "encap_gcm128", "decap_gcm128"]
IMPLS = ["vpnwire_mb", "vpnwire_mb_sse", "ipsec_mb_raw", "ipsec_mb_direct", "dpdk_rte_ipsec", "openssl_per_packet",
         "openssl_evp"]
# (label, group prefix, baseline, target): the targets, as baseline / vpnwire_mb.
TARGETS = [
    ("AES-CBC-128+HMAC-SHA1-96 vs per-packet OpenSSL", "cbc128_sha1", "openssl_per_packet", {"1420": 4.0}),
    ("AES-GCM-128 vs raw per-packet EVP", "gcm128", "openssl_evp", {"64": 3.0, "1420": 2.5}),
    ("vs DPDK rte_ipsec (CBC+SHA1)", "cbc128_sha1", "dpdk_rte_ipsec", {s: 1.0 for s in SIZES}),
    ("vs DPDK rte_ipsec (GCM)", "gcm128", "dpdk_rte_ipsec", {s: 1.0 for s in SIZES}),
    ("full ESP encap vs raw multi-buffer crypto (CBC+SHA1)", "cbc128_sha1", "ipsec_mb_raw", {s: 0.8 for s in SIZES}),
    ("full ESP encap vs raw multi-buffer crypto (GCM)", "gcm128", "ipsec_mb_raw", {s: 0.8 for s in SIZES}),
    ("full ESP encap vs the direct GCM calls (GCM)", "gcm128", "ipsec_mb_direct", {}),
]


def load(path):
    data = json.loads(pathlib.Path(path).read_text())
    cpu, real = collections.defaultdict(list), collections.defaultdict(list)
    for b in data["benchmarks"]:
        if b.get("run_type") != "iteration" or b.get("error_occurred"):
            continue
        group, impl, size = b["run_name"].split("/")[:3]
        unit = {"ns": 1, "us": 1e3, "ms": 1e6}[b.get("time_unit", "ns")]
        cpu[(group, impl, size)].append(b["cpu_time"] * unit / BURST)
        real[(group, impl, size)].append(b["real_time"] * unit / BURST)
    med = lambda d: {k: statistics.median(v) for k, v in d.items()}
    return med(cpu), med(real), data.get("context", {})


def table(cpu, real):
    out = []
    for g in GROUPS:
        out.append(f"\n**{g}** (ns per packet, median of the repetitions; CPU time / wall time)\n")
        out.append("| implementation | " + " | ".join(f"{s} B" for s in SIZES) + " |")
        out.append("|---|" + "---|" * len(SIZES))
        for impl in IMPLS:
            if (g, impl, SIZES[0]) not in cpu:
                continue
            cells = [f"{cpu[(g, impl, s)]:.0f} / {real[(g, impl, s)]:.0f}" for s in SIZES]
            out.append(f"| {impl} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def ratios(times):
    rows = []
    for label, suite, base, targets in TARGETS:
        for direction in ("encap", "decap"):
            if "encap vs" in label and direction == "decap":
                label_d = label.replace("encap", "decap")
            else:
                label_d = label
            g = f"{direction}_{suite}"
            for s in SIZES:
                if (g, base, s) not in times or (g, "vpnwire_mb", s) not in times:
                    continue
                r = times[(g, base, s)] / times[(g, "vpnwire_mb", s)]
                t = targets.get(s)
                rows.append((label_d, direction, s, r, t))
    return rows


def ratio_table(cpu, real):
    rc, rr = ratios(cpu), ratios(real)
    out = ["| comparison | direction | bytes | ratio (CPU) | ratio (wall) | target |", "|---|---|---|---|---|---|"]
    for (label, d, s, r, t), (_, _, _, w, _) in zip(rc, rr):
        mark = "" if t is None else (" met" if r >= t else " **missed**")
        out.append(f"| {label} | {d} | {s} | {r:.2f}x | {w:.2f}x | {'-' if t is None else f'{t:.1f}x' + mark} |")
    return "\n".join(out)


def plots(cpu, img_dir):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    img = pathlib.Path(img_dir)
    img.mkdir(parents=True, exist_ok=True)
    written = []
    for g in GROUPS:
        impls = [i for i in IMPLS if (g, i, SIZES[0]) in cpu]
        fig, ax = plt.subplots(figsize=(7.5, 3.6))
        width = 0.8 / len(impls)
        for k, impl in enumerate(impls):
            xs = [i + k * width for i in range(len(SIZES))]
            ax.bar(xs, [cpu[(g, impl, s)] for s in SIZES], width, label=impl)
        ax.set_xticks([i + 0.4 - width / 2 for i in range(len(SIZES))])
        ax.set_xticklabels([f"{s} B" for s in SIZES])
        ax.set_ylabel("ns per packet (CPU, burst of 32)")
        ax.set_title(f"esp_burst_bench: {g}")
        ax.legend(fontsize=7, ncol=2)
        fig.tight_layout()
        name = img / f"esp_burst_bench-{g}.png"
        fig.savefig(name, dpi=110)
        plt.close(fig)
        written.append(name)
    rows = ratios(cpu)
    fig, ax = plt.subplots(figsize=(9, 4.2))
    short = {"AES-CBC-128+HMAC-SHA1-96 vs per-packet OpenSSL": "CBC+SHA1 / OpenSSL per packet",
             "AES-GCM-128 vs raw per-packet EVP": "GCM / raw EVP per packet",
             "vs DPDK rte_ipsec (CBC+SHA1)": "CBC+SHA1 / DPDK rte_ipsec",
             "vs DPDK rte_ipsec (GCM)": "GCM / DPDK rte_ipsec"}
    def shorten(label):
        if label in short:
            return short[label]
        if "direct" in label:
            return "GCM / direct GCM calls"
        suite = "CBC+SHA1" if "CBC" in label else "GCM"
        return f"{suite} / raw multi-buffer jobs"
    labels = [f"{shorten(label)}, {d} {s} B" for label, d, s, _, _ in rows]
    ax.barh(range(len(rows)), [r for *_, r, _ in rows],
            color=["tab:green" if t is None or r >= t else "tab:red" for *_, r, t in rows])
    for i, (*_, t) in enumerate(rows):
        if t is not None:
            ax.plot([t, t], [i - 0.4, i + 0.4], color="black", linewidth=1)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(labels, fontsize=6.5)
    ax.invert_yaxis()
    ax.set_xlabel("baseline time / vpnwire_mb time (CPU); black marks: target")
    ax.set_title("esp_burst_bench: ratios (green: target met)")
    fig.tight_layout()
    name = img / "esp_burst_bench-ratios.png"
    fig.savefig(name, dpi=110)
    plt.close(fig)
    written.append(name)
    return written


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cpu, real, ctx = load(sys.argv[1])
    print(f"Machine: {ctx.get('num_cpus')} CPUs at {ctx.get('mhz_per_cpu')} MHz, load average "
          f"{', '.join(f'{x:.1f}' for x in ctx.get('load_avg', []))} during the run; {ctx.get('date')}.\n")
    print(ratio_table(cpu, real))
    print(table(cpu, real))
    if len(sys.argv) > 2:
        for p in plots(cpu, sys.argv[2]):
            print(f"\nwrote {p}", file=sys.stderr)


if __name__ == "__main__":
    main()
