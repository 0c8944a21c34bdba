namespace SpikeLfp.Network.Populations;

/// <summary>Firing statistics of one population over a simulation.</summary>
/// <param name="Name">Population name.</param>
/// <param name="Neurons">Population size.</param>
/// <param name="Spikes">Spikes fired.</param>
/// <param name="RateHz">Mean firing rate per neuron, Hz.</param>
/// <param name="MeanCv">Mean coefficient of variation of the inter-spike intervals over the neurons with at least two
/// intervals (1 for a Poisson process: asynchronous irregular firing); NaN when no neuron has two.</param>
/// <param name="NeuronsWithCv">Neurons that entered <paramref name="MeanCv"/>.</param>
public sealed record PopulationStatistics(string Name, int Neurons, int Spikes, double RateHz, double MeanCv, int NeuronsWithCv);

/// <summary>Rates, ISI variability and population rate over time, computed from a <see cref="SpikeRecord"/>.</summary>
public static class SpikeStatistics
{
    /// <summary>Statistics of every population of <paramref name="network"/> over <paramref name="steps"/> steps.</summary>
    public static IReadOnlyList<PopulationStatistics> Compute(PopulationNetwork network, SpikeRecord record, int steps)
    {
        double seconds = steps * network.Spec.DtMs / 1000;
        // Per neuron: spike count, last spike, and sums of intervals and squared intervals (in steps).
        int n = network.NeuronCount;
        var count = new int[n];
        var last = new int[n];
        var sum = new double[n];
        var squares = new double[n];
        var spikeSteps = record.Steps;
        var neurons = record.Neurons;
        for (int s = 0; s < record.Count; s++)
        {
            int i = neurons[s];
            if (count[i] > 0)
            {
                double isi = spikeSteps[s] - last[i];
                sum[i] += isi;
                squares[i] += isi * isi;
            }
            last[i] = spikeSteps[s];
            count[i]++;
        }
        var result = new List<PopulationStatistics>();
        for (int p = 0; p < network.Populations.Count; p++)
        {
            int spikes = 0, withCv = 0;
            double cvSum = 0;
            for (int i = network.Offsets[p]; i < network.Offsets[p + 1]; i++)
            {
                spikes += count[i];
                int intervals = count[i] - 1;
                if (intervals < 2) continue;
                double mean = sum[i] / intervals;
                double variance = Math.Max(0, squares[i] / intervals - mean * mean);
                cvSum += Math.Sqrt(variance) / mean;
                withCv++;
            }
            int size = network.Populations[p].Size;
            result.Add(new PopulationStatistics(network.Spec.Populations[p].Name, size, spikes,
                seconds > 0 ? spikes / (size * seconds) : 0, withCv > 0 ? cvSum / withCv : double.NaN, withCv));
        }
        return result;
    }

    /// <summary>
    /// Population rate of population <paramref name="population"/> in bins of <paramref name="binSteps"/> steps, Hz per neuron.
    /// </summary>
    public static double[] PopulationRate(PopulationNetwork network, SpikeRecord record, int population, int steps, int binSteps)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(binSteps);
        var bins = new double[(steps + binSteps - 1) / binSteps];
        int first = network.Offsets[population], end = network.Offsets[population + 1];
        var stepOf = record.Steps;
        var neurons = record.Neurons;
        for (int s = 0; s < record.Count; s++)
            if (neurons[s] >= first && neurons[s] < end && stepOf[s] < steps) bins[stepOf[s] / binSteps]++;
        double binSeconds = binSteps * network.Spec.DtMs / 1000;
        for (int b = 0; b < bins.Length; b++) bins[b] /= (end - first) * binSeconds;
        return bins;
    }
}
