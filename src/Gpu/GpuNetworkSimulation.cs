using ILGPU;
using ILGPU.Runtime;
using SpikeLfp.Gpu.Kernels;
using SpikeLfp.Network.Populations;

namespace SpikeLfp.Gpu;

/// <summary>
/// Runs a <see cref="PopulationNetwork"/> on an accelerator: the same steps as <see cref="NetworkSimulation"/> (update every
/// neuron, then deliver the step's spikes through the CSR rows), with the state on the device. The host only launches
/// kernels and, every <see cref="LogSteps"/> steps, reads the spike log back (sorted into the CPU's order: by step, then
/// neuron). Copies the network's state to the device on creation; <see cref="CopyStateBack"/> returns it.
/// </summary>
public sealed class GpuNetworkSimulation : IDisposable
{
    /// <summary>Steps between reads of the spike log (and progress reports).</summary>
    public const int LogSteps = 100;

    /// <summary>Most receptors per neuron the device kernel runs.</summary>
    public const int MaxReceptors = DeviceReceptorLif.MaxReceptors;

    private readonly PopulationNetwork _network;
    private readonly Accelerator _accelerator;
    private readonly DevicePopulation[] _populations;
    private readonly (MemoryBuffer1D<int, Stride1D.Dense> RowStart, MemoryBuffer1D<int, Stride1D.Dense> Targets)[] _projections;
    private readonly MemoryBuffer1D<int, Stride1D.Dense> _logCount, _logSteps, _logNeurons;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<int>, int, int, int, DeviceReceptorLif> _step;
    private readonly Action<Index1D, ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<float>, float> _deliver;
    private int _stepsDone;

    private sealed record DevicePopulation(MemoryBuffer1D<float, Stride1D.Dense> Depolarization, MemoryBuffer1D<int, Stride1D.Dense> Refractory,
        MemoryBuffer1D<float, Stride1D.Dense> Currents, MemoryBuffer1D<int, Stride1D.Dense> Fired, DeviceReceptorLif Parameters, int Size);

    /// <summary>Copies <paramref name="network"/> (state and synapses) to <paramref name="accelerator"/> and compiles the kernels.</summary>
    public GpuNetworkSimulation(PopulationNetwork network, Accelerator accelerator)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(accelerator);
        _network = network;
        _accelerator = accelerator;
        _populations = network.Populations.Select(p =>
        {
            var currents = new float[p.Size * p.Propagator.Receptors];
            for (int k = 0; k < p.Propagator.Receptors; k++) p.Current(k).CopyTo(currents.AsSpan(k * p.Size));
            return new DevicePopulation(accelerator.Allocate1D(p.Depolarization.ToArray()), accelerator.Allocate1D(p.Refractory.ToArray()),
                accelerator.Allocate1D(currents), accelerator.Allocate1D<int>(p.Size), DeviceReceptorLif.From(p.Propagator), p.Size);
        }).ToArray();
        _projections = network.Projections.Select(p => (accelerator.Allocate1D(p.RowStart), accelerator.Allocate1D(p.TargetNeurons))).ToArray();
        // Room for every neuron firing at every step of a log period would be wasteful; a neuron fires at most once per
        // step, and the log is read every LogSteps steps, so NeuronCount x LogSteps is the true bound, capped here and checked.
        long capacity = Math.Min((long)network.NeuronCount * LogSteps, 1 << 24);
        _logCount = accelerator.Allocate1D<int>(1);
        _logSteps = accelerator.Allocate1D<int>(capacity);
        _logNeurons = accelerator.Allocate1D<int>(capacity);
        _logCount.MemSetToZero();
        _step = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<int>, int, int, int, DeviceReceptorLif>(PopulationKernels.ReceptorLifStep);
        _deliver = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<float>, float>(PopulationKernels.Deliver);
    }

    /// <summary>Simulates <paramref name="steps"/> steps, appending every spike to <paramref name="record"/> in the CPU's order.</summary>
    public void Run(int steps, SpikeRecord record, IProgress<int>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        for (int t = 0; t < steps; t++)
        {
            Step();
            if ((t + 1) % LogSteps == 0 || t == steps - 1)
            {
                ReadLog(record);
                cancellation.ThrowIfCancellationRequested();
                progress?.Report(t + 1);
            }
        }
    }

    private void Step()
    {
        for (int p = 0; p < _populations.Length; p++)
        {
            var d = _populations[p];
            _step(d.Size, d.Depolarization.View, d.Refractory.View, d.Currents.View, d.Fired.View, _logCount.View, _logSteps.View, _logNeurons.View,
                d.Size, _stepsDone, _network.Offsets[p], d.Parameters);
        }
        for (int k = 0; k < _projections.Length; k++)
        {
            var projection = _network.Projections[k];
            var target = _populations[projection.Target];
            var current = target.Currents.View.SubView((long)projection.Receptor * target.Size, target.Size);
            _deliver(projection.SourceSize, _populations[projection.Source].Fired.View, _projections[k].RowStart.View, _projections[k].Targets.View, current, projection.Weight);
        }
        _stepsDone++;
    }

    // Reads the log written since the last read, orders it by (step, neuron) and empties it.
    private void ReadLog(SpikeRecord record)
    {
        _accelerator.Synchronize();
        int count = _logCount.GetAsArray1D()[0];
        if (count > _logSteps.Length) throw new InvalidOperationException($"{count} spikes in {LogSteps} steps overflow the device spike log of {_logSteps.Length}.");
        if (count == 0) return;
        var stepsOf = new int[count];
        var neurons = new int[count];
        _logSteps.View.SubView(0, count).CopyToCPU(stepsOf);
        _logNeurons.View.SubView(0, count).CopyToCPU(neurons);
        _logCount.MemSetToZero();
        var keys = new long[count];
        for (int i = 0; i < count; i++) keys[i] = ((long)stepsOf[i] << 32) | (uint)neurons[i];
        Array.Sort(keys);
        foreach (long key in keys) record.Add((int)(key >> 32), 0, [(int)key]);
    }

    /// <summary>Copies the device state (depolarization and receptor currents) back into the network's populations.</summary>
    public void CopyStateBack()
    {
        _accelerator.Synchronize();
        for (int p = 0; p < _populations.Length; p++)
        {
            var host = _network.Populations[p];
            var d = _populations[p];
            d.Depolarization.GetAsArray1D().CopyTo(host.Depolarization);
            var currents = d.Currents.GetAsArray1D();
            for (int k = 0; k < host.Propagator.Receptors; k++) currents.AsSpan(k * d.Size, d.Size).CopyTo(host.Current(k));
        }
    }

    /// <summary>Frees the device buffers.</summary>
    public void Dispose()
    {
        foreach (var d in _populations) { d.Depolarization.Dispose(); d.Refractory.Dispose(); d.Currents.Dispose(); d.Fired.Dispose(); }
        foreach (var (rows, targets) in _projections) { rows.Dispose(); targets.Dispose(); }
        _logCount.Dispose();
        _logSteps.Dispose();
        _logNeurons.Dispose();
    }
}
