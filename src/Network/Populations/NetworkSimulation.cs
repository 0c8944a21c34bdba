namespace SpikeLfp.Network.Populations;

/// <summary>
/// Runs a <see cref="PopulationNetwork"/>: each step updates every neuron (clock-driven, exact propagation), then
/// delivers the step's spikes through the projections (event-driven: a spike touches only its targets), so they act
/// from the next step on (zero synaptic delay, as in Brian2's example). Neuron updates run in parallel over fixed
/// ranges of neurons; spikes are gathered in ascending neuron order and delivered on one thread in a fixed order, so
/// the result is the same for any number of threads.
/// </summary>
public sealed class NetworkSimulation
{
    /// <summary>Neurons per parallel work item: big enough that a step's synchronisation costs little against it.</summary>
    public const int NeuronsPerChunk = 8192;

    private readonly PopulationNetwork _network;
    private readonly ParallelOptions _parallel;
    private readonly (int Population, int Start, int Count)[] _chunks;
    private readonly int[][] _spiked;      // per population: the step's spiking neurons, ascending
    private readonly int[] _spikeCounts;   // per population
    private readonly int[] _chunkCounts;   // per chunk, before gathering
    private readonly Action<int> _updateChunk; // cached: no delegate allocated per step

    /// <summary>Prepares a simulation of <paramref name="network"/> (whose state it advances) on up to <paramref name="threads"/> threads.</summary>
    public NetworkSimulation(PopulationNetwork network, int threads = 1)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads);
        _network = network;
        _parallel = new ParallelOptions { MaxDegreeOfParallelism = threads };
        var chunks = new List<(int, int, int)>();
        for (int p = 0; p < network.Populations.Count; p++)
            for (int start = 0, size = network.Populations[p].Size; start < size; start += NeuronsPerChunk)
                chunks.Add((p, start, Math.Min(NeuronsPerChunk, size - start)));
        _chunks = chunks.ToArray();
        _chunkCounts = new int[_chunks.Length];
        _spiked = network.Populations.Select(p => new int[p.Size]).ToArray();
        _spikeCounts = new int[network.Populations.Count];
        _updateChunk = UpdateChunk;
    }

    /// <summary>Steps simulated so far.</summary>
    public int StepsDone { get; private set; }

    /// <summary>
    /// Simulates <paramref name="steps"/> steps, appending every spike to <paramref name="record"/>. Reports the steps
    /// done to <paramref name="progress"/> every <paramref name="reportEvery"/> steps; checks <paramref name="cancellation"/> as often.
    /// </summary>
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
    public void Step()
    {
        if (_chunks.Length > 1 && _parallel.MaxDegreeOfParallelism > 1) Parallel.For(0, _chunks.Length, _parallel, _updateChunk);
        else for (int c = 0; c < _chunks.Length; c++) UpdateChunk(c);
        Gather();
        foreach (var projection in _network.Projections)
            projection.Deliver(_spiked[projection.Source].AsSpan(0, _spikeCounts[projection.Source]),
                _network.Populations[projection.Target].Current(projection.Receptor));
        StepsDone++;
    }

    // Each chunk writes its spikes (relative indices) at its own start in the population's buffer.
    private void UpdateChunk(int c)
    {
        var (p, start, count) = _chunks[c];
        _chunkCounts[c] = _network.Populations[p].Step(start, count, _spiked[p].AsSpan(start, count));
    }

    // Moves each chunk's spikes down to follow the previous chunk's, as absolute indices: ascending order.
    private void Gather()
    {
        Array.Clear(_spikeCounts);
        for (int c = 0; c < _chunks.Length; c++)
        {
            var (p, start, _) = _chunks[c];
            var buffer = _spiked[p];
            int n = _spikeCounts[p];
            for (int j = 0; j < _chunkCounts[c]; j++) buffer[n + j] = start + buffer[start + j];
            _spikeCounts[p] = n + _chunkCounts[c];
        }
    }
}
