using ILGPU.Runtime;
using SpikeLfp.Network;
using SpikeLfp.Network.Encoding;
using SpikeLfp.Network.Model;

namespace SpikeLfp.Gpu;

/// <summary>
/// The device memory a network's trace and LFP buffers take on the GPU (every buffer <see cref="DeviceModel"/>
/// allocates), counted in 64 bits, and the check that refuses a shape the device cannot hold before any of it is
/// allocated, naming the size and the limit.
/// </summary>
internal static class DeviceMemory
{
    /// <summary>
    /// The part of the device's memory one model may take; the rest is for the CUDA context, compiled kernels and
    /// cuBLAS's workspace.
    /// </summary>
    public const double MemoryFraction = 0.9;

    /// <summary>
    /// Bytes of device memory for <paramref name="network"/> with a batch of <paramref name="capacity"/> samples and
    /// <paramref name="steps"/> steps: per layer W, b, their feedback, and [sample, step, neuron] membrane, spikes,
    /// incoming and normalized reward, the current (per sample for a constant input) and the synaptic current of
    /// current-based neurons, recurrent synapses' V, b_V, feedback and delayed spikes; and the input, its reward and
    /// the per-sample buffers. Mirrors <see cref="DeviceModel"/>'s constructor (a test holds them equal).
    /// </summary>
    public static long Bytes(SpikingNetwork network, long capacity, long steps, InputKind input)
    {
        ArgumentNullException.ThrowIfNull(network);
        long bytes = 0;
        // Allocate1D of length 0 takes one element (DeviceModel.Allocate).
        void Add(long length, int elementSize = sizeof(float)) => bytes += Math.Max(1, length) * elementSize;
        bool constant = input == InputKind.ConstantCurrent;
        for (int k = 0; k < network.Layers.Count; k++)
        {
            var layer = network.Layers[k];
            bool constantInput = k == 0 && constant;
            long perStep = capacity * steps * layer.Size, perSample = capacity * layer.Size, weights = (long)layer.Inputs * layer.Size;
            Add(weights, 2 * sizeof(float));                                   // W and its feedback
            Add(layer.Size, 2 * sizeof(float));                                // b and its feedback
            Add(constantInput && !layer.IsRecurrent ? perSample : perStep);    // z
            Add(perStep, 4 * sizeof(float));                                   // membrane, spikes, incoming, normalized reward
            Add(perSample);                                                    // internal reward
            if (layer.Neuron.HasSynapticCurrent) { Add(perStep); Add(perSample); }
            if (layer.IsRecurrent)
            {
                Add((long)layer.Size * layer.Size, 2 * sizeof(float));         // V and its feedback
                Add(layer.Size, 2 * sizeof(float));                            // b_V and its feedback
                Add(perStep);                                                  // delayed spikes
                Add(perSample);                                                // step reward
                if (constantInput) Add(perSample);                             // input drive
            }
        }
        long inputLength = capacity * (constant ? 1 : steps) * network.InputSize;
        Add(inputLength, 2 * sizeof(float));                                   // input and its reward
        Add(capacity * network.Layers[0].Size);                               // normalized reward sum
        Add(input == InputKind.Spikes ? capacity * network.InputSize : 0);    // features
        Add(capacity, sizeof(int));                                            // labels
        Add(capacity, sizeof(long));                                           // keys
        Add(capacity);                                                         // sample reward
        Add(capacity, sizeof(int));                                            // predictions
        Add(capacity * network.Layers.Count, sizeof(int));                    // spike counts
        Add(steps + 1);                                                        // sigmoid table
        Add(1);                                                                // unused
        return bytes;
    }

    /// <summary>Throws before anything is allocated when <see cref="Bytes"/> is more than <see cref="MemoryFraction"/> of <paramref name="accelerator"/>'s memory.</summary>
    /// <exception cref="SizeLimitException">The message names the size, the limit and the device.</exception>
    public static void Check(Accelerator accelerator, SpikingNetwork network, int capacity, int steps, InputKind input)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        Check(accelerator.MemorySize, accelerator.Name, network, capacity, steps, input);
    }

    /// <summary>The check of <see cref="Check(Accelerator, SpikingNetwork, int, int, InputKind)"/> against <paramref name="deviceBytes"/> of device memory.</summary>
    /// <exception cref="SizeLimitException">The message names the size, the limit and the device.</exception>
    public static void Check(long deviceBytes, string deviceName, SpikingNetwork network, int capacity, int steps, InputKind input)
    {
        long bytes = Bytes(network, capacity, steps, input);
        long limit = (long)(deviceBytes * MemoryFraction);
        if (bytes > limit)
            throw new SizeLimitException($"on the GPU, {capacity} samples x {steps} steps of {network.Spec} need {SizeLimitException.Describe(bytes)} of device memory, more than the limit of {SizeLimitException.Describe(limit)} ({MemoryFraction:P0} of {deviceName}'s {SizeLimitException.Describe(deviceBytes)}); use a smaller batch, fewer steps or neurons, or --device cpu.");
    }
}
