using SpikeLfp.Network.Encoding;

namespace SpikeLfp.Tests.Support;

/// <summary>Feeds a fixed spike train [step, sample, input] (for reproducing fixtures); the sample key is the sample index.</summary>
public sealed class ReplayEncoder(double[] spikes, int steps, int batch, int inputs) : IInputEncoder
{
    public string Name => "replay";
    public bool IsSpiking => true;

    public void Encode(ReadOnlySpan<float> features, int featureCount, ReadOnlySpan<long> sampleKeys, SpikeTrain train)
    {
        for (int b = 0; b < sampleKeys.Length; b++)
            for (int t = 0; t < steps; t++)
            {
                var slot = train.Slot(b, t);
                int count = 0;
                for (int i = 0; i < inputs; i++)
                    if (spikes[(t * batch + (int)sampleKeys[b]) * inputs + i] != 0) slot[count++] = i;
                train.SetCount(b, t, count);
            }
    }
}
