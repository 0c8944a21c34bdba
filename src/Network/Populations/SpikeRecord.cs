using System.Runtime.CompilerServices;

namespace SpikeLfp.Network.Populations;

/// <summary>
/// Every spike of a simulation as parallel lists of (step, neuron), neurons numbered across populations
/// (<see cref="PopulationNetwork.Offsets"/>), in order of time and, within a step, of neuron.
/// </summary>
public sealed class SpikeRecord
{
    private int[] _steps = new int[1024];
    private int[] _neurons = new int[1024];

    /// <summary>Number of spikes.</summary>
    public int Count { get; private set; }
    /// <summary>Step of each spike.</summary>
    public ReadOnlySpan<int> Steps => _steps.AsSpan(0, Count);
    /// <summary>Global neuron index of each spike.</summary>
    public ReadOnlySpan<int> Neurons => _neurons.AsSpan(0, Count);

    /// <summary>Appends the spikes of <paramref name="neurons"/> (indices within a population starting at <paramref name="offset"/>) at <paramref name="step"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Add(int step, int offset, ReadOnlySpan<int> neurons)
    {
        if (neurons.IsEmpty) return;
        int needed = Count + neurons.Length;
        if (needed > _steps.Length)
        {
            int capacity = Math.Max(needed, _steps.Length * 2);
            Array.Resize(ref _steps, capacity);
            Array.Resize(ref _neurons, capacity);
        }
        for (int i = 0; i < neurons.Length; i++)
        {
            _steps[Count + i] = step;
            _neurons[Count + i] = offset + neurons[i];
        }
        Count = needed;
    }
}
