using ILGPU;
using SpikeLfp.Learning.Lfp;
using SpikeLfp.Neurons;

namespace SpikeLfp.Gpu.Kernels;

/// <summary>
/// Device kernels of LFP's backward pass (LFP.md, "Backward" and "Rewards"), the equations of
/// <see cref="LfpKernels"/> laid out for one thread per output element. Layouts: [sample, step, neuron].
/// </summary>
public static class LfpDeviceKernels
{
    /// <summary>
    /// lfprop's rate-coded reward for one (sample, class): A_{t,y} = 1 - sigmoid(P_y - floor(T/2)) at every step,
    /// A_{t,c} = -s_{t,c} (1 - sigmoid((T - P_c) - floor(T/2))), times <paramref name="scale"/> (1/T).
    /// The sigmoid is read from a table built on the host in double precision, exactly as RateCodedSpikeReward
    /// computes it (its argument is an integer in [-floor(T/2), T - floor(T/2)]).
    /// </summary>
    public static void RateCodedReward(Index1D index, ArrayView<float> outputSpikes, ArrayView<int> labels, ArrayView<float> sigmoid,
        ArrayView<float> reward, int steps, int classes, float scale)
    {
        int b = index.X / classes, c = index.X - b * classes, label = labels[b], half = steps / 2;
        long start = (long)b * steps * classes;
        int count = 0;
        for (int t = 0; t < steps; t++) if (outputSpikes[start + t * classes + c] != 0f) count++;
        if (c == label)
        {
            float correct = (1f - sigmoid[count - half + half]) * scale;
            for (int t = 0; t < steps; t++) reward[start + t * classes + c] = correct;
        }
        else
        {
            float wrong = -(1f - sigmoid[steps - count - half + half]) * scale;
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
    /// The epsilon rule through one neuron's membrane and back in time (thread = (b, j)), t = T-1 down to 0:
    /// R_t = A_t + I_{t+1}; D_t = |c_{t-1}| + |z_t - (1 - beta) c_{t-1}|; rho_t = R_t / (D_t + eps); I_t = beta c_{t-1} rho_t,
    /// with c_{t-1} = Lif.CarriedMembrane(u_{t-1}) (0 at t = 0). Leaves I_0 in <paramref name="internalReward"/>;
    /// with <paramref name="sumRho"/> != 0 also writes sum_t rho_t (ascending t) for a constant-current layer.
    /// </summary>
    public static void MembraneBackward(Index1D index, ArrayView<float> incoming, ArrayView<float> current, ArrayView<float> membrane,
        ArrayView<float> normalizedReward, ArrayView<float> internalReward, ArrayView<float> normalizedRewardSum,
        int steps, int size, int constantCurrent, int sumRho, DeviceNeurons p)
    {
        int b = index.X / size, j = index.X - b * size;
        float beta = p.Beta, carriedInternal = 0f;
        for (int t = steps - 1; t >= 0; t--)
        {
            long at = ((long)b * steps + t) * size + j;
            float carried = t > 0 ? p.CarriedMembrane(membrane[at - size]) : 0f;
            float z = constantCurrent != 0 ? current[index] : current[at];
            float reward = incoming[at] + carriedInternal;
            float denominator = MathF.Abs(carried) + MathF.Abs(z - (1f - beta) * carried);
            float rho = reward / (denominator + LfpKernels.Epsilon);
            normalizedReward[at] = rho;
            carriedInternal = beta * carried * rho;
        }
        internalReward[index] = carriedInternal;
        if (sumRho != 0)
        {
            float sum = 0f;
            for (int t = 0; t < steps; t++) sum += normalizedReward[((long)b * steps + t) * size + j];
            normalizedRewardSum[index] = sum;
        }
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
