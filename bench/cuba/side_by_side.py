#!/usr/bin/env python3
"""Times the CUBA benchmark in SpikeLfp and Brian2 side by side, in one script, and prints a Markdown table.

Both wall time and CPU time of the simulating process are reported: on a shared machine CPU time is the steadier
measure. SpikeLfp: `spikelfp simulate-network cuba`, the simulation loop only (statistics.json "simulate_seconds"; building the
network and writing files excluded, as Brian2's run() excludes construction). No compile step: each repeat is a fresh
process, so .NET's just-in-time compilation of the loop is inside the time. Brian2: brian2_cuba.py, run() only, median
of the warm runs (the first cython run compiles and is reported apart). Runs alternate between the simulators so that
load on a shared machine hits both alike; report `uptime` with the table.

    python3 bench/cuba/side_by_side.py --spikelfp src/Cli/bin/Release/net10.0/linux-x64/spikelfp --sizes 4000 40000
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def spikelfp(binary, n, threads, seed):
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([binary, "simulate-network", "cuba", "--neurons", str(n), "--duration", "1s", "--seed", str(seed),
                        "--threads", str(threads), "--out", out, "--overwrite"], check=True, stdout=subprocess.DEVNULL)
        with open(os.path.join(out, "statistics.json")) as f:
            s = json.load(f)
    cv = statistics.mean(p["cv_isi"] for p in s["populations"])
    return s["simulate_seconds"], s["simulate_cpu_seconds"], s["rate_hz"], cv


def brian2(n, target, repeats, seed):
    # Debian's python3-brian lives in the system Python, which may not be the first python3 on PATH.
    python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
    out = subprocess.run([python,
                          os.path.join(HERE, "brian2_cuba.py"), "--neurons", str(n), "--target", target,
                          "--repeats", str(repeats), "--seed", str(seed)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--spikelfp", required=True, help="path of the spikelfp executable (Release build)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[4000, 40000])
    parser.add_argument("--repeats", type=int, default=3, help="SpikeLfp runs and Brian2 warm runs per size")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, os.cpu_count()])
    parser.add_argument("--numpy", action="store_true", help="also time Brian2's numpy target")
    args = parser.parse_args()
    rows = []
    for n in args.sizes:
        ours = {t: [] for t in args.threads}
        brian = brian2(n, "cython", args.repeats, 0)
        for r in range(args.repeats):
            for t in args.threads:
                ours[t].append(spikelfp(args.spikelfp, n, t, 0))
        for t in args.threads:
            times, cpu = [x[0] for x in ours[t]], [x[1] for x in ours[t]]
            rows.append((n, f"SpikeLfp CPU, --threads {t}", statistics.median(times), times, statistics.median(cpu), ours[t][0][2], ours[t][0][3]))
        rows.append((n, "Brian2 cython (warm)", brian["median_s"], brian["warm_runs_s"], brian["median_cpu_s"], brian["rate_hz"], brian["cv_isi"]))
        rows.append((n, "Brian2 cython, first run (compiles)", brian["first_run_s"], [brian["first_run_s"]], float("nan"), brian["rate_hz"], brian["cv_isi"]))
        if args.numpy:
            numpy = brian2(n, "numpy", max(1, args.repeats - 1), 0)
            rows.append((n, "Brian2 numpy (warm)", numpy["median_s"], numpy["warm_runs_s"], numpy["median_cpu_s"], numpy["rate_hz"], numpy["cv_isi"]))
    print("| N | simulator | median wall s | wall s of each run | median CPU s | rate Hz | CV ISI |")
    print("|---|---|---|---|---|---|---|")
    for n, name, median, runs, cpu, rate, cv in rows:
        print(f"| {n} | {name} | {median:.3f} | {', '.join(f'{x:.3f}' for x in runs)} | {cpu:.3f} | {rate:.2f} | {cv:.2f} |")
    print()
    print("uptime:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()
