namespace SpikeLfp.Network.Simulation;

/// <summary>
/// What one layer did during a simulated batch: spikes and (optionally) membranes for every step,
/// laid out time-major as [step, sample, neuron] in contiguous arrays.
/// </summary>
public sealed class LayerRecording
{
    /// <summary>Creates a recording of <paramref name="steps"/> x <paramref name="batch"/> x <paramref name="neurons"/> values.</summary>
    public LayerRecording(string name, int steps, int batch, int neurons, float threshold, bool withMembranes, bool isSpiking = true)
    {
        if (!isSpiking && !withMembranes) throw new ArgumentException("a non-spiking readout is its membranes: record them.", nameof(withMembranes));
        IsSpiking = isSpiking;
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(neurons);
        Name = name;
        Steps = steps;
        Batch = batch;
        Neurons = neurons;
        Threshold = threshold;
        Spikes = new float[steps * batch * neurons];
        Membranes = withMembranes ? new float[steps * batch * neurons] : null;
    }

    /// <summary>Layer name, for example "input", "hidden1", "output".</summary>
    public string Name { get; }
    /// <summary>Number of time steps recorded.</summary>
    public int Steps { get; }
    /// <summary>Number of samples in the batch.</summary>
    public int Batch { get; }
    /// <summary>Number of neurons (or input channels) in the layer.</summary>
    public int Neurons { get; }
    /// <summary>False for a non-spiking readout (LI): its output is its membrane.</summary>
    public bool IsSpiking { get; }
    /// <summary>Firing threshold of the layer's neurons (NaN for an input layer and a readout).</summary>
    public float Threshold { get; }
    /// <summary>Spikes (0 or 1; analog values for a current-coded input), [step, sample, neuron].</summary>
    public float[] Spikes { get; }
    /// <summary>Membrane potentials after each step, [step, sample, neuron]; null when not requested.</summary>
    public float[]? Membranes { get; }

    /// <summary>Flat index of (step, sample, neuron).</summary>
    public int IndexOf(int step, int sample, int neuron) => (step * Batch + sample) * Neurons + neuron;

    /// <summary>Spike value of one neuron at one step.</summary>
    public float SpikeAt(int step, int sample, int neuron) => Spikes[IndexOf(step, sample, neuron)];

    /// <summary>Total number of spikes (non-zero entries) of one sample over all steps and neurons.</summary>
    public int SpikeCount(int sample)
    {
        int count = 0;
        for (int t = 0; t < Steps; t++)
        {
            var row = Spikes.AsSpan(IndexOf(t, sample, 0), Neurons);
            foreach (float s in row) if (s != 0f) count++;
        }
        return count;
    }

    /// <summary>Spike count per neuron of one sample, summed over steps.</summary>
    public int[] SpikeCountsPerNeuron(int sample)
    {
        var counts = new int[Neurons];
        for (int t = 0; t < Steps; t++)
        {
            var row = Spikes.AsSpan(IndexOf(t, sample, 0), Neurons);
            for (int n = 0; n < Neurons; n++) if (row[n] != 0f) counts[n]++;
        }
        return counts;
    }
}

/// <summary>Recordings of every layer of a network for one simulated batch, input first.</summary>
/// <param name="Layers">Per-layer recordings in order (the input layer first when it was recorded).</param>
/// <param name="Labels">True labels of the batch samples, or null when unknown.</param>
public sealed record NetworkRecording(IReadOnlyList<LayerRecording> Layers, int[]? Labels)
{
    /// <summary>The last (output) layer.</summary>
    public LayerRecording Output => Layers[^1];

    /// <summary>
    /// Predicted class of a sample: argmax of output spike counts, or for a non-spiking readout of its membrane summed
    /// over the steps (lowest index wins ties), as <see cref="TraceStatistics.Predictions"/>.
    /// </summary>
    public int Prediction(int sample)
    {
        var output = Output;
        var score = new float[output.Neurons];
        if (output.IsSpiking)
        {
            var counts = output.SpikeCountsPerNeuron(sample);
            for (int i = 0; i < score.Length; i++) score[i] = counts[i];
        }
        else
            for (int t = 0; t < output.Steps; t++)
                for (int i = 0; i < score.Length; i++) score[i] += output.Membranes![output.IndexOf(t, sample, i)];
        int best = 0;
        for (int i = 1; i < score.Length; i++) if (score[i] > score[best]) best = i;
        return best;
    }
}
