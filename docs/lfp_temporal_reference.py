"""Plain float64 reference of LFP through CubaLIF and recurrent layers (docs/lfp-temporal.md), written from the
equations alone, independent of the C# code. It prints the hand-checkable case that
tests/SpikeLfp.Tests/Temporal/TemporalLfpTests.cs pins: one layer of 2 neurons, 2 spiking inputs, 3 steps, a fixed
reward on the layer's spikes. Run: python3 docs/lfp_temporal_reference.py"""

EPS = 1e-6


def H(v):
    return 1.0 if v > 0 else 0.0


def run(W, b, V, bV, x, A, alpha, beta, theta=1.0):
    """W[j][i], V[j][l] (out x in), x[t][i] 0/1, A[t][j]: reward on s_t. Reset: subtract, delayed."""
    T, n, m = len(x), len(b), len(x[0])
    i_prev, u_prev, s_prev = [0.0] * n, [0.0] * n, [0.0] * n
    cur, mem, spk, prev_mem = [], [], [], []
    for t in range(T):
        z = [sum(W[j][k] * x[t][k] for k in range(m)) + b[j] + bV[j] + sum(V[j][l] * s_prev[l] for l in range(n)) for j in range(n)]
        i_t = [alpha * i_prev[j] + z[j] for j in range(n)]
        u_t = [beta * u_prev[j] + i_t[j] - theta * H(u_prev[j] - theta) for j in range(n)]
        s_t = [H(u_t[j] - theta) for j in range(n)]
        cur.append(i_t); mem.append(u_t); spk.append(s_t); prev_mem.append(u_prev)
        i_prev, u_prev, s_prev = i_t, u_t, s_t

    FW = [[0.0] * m for _ in range(n)]; Fb = [0.0] * n
    FV = [[0.0] * n for _ in range(n)]; FbV = [0.0] * n
    inp = [[0.0] * m for _ in range(T)]
    I_u, C, Rec = [0.0] * n, [0.0] * n, [0.0] * n
    for t in reversed(range(T)):
        R = [A[t][j] + I_u[j] + Rec[j] for j in range(n)]
        c = prev_mem[t]
        D = [abs(c[j]) + abs(cur[t][j] - (1 - beta) * c[j]) for j in range(n)]
        rho = [R[j] / (D[j] + EPS) for j in range(n)]
        I_u = [beta * c[j] * rho[j] for j in range(n)]
        q = [rho[j] + C[j] for j in range(n)]
        C = [alpha * q[j] for j in range(n)]
        for j in range(n):
            for k in range(m):
                FW[j][k] += abs(W[j][k]) * q[j] * x[t][k]
            Fb[j] += abs(b[j]) * q[j]
            FbV[j] += abs(bV[j]) * q[j]
            if t > 0:
                for l in range(n):
                    FV[j][l] += abs(V[j][l]) * q[j] * spk[t - 1][l]
        for k in range(m):
            inp[t][k] = x[t][k] * sum(W[j][k] * q[j] for j in range(n))
        Rec = [spk[t - 1][l] * sum(V[j][l] * q[j] for j in range(n)) if t > 0 else 0.0 for l in range(n)]
    return dict(spikes=spk, membrane=mem, current=cur, FW=FW, Fb=Fb, FV=FV, FbV=FbV, input_reward=inp)


W = [[0.9, 0.4], [0.3, 0.8]]
b = [0.15, -0.05]
x = [[1, 0], [1, 1], [0, 1]]
A = [[0.2, -0.1], [0.0, 0.3], [0.5, -0.2]]
zero2 = [[0.0, 0.0], [0.0, 0.0]]
cases = {
    "cuba": run(W, b, zero2, [0.0, 0.0], x, A, alpha=0.5, beta=0.8),
    "recurrent_lif": run(W, b, [[0.2, -0.6], [0.7, 0.1]], [0.05, 0.02], x, A, alpha=0.0, beta=0.8),
}
for name, r in cases.items():
    print(name)
    for key, value in r.items():
        print(f"  {key}: {value}")


def readout(W, b, x, label, beta, eps=EPS):
    """LI readout (u_t = beta u_{t-1} + z_t, no spikes) under the softmax reward on l = mean_t u_t."""
    import math
    T, n, m = len(x), len(b), len(x[0])
    u_prev, U = [0.0] * n, []
    for t in range(T):
        U.append([beta * u_prev[j] + sum(W[j][k] * x[t][k] for k in range(m)) + b[j] for j in range(n)])
        u_prev = U[-1]
    stab = lambda v: v + (eps if v >= 0 else -eps)
    l = [sum(U[t][j] for t in range(T)) / T for j in range(n)]
    e = [math.exp(v - max(l)) for v in l]
    p = [v / sum(e) for v in e]
    A = [l[j] * ((1.0 if j == label else 0.0) - p[j]) for j in range(n)]
    FW = [[0.0] * m for _ in range(n)]; Fb = [0.0] * n; inp = [[0.0] * m for _ in range(T)]; C = [0.0] * n
    for t in reversed(range(T)):
        rho = [U[t][j] * A[j] / (T * stab(l[j])) / stab(U[t][j]) for j in range(n)]   # A_t / (u_t + eps sign u_t)
        q = [rho[j] + C[j] for j in range(n)]
        C = [beta * q[j] for j in range(n)]
        for j in range(n):
            for k in range(m):
                FW[j][k] += abs(W[j][k]) * q[j] * x[t][k]
            Fb[j] += abs(b[j]) * q[j]
        for k in range(m):
            inp[t][k] = x[t][k] * sum(W[j][k] * q[j] for j in range(n))
    return dict(membrane=U, logits=l, reward=A, FW=FW, Fb=Fb, input_reward=inp)


print("li_readout")
for key, value in readout(W, b, x, label=0, beta=0.8).items():
    print(f"  {key}: {value}")
