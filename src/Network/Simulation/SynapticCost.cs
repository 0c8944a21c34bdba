using SpikeLfp.Network.Model;

namespace SpikeLfp.Network.Simulation;

/// <summary>
/// The synaptic work of simulating samples, the usual proxy for an SNN's energy: per sample, the accumulates that
/// spikes trigger (one per synapse a spike travels along, over all steps) and the multiply-accumulates of an analog
/// input layer, next to what one pass of a non-spiking network of the same shape costs. Recurrent synapses count
/// like any other: a spike at step t-1 costs one accumulate per recurrent synapse it travels along.
/// </summary>
/// <param name="Samples">Samples measured.</param>
/// <param name="SpikeAccumulates">Synaptic events triggered by spikes (spiking input included), summed over samples and steps.</param>
/// <param name="InputMultiplyAccumulates">
/// Multiply-accumulates of an analog input layer, summed over samples: its non-zero inputs times their synapses,
/// once per sample for a constant current (the same at every step, so it is computed once), once per step for a
/// sequence (rows).
/// </param>
/// <param name="DenseMultiplyAccumulates">Multiply-accumulates of one pass of a non-spiking network of the same shape (every synapse once).</param>
public sealed record SynapticCost(int Samples, long SpikeAccumulates, long InputMultiplyAccumulates, long DenseMultiplyAccumulates)
{
    /// <summary>Spike-triggered accumulates per sample.</summary>
    public double SpikeAccumulatesPerSample => Samples == 0 ? 0 : SpikeAccumulates / (double)Samples;
    /// <summary>Input-layer multiply-accumulates per sample.</summary>
    public double InputMultiplyAccumulatesPerSample => Samples == 0 ? 0 : InputMultiplyAccumulates / (double)Samples;
    /// <summary>All synaptic operations per sample: spike accumulates plus input multiply-accumulates.</summary>
    public double OperationsPerSample => SpikeAccumulatesPerSample + InputMultiplyAccumulatesPerSample;

    /// <summary>
    /// Energy per sample in picojoules with the 45 nm, 32-bit floating-point figures SNN papers usually quote
    /// (Horowitz, ISSCC 2014): 0.9 pJ per accumulate, 4.6 pJ per multiply-accumulate. Synapse arithmetic only:
    /// memory traffic, neuron updates and spike routing are left out, so this is a comparison, not a measurement.
    /// </summary>
    public double EstimatedPicojoulesPerSample => AccumulatePicojoules * SpikeAccumulatesPerSample + MultiplyAccumulatePicojoules * InputMultiplyAccumulatesPerSample;

    /// <summary>The same estimate for one pass of the non-spiking network of the same shape.</summary>
    public double DensePicojoulesPerSample => MultiplyAccumulatePicojoules * DenseMultiplyAccumulates;

    /// <summary>Energy of one 32-bit floating-point accumulate, 45 nm (Horowitz 2014).</summary>
    public const double AccumulatePicojoules = 0.9;
    /// <summary>Energy of one 32-bit floating-point multiply-accumulate, 45 nm (Horowitz 2014).</summary>
    public const double MultiplyAccumulatePicojoules = 4.6;

    /// <summary>Nothing measured yet, for a network whose shape gives <see cref="DenseMultiplyAccumulates"/>.</summary>
    public static SynapticCost None(SpikingNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return new SynapticCost(0, 0, 0, network.Layers.Sum(l => l.Connection.SynapseCount + (l.Recurrent?.SynapseCount ?? 0)));
    }

    /// <summary>This cost plus the samples of a simulated batch.</summary>
    public SynapticCost Add(SpikingNetwork network, ForwardTrace trace)
    {
        ArgumentNullException.ThrowIfNull(trace);
        var total = this;
        for (int b = 0; b < trace.Batch; b++) total = total.AddSample(network, trace, b);
        return total;
    }

    /// <summary>This cost plus sample <paramref name="sample"/> of a simulated batch.</summary>
    public SynapticCost AddSample(SpikingNetwork network, ForwardTrace trace, int sample)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentOutOfRangeException.ThrowIfNegative(sample);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(sample, trace.Batch);
        long spikes = 0, input = 0;
        if (!trace.SpikingInput)
        {
            // One analog input vector per sample (constant current) or per step (sequence).
            int vectors = trace.Input == Encoding.InputKind.CurrentSequence ? trace.Steps : 1;
            Span<int> nonZero = trace.InputSize <= 4096 ? stackalloc int[trace.InputSize] : new int[trace.InputSize];
            for (int v = 0; v < vectors; v++)
            {
                var x = trace.InputCurrent.AsSpan((sample * vectors + v) * trace.InputSize, trace.InputSize);
                int count = 0;
                for (int i = 0; i < x.Length; i++) if (x[i] != 0f) nonZero[count++] = i;
                input += network.Layers[0].Connection.SynapticEvents(nonZero[..count]);
            }
        }
        for (int k = 0; k < network.Layers.Count; k++)
        {
            var layer = network.Layers[k];
            var fired = k == 0 ? trace.InputSpikes : trace.Layers[k - 1].Spikes;
            for (int t = 0; t < trace.Steps; t++)
            {
                if (fired is not null) spikes += layer.Connection.SynapticEvents(fired.Fired(sample, t));
                if (layer.Recurrent is { } recurrent && t > 0) spikes += recurrent.SynapticEvents(trace.Layers[k].Spikes.Fired(sample, t - 1));
            }
        }
        return this with { Samples = Samples + 1, SpikeAccumulates = SpikeAccumulates + spikes, InputMultiplyAccumulates = InputMultiplyAccumulates + input };
    }
}
