#!/usr/bin/python3
"""report.py OUTDIR: the benchmark's table and verdict, from what run.sh left in OUTDIR.

Reads OUTDIR/machine.json, OUTDIR/time-N.json (hyperfine --export-json: plan,
lspci -nn, lspci -n), OUTDIR/rss-N.txt (peak RSS in KiB, one run a line:
"plan KIB" / "lspci KIB") and OUTDIR/loop.json (hyperfine, the field guide's
loop). Writes the report to stdout and OUTDIR/report.txt, the figures to
OUTDIR/results.json. Exit status 0 when every measured target holds, 1 when
one is missed. Python 3 standard library only.
"""

import json
import os
import statistics
import sys

# The targets of the benchmark issue (tests/bench/README.md).
MAX_PLAN_OVER_SCAN = 1.5        # plan / (b) at every size
MIN_LOOP_OVER_PLAN = 100.0      # (c) / plan at 600
MAX_RSS_MIB_AT_20000 = 16.0     # peak RSS of plan at 20,000
SMALL, LARGE = 600, 20000


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def medians(path):
    """hyperfine JSON -> [median seconds per command, in command order]."""
    return [statistics.median(r["times"]) for r in load(path)["results"]]


def rounds(out, n):
    """The rounds of size n (time-N-rK.json, one run of each command) ->
    per command: (median wall seconds, median user+system seconds), and the count."""
    files = [f for f in os.listdir(out) if f.startswith("time-%d-r" % n) and f.endswith(".json")]
    wall, cpu = {}, {}
    for f in files:
        for i, r in enumerate(load(os.path.join(out, f))["results"]):
            wall.setdefault(i, []).extend(r["times"])
            cpu.setdefault(i, []).append(r["user"] + r["system"])
    return [(statistics.median(wall[i]), statistics.median(cpu[i])) for i in sorted(wall)], len(files)


def rss(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            what, kib = line.split()
            out.setdefault(what, []).append(int(kib))
    return {k: max(v) / 1024.0 for k, v in out.items()}   # the worst run, MiB


def main():
    out = sys.argv[1]
    m = load(os.path.join(out, "machine.json"))
    sizes = sorted({int(f.split("-")[1]) for f in os.listdir(out) if f.startswith("time-")})
    rows = {}
    for n in sizes:
        per_command, runs = rounds(out, n)
        (plan, plan_cpu), (scan, scan_cpu), (scan_n, _) = per_command
        r = rss(os.path.join(out, "rss-%d.txt" % n))
        ir = os.path.join(out, "instructions-%d.txt" % n)
        ir = dict(line.split() for line in open(ir, encoding="utf-8")) if os.path.exists(ir) else None
        rows[n] = {"plan_s": plan, "lspci_nn_s": scan, "lspci_n_s": scan_n, "runs": runs,
                   "plan_cpu_s": plan_cpu, "lspci_nn_cpu_s": scan_cpu,
                   "plan_over_b": plan / scan, "plan_over_b_cpu": plan_cpu / scan_cpu,
                   "plan_over_lspci_n": plan / scan_n,
                   "plan_rss_mib": r["plan"], "lspci_rss_mib": r["lspci"],
                   "plan_instructions": int(ir["plan"]) if ir else None,
                   "lspci_nn_instructions": int(ir["lspci"]) if ir else None}
    loop = None
    if os.path.exists(os.path.join(out, "loop.json")) and SMALL in rows:
        t = medians(os.path.join(out, "loop.json"))[0]
        loop = {"loop_s": t, "runs": len(load(os.path.join(out, "loop.json"))["results"][0]["times"]),
                "loop_over_plan": t / rows[SMALL]["plan_s"]}

    lines = []
    p = lines.append
    p("vfioplan benchmark, %s: %s" % (m["date"], m["vfioplan"]))
    p("machine: %s CPUs, %s, Linux %s; trees on %s; load average at start %s"
      % (m["nproc"], m["cpu"], m["kernel"], m["fs"], m["loadavg"]))
    p("tools: %s, %s; medians of %s interleaved rounds (after %s warmup rounds)"
      % (m["lspci"], m["hyperfine"], m["runs"], m["warmup"]))
    if float(m["loadavg"].split()[0]) > int(m["nproc"]) / 2:
        p("note: the machine was busy (load average above half its CPUs): wall-clock figures are noisy")
    p("")
    p("(a) vfioplan plan SPEC --host ROOT --root EMPTY   (b) lspci -A linux-sysfs -O sysfs.path=ROOT/sys/bus/pci -nn")
    p("(b') the same lspci with -O hwdb.disable=1 -n: no names, libpci's scan alone (information, no target)")
    p("")
    p("%7s %9s %9s %8s %9s %9s %11s %8s %8s" % ("devices", "(a) ms", "(b) ms", "(a)/(b)", "cpu a/b",
                                                "(b') ms", "(a)/(b')", "(a) MiB", "(b) MiB"))
    for n in sizes:
        r = rows[n]
        p("%7d %9.1f %9.1f %8.2f %9.2f %9.1f %11.2f %8.1f %8.1f" % (
            n, r["plan_s"] * 1e3, r["lspci_nn_s"] * 1e3, r["plan_over_b"], r["plan_over_b_cpu"],
            r["lspci_n_s"] * 1e3, r["plan_over_lspci_n"], r["plan_rss_mib"], r["lspci_rss_mib"]))
    p("ms: median wall-clock time; cpu a/b: the same ratio in user+system CPU time, which a busy")
    p("machine disturbs less (waiting for a CPU is not counted); MiB: peak RSS, worst of 3 runs")
    if any(rows[n]["plan_instructions"] for n in sizes):
        p("")
        p("instructions (callgrind), which a busy machine does not disturb:")
        p("%7s %14s %14s %8s" % ("devices", "(a)", "(b)", "(a)/(b)"))
        for n in sizes:
            r = rows[n]
            if r["plan_instructions"]:
                p("%7d %14s %14s %8.2f" % (n, "{:,}".format(r["plan_instructions"]),
                                           "{:,}".format(r["lspci_nn_instructions"]),
                                           r["plan_instructions"] / r["lspci_nn_instructions"]))
    p("")
    verdicts = []

    def target(ok, text):
        verdicts.append(ok)
        p("  %-4s %s" % ("ok" if ok else "MISS", text))

    if loop:
        p("(c) the field guide's loop at %d devices: %.2f s (median of %d); (c)/(a) = %.0f"
          % (SMALL, loop["loop_s"], loop["runs"], loop["loop_over_plan"]))
    growth = None
    if SMALL in rows and LARGE in rows:
        growth = {"plan": rows[LARGE]["plan_s"] / rows[SMALL]["plan_s"],
                  "lspci_nn": rows[LARGE]["lspci_nn_s"] / rows[SMALL]["lspci_nn_s"],
                  "linear": LARGE / SMALL}
        p("growth t(%d)/t(%d): (a) %.1f, (b) %.1f; linear would be %.1f"
          % (LARGE, SMALL, growth["plan"], growth["lspci_nn"], growth["linear"]))
        growth["plan_cpu"] = rows[LARGE]["plan_cpu_s"] / rows[SMALL]["plan_cpu_s"]
        p("growth in CPU time: (a) %.1f, (b) %.1f"
          % (growth["plan_cpu"], rows[LARGE]["lspci_nn_cpu_s"] / rows[SMALL]["lspci_nn_cpu_s"]))
        if rows[SMALL]["plan_instructions"] and rows[LARGE]["plan_instructions"]:
            growth["plan_instructions"] = rows[LARGE]["plan_instructions"] / rows[SMALL]["plan_instructions"]
            p("growth in instructions: (a) %.1f, (b) %.1f"
              % (growth["plan_instructions"],
                 rows[LARGE]["lspci_nn_instructions"] / rows[SMALL]["lspci_nn_instructions"]))
    p("")
    p("targets:")
    for n in sizes:
        target(rows[n]["plan_over_b"] <= MAX_PLAN_OVER_SCAN,
               "(a)/(b) <= %.1f at %d: %.2f" % (MAX_PLAN_OVER_SCAN, n, rows[n]["plan_over_b"]))
    if loop:
        target(loop["loop_over_plan"] >= MIN_LOOP_OVER_PLAN,
               "(c)/(a) >= %.0f at %d: %.0f" % (MIN_LOOP_OVER_PLAN, SMALL, loop["loop_over_plan"]))
    if LARGE in rows:
        target(rows[LARGE]["plan_rss_mib"] <= MAX_RSS_MIB_AT_20000,
               "peak RSS of (a) <= %.0f MiB at %d: %.1f MiB"
               % (MAX_RSS_MIB_AT_20000, LARGE, rows[LARGE]["plan_rss_mib"]))
    if growth:
        target(growth["plan"] <= growth["linear"],
               "growth of (a) no worse than linear: %.1f <= %.1f" % (growth["plan"], growth["linear"]))
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    with open(os.path.join(out, "report.txt"), "w", encoding="utf-8") as f:
        f.write(text)
    with open(os.path.join(out, "results.json"), "w", encoding="utf-8") as f:
        json.dump({"machine": m, "sizes": {str(n): rows[n] for n in sizes}, "loop": loop,
                   "growth": growth, "all_targets_met": all(verdicts)}, f, indent=2, sort_keys=True)
        f.write("\n")
    return 0 if all(verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
