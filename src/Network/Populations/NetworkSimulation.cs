using System.Runtime.CompilerServices;

namespace SpikeLfp.Network.Populations;

/// <summary>
/// Runs a <see cref="PopulationNetwork"/>: each step updates every neuron (clock-driven, exact propagation), then
/// delivers the step's spikes through the projections (event-driven: a spike touches only its targets), so they act
/// from the next step on (zero synaptic delay, as in Brian2's example). Neuron updates run in parallel over equal
/// ranges of neurons, one per thread; spikes are gathered in ascending neuron order and delivered on one thread in a fixed order, so
/// the result is the same for any number of threads.
/// </summary>
public sealed class NetworkSimulation
{
    /// <summary>
    /// Fewest neurons worth a thread of their own. A step of 40,000 neurons takes tens of microseconds; the barrier that
    /// ends a parallel step costs microseconds on an idle machine but a whole scheduler slice on a loaded one (CUBA,
    /// N = 40,000 at load 30 on 2 cores: 120 s on 2 threads against 4.2 s on one), so small networks stay on one thread.
    /// </summary>
    public const int NeuronsPerThread = 50_000;

    private readonly PopulationNetwork _network;
    private readonly ParallelOptions _parallel;
    private readonly (int Population, int Start, int Count)[][] _parts; // per thread: its ranges of neurons
    private readonly int[][] _spiked;      // per population: the step's spiking neurons, ascending
    private readonly int[] _spikeCounts;   // per population
    private readonly int[][] _partCounts;  // per thread and range: spikes before gathering
    private readonly Action<int> _updatePart; // cached: no delegate allocated per step

    /// <summary>
    /// Prepares a simulation of <paramref name="network"/> (whose state it advances) on <paramref name="threads"/> threads:
    /// the neurons, all populations in a row, are cut into that many equal parts (see <see cref="UsefulThreads"/>).
    /// </summary>
    public NetworkSimulation(PopulationNetwork network, int threads = 1)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads);
        _network = network;
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = threads };
        threads = Math.Min(threads, network.NeuronCount);
        // Part t covers global neurons [t N / threads, (t + 1) N / threads), split where populations meet.
        _parts = new (int, int, int)[threads][];
        for (int t = 0; t < threads; t++)
        {
            long first = (long)t * network.NeuronCount / threads, end = (long)(t + 1) * network.NeuronCount / threads;
            var ranges = new List<(int, int, int)>();
            for (int p = 0; p < network.Populations.Count; p++)
            {
                long from = Math.Max(first, network.Offsets[p]), to = Math.Min(end, network.Offsets[p + 1]);
                if (from < to) ranges.Add((p, (int)(from - network.Offsets[p]), (int)(to - from)));
            }
            _parts[t] = ranges.ToArray();
        }
        _partCounts = _parts.Select(r => new int[r.Length]).ToArray();
        _spiked = network.Populations.Select(p => new int[p.Size]).ToArray();
        _spikeCounts = new int[network.Populations.Count];
        _updatePart = UpdatePart;
    }

    /// <summary>The threads worth using for <paramref name="neurons"/> neurons when <paramref name="available"/> are allowed.</summary>
    public static int UsefulThreads(int neurons, int available) => Math.Clamp(neurons / NeuronsPerThread, 1, Math.Max(1, available));

    /// <summary>Steps simulated so far.</summary>
    public int StepsDone { get; private set; }

    /// <summary>
    /// Simulates <paramref name="steps"/> steps, appending every spike to <paramref name="record"/>. Reports the steps
    /// done to <paramref name="progress"/> every <paramref name="reportEvery"/> steps; checks <paramref name="cancellation"/> as often.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run(int steps, SpikeRecord record, IProgress<int>? progress = null, int reportEvery = 100, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(reportEvery);
        for (int t = 0; t < steps; t++)
        {
            Step();
            for (int p = 0; p < _spiked.Length; p++) record.Add(StepsDone - 1, _network.Offsets[p], _spiked[p].AsSpan(0, _spikeCounts[p]));
            if ((t + 1) % reportEvery == 0 || t == steps - 1)
            {
                cancellation.ThrowIfCancellationRequested();
                progress?.Report(t + 1);
            }
        }
    }

    /// <summary>The spikes of population <paramref name="population"/> in the last step (indices within it, ascending).</summary>
    public ReadOnlySpan<int> LastSpikes(int population) => _spiked[population].AsSpan(0, _spikeCounts[population]);

    /// <summary>One step: update every neuron, then deliver the spikes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Step()
    {
        if (_parts.Length > 1) Parallel.For(0, _parts.Length, _parallel, _updatePart);
        else UpdatePart(0);
        Gather();
        foreach (var projection in _network.Projections)
            projection.Deliver(_spiked[projection.Source].AsSpan(0, _spikeCounts[projection.Source]),
                _network.Populations[projection.Target].Current(projection.Receptor));
        StepsDone++;
    }

    // Each range writes its spikes (relative indices) at its own start in the population's buffer.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void UpdatePart(int t)
    {
        var ranges = _parts[t];
        for (int r = 0; r < ranges.Length; r++)
        {
            var (p, start, count) = ranges[r];
            _partCounts[t][r] = _network.Populations[p].Step(start, count, _spiked[p].AsSpan(start, count));
        }
    }

    // Moves each range's spikes down to follow the previous range's, as absolute indices: ascending order, whatever
    // the number of parts.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Gather()
    {
        Array.Clear(_spikeCounts);
        for (int t = 0; t < _parts.Length; t++)
            for (int r = 0; r < _parts[t].Length; r++)
            {
                var (p, start, _) = _parts[t][r];
                var buffer = _spiked[p];
                int n = _spikeCounts[p], fired = _partCounts[t][r];
                for (int j = 0; j < fired; j++) buffer[n + j] = start + buffer[start + j];
                _spikeCounts[p] = n + fired;
            }
    }
}
