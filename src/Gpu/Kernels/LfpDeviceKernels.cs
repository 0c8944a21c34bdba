using ILGPU;
using SpikeLfp.Learning.Lfp;

namespace SpikeLfp.Gpu.Kernels;

/// <summary>
/// Device kernels of LFP's backward pass (LFP.md, "Backward" and "Rewards"), the equations of
/// <see cref="LfpKernels"/> laid out for one thread per output element. Layouts: [sample, step, neuron].
/// </summary>
internal static class LfpDeviceKernels
{
    /// <summary>
    /// lfprop's rate-coded reward for one (sample, class): A_{t,y} = 1 - sigmoid(P_y - floor(T/2)) at every step,
    /// A_{t,c} = -s_{t,c} (1 - sigmoid((T - P_c) - floor(T/2))), times <paramref name="scale"/> (1/T).
    /// 1 - sigmoid is read from a table built on the host by RateCodedSpikeReward.SigmoidComplement, so both backends
    /// hold the same values (its argument is an integer in [-floor(T/2), T - floor(T/2)]).
    /// </summary>
    public static void RateCodedReward(Index1D index, ArrayView<float> outputSpikes, ArrayView<int> labels, ArrayView<float> sigmoidComplement,
        ArrayView<float> reward, int steps, int classes, float scale)
    {
        int b = index.X / classes, c = index.X - b * classes, label = labels[b], half = steps / 2;
        long start = (long)b * steps * classes;
        int count = 0;
        for (int t = 0; t < steps; t++) if (outputSpikes[start + t * classes + c] != 0f) count++;
        if (c == label)
        {
            float correct = sigmoidComplement[count - half + half] * scale;
            for (int t = 0; t < steps; t++) reward[start + t * classes + c] = correct;
        }
        else
        {
            float wrong = -sigmoidComplement[steps - count - half + half] * scale;
            for (int t = 0; t < steps; t++)
            {
                long at = start + t * classes + c;
                reward[at] = outputSpikes[at] != 0f ? wrong : 0f;
            }
        }
    }

    /// <summary>Total reward of each sample, summed in RateCodedSpikeReward's order (per step: the label, then the others).</summary>
    public static void SampleReward(Index1D b, ArrayView<float> reward, ArrayView<int> labels, ArrayView<float> total, int steps, int classes)
    {
        int label = labels[b];
        long start = (long)b.X * steps * classes;
        float sum = 0f;
        for (int t = 0; t < steps; t++)
        {
            sum += reward[start + t * classes + label];
            for (int c = 0; c < classes; c++)
                if (c != label) sum += reward[start + t * classes + c];
        }
        total[b] = sum;
    }

    /// <summary>
    /// LFP through one neuron and back in time (thread = (b, j)), t = T-1 down to 0, for a feed-forward layer:
    /// <see cref="DeviceNeurons.RewardStep"/> at every step, from A_t (<paramref name="incoming"/>), what drives the
    /// membrane (<paramref name="drive"/>: z_t for LIF, i_t for CubaLIF; [sample, neuron] when
    /// <paramref name="constantDrive"/> != 0) and u_{t-1}. Writes rho_t (q_t for CubaLIF) for every step and leaves the
    /// running rewards of step 0 (I_0, alpha q_0) in <paramref name="internalReward"/> and <paramref name="synapticReward"/>.
    /// </summary>
    public static void MembraneBackward(Index1D index, ArrayView<float> incoming, ArrayView<float> drive, ArrayView<float> membrane,
        ArrayView<float> normalizedReward, ArrayView<float> internalReward, ArrayView<float> synapticReward,
        int steps, int size, int constantDrive, DeviceNeurons p)
    {
        int b = index.X / size, j = index.X - b * size;
        var running = default(DeviceLfpStep);
        for (int t = steps - 1; t >= 0; t--)
        {
            long at = ((long)b * steps + t) * size + j;
            running = p.RewardStep(incoming[at], running.Internal, running.Synaptic, constantDrive != 0 ? drive[index] : drive[at],
                t > 0 ? membrane[at - size] : 0f, membrane[at]);
            normalizedReward[at] = running.NormalizedReward;
        }
        internalReward[index] = running.Internal;
        if (p.HasSynapticCurrent != 0) synapticReward[index] = running.Synaptic;
    }

    /// <summary>
    /// Step <paramref name="step"/> of <see cref="MembraneBackward"/> (thread = (b, j)) for a recurrent layer, whose
    /// reward at s_{t-1} also comes through V from every neuron's q_t: the running rewards live in
    /// <paramref name="internalReward"/> and <paramref name="synapticReward"/> between launches (zero before the last step).
    /// </summary>
    public static void MembraneBackwardStep(Index1D index, ArrayView<float> incoming, ArrayView<float> drive, ArrayView<float> membrane,
        ArrayView<float> normalizedReward, ArrayView<float> internalReward, ArrayView<float> synapticReward,
        int step, int steps, int size, DeviceNeurons p)
    {
        int b = index.X / size, j = index.X - b * size;
        long at = ((long)b * steps + step) * size + j;
        float carriedSynaptic = p.HasSynapticCurrent != 0 ? synapticReward[index] : 0f;
        var result = p.RewardStep(incoming[at], internalReward[index], carriedSynaptic, drive[at], step > 0 ? membrane[at - size] : 0f, membrane[at]);
        normalizedReward[at] = result.NormalizedReward;
        internalReward[index] = result.Internal;
        if (p.HasSynapticCurrent != 0) synapticReward[index] = result.Synaptic;
    }

    /// <summary>
    /// internal[b, i] += reward[b, i] where neuron i fired at <paramref name="step"/>: the reward V^T q_{t+1} that the
    /// recurrent synapses hand to s_t joins the reward at u_t, and only spikes that fired carried anything.
    /// Thread = (b, i); <paramref name="reward"/> is [sample, neuron].
    /// </summary>
    public static void AddFiredReward(Index1D index, ArrayView<float> reward, ArrayView<float> spikes, ArrayView<float> internalReward,
        int step, int steps, int size)
    {
        int b = index.X / size, i = index.X - b * size;
        if (spikes[((long)b * steps + step) * size + i] != 0f) internalReward[index] = internalReward[index] + reward[index];
    }

    /// <summary>
    /// sum[b, j] = sum over t of rho[b, t, j], from the last step to the first as the CPU backward adds them: the
    /// normalized reward a constant input receives, one row per sample. Thread = (b, j).
    /// </summary>
    public static void SumOverSteps(Index1D index, ArrayView<float> rho, ArrayView<float> sum, int steps, int size)
    {
        int b = index.X / size, j = index.X - b * size;
        float acc = 0f;
        for (int t = steps - 1; t >= 0; t--) acc += rho[((long)b * steps + t) * size + j];
        sum[index] = acc;
    }

    /// <summary>
    /// delayed[b, t, i] = s_{t-1}[b, i] (0 at t = 0): the presynaptic side of the recurrent feedback
    /// F_V = |V| (.) sum_t s_{t-1}^T q_t, which is then one product over (sample, step) rows. Thread = (b, t, i).
    /// </summary>
    public static void DelaySpikes(Index1D index, ArrayView<float> spikes, ArrayView<float> delayed, int steps, int size)
    {
        int t = index.X / size % steps;
        delayed[index] = t > 0 ? spikes[index.X - size] : 0f;
    }

    /// <summary>
    /// target[r, i] *= x[r, i]: restricts a product W rho to the inputs that carried it, A^in = x (.) (W^T rho)
    /// (for spikes x is 0/1: only the inputs that fired receive reward).
    /// </summary>
    public static void MultiplyByInput(Index1D index, ArrayView<float> input, ArrayView<float> target)
        => target[index] = target[index] * input[index];

    /// <summary>F[i, j] *= |W[i, j]|: feedback is the product x^T rho scaled by the weight magnitude.</summary>
    public static void ScaleByMagnitude(Index1D index, ArrayView<float> weights, ArrayView<float> feedback)
        => feedback[index] = feedback[index] * MathF.Abs(weights[index]);

    /// <summary>Bias feedback, F_b[j] = |b_j| sum over rows (ascending) of rho[r, j] (thread = j).</summary>
    public static void BiasFeedback(Index1D j, ArrayView<float> rho, ArrayView<float> bias, ArrayView<float> feedback, int rows, int outputs)
    {
        float acc = 0f;
        for (int r = 0; r < rows; r++) acc += rho[(long)r * outputs + j];
        feedback[j] = acc * MathF.Abs(bias[j]);
    }
}
