#!/usr/bin/env python3
"""The Vogels-Abbott CUBA benchmark in Brian2 (its own example, examples/CUBA.py), timed for comparison with
`spikelfp simulate-network cuba`. Times run() only (network construction excluded), over --repeats fresh networks; the first run compiles
(cython) and is reported separately. Objects have fixed names so that the generated code, and so cython's cache key,
is the same for every repeat (default names count up, and each new name would compile again). Prints one JSON line.

    python3 brian2_cuba.py --neurons 4000 --target cython --repeats 4
"""
import argparse
import json
import statistics
import time

import numpy as np
from brian2 import (NeuronGroup, Synapses, SpikeMonitor, defaultclock, ms, mV, prefs, run, seed, second,
                    start_scope)


def build(n):
    taum, taue, taui = 20 * ms, 5 * ms, 10 * ms
    Vt, Vr, El = -50 * mV, -60 * mV, -49 * mV
    eqs = """
    dv/dt  = (ge + gi - (v - El)) / taum : volt (unless refractory)
    dge/dt = -ge / taue : volt
    dgi/dt = -gi / taui : volt
    """
    P = NeuronGroup(n, eqs, threshold="v > Vt", reset="v = Vr", refractory=5 * ms, method="exact",
                    namespace=dict(taum=taum, taue=taue, taui=taui, Vt=Vt, Vr=Vr, El=El), name="cuba_neurons")
    P.v = "Vr + rand() * (Vt - Vr)"
    P.ge = 0 * mV
    P.gi = 0 * mV
    we = (60 * 0.27 / 10) * mV  # 1.62 mV
    wi = (-20 * 4.5 / 10) * mV  # -9 mV
    p = min(1.0, 80.0 / n)      # 0.02 at N = 4,000, 0.002 at N = 40,000
    ne = int(round(0.8 * n))
    Ce = Synapses(P, P, on_pre="ge += we", namespace=dict(we=we), name="cuba_excitatory")
    Ci = Synapses(P, P, on_pre="gi += wi", namespace=dict(wi=wi), name="cuba_inhibitory")
    Ce.connect(f"i<{ne}", p=p)
    Ci.connect(f"i>={ne}", p=p)
    monitor = SpikeMonitor(P, name="cuba_spikes")
    return P, Ce, Ci, monitor


def cv_of_isi(spike_trains):
    """Mean over neurons with at least two intervals of std/mean of the intervals (population std), as spikelfp."""
    cvs = []
    for times in spike_trains.values():
        if len(times) >= 3:
            isi = np.diff(np.asarray(times))
            cvs.append(isi.std() / isi.mean())
    return float(np.mean(cvs)) if cvs else float("nan")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--neurons", type=int, default=4000)
    parser.add_argument("--target", choices=["cython", "numpy"], default="cython")
    parser.add_argument("--repeats", type=int, default=4, help="runs after the first (warm) one")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    prefs.codegen.target = args.target
    defaultclock.dt = 0.1 * ms
    times, cpu, rates, cvs = [], [], [], []
    for r in range(args.repeats + 1):
        start_scope()
        seed(args.seed)
        P, Ce, Ci, monitor = build(args.neurons)
        t0, c0 = time.perf_counter(), time.process_time()
        run(1 * second, namespace={})
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)  # this process only: robust to other programs on a shared machine
        rates.append(monitor.num_spikes / args.neurons / 1.0)
        cvs.append(cv_of_isi(monitor.spike_trains()))
    warm = times[1:] if len(times) > 1 else times
    warm_cpu = cpu[1:] if len(cpu) > 1 else cpu
    print(json.dumps(dict(simulator="brian2", target=args.target, neurons=args.neurons, first_run_s=times[0],
                          warm_runs_s=warm, median_s=statistics.median(warm),
                          warm_cpu_s=warm_cpu, median_cpu_s=statistics.median(warm_cpu), rate_hz=rates[0], cv_isi=cvs[0],
                          synapses=int(len(Ce) + len(Ci)))))


if __name__ == "__main__":
    main()
