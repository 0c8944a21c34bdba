using SpikeLfp.Network.Synapses;

namespace SpikeLfp.Learning.Lfp.Synapses;

/// <summary>
/// LFP through pooling, as lfprop's LFP composite treats the two pools. Max pooling has no rule of its own: the
/// reward the inner connection hands to a pooled input passes through the way its gradient does, all of it to the
/// window's argmax, the first maximum in the window's row-major scan order (PyTorch's choice); for spikes, the
/// first input of the window that fired. A pooled input that did not fire has value 0 and receives no reward.
/// Average pooling carries the epsilon rule (lfprop attaches LFPEpsilon to AvgPool): input i of a window with
/// mean z receives x_i / k^2 * R / stabilize(z), so the pooled reward R is shared in proportion to what each
/// input contributed, and inputs that did not fire receive nothing. Weight and bias feedback are the inner
/// connection's feedback computed on the pooled input.
/// </summary>
public sealed class PooledLfp(PooledSynapses pool, ISynapseLfp inner) : ISynapseLfp
{
    private readonly PooledSynapses _pool = pool;
    private readonly ISynapseLfp _inner = inner;

    /// <inheritdoc/>
    public ISynapses Synapses => _pool;

    /// <inheritdoc/>
    public void BeginBatch() => _inner.BeginBatch();

    /// <inheritdoc/>
    public void EndBatch() => _inner.EndBatch();

    /// <inheritdoc/>
    public void RewardFiredInputs(ReadOnlySpan<int> fired, ReadOnlySpan<float> rho, Span<float> inputReward)
    {
        var s = _pool.Buffers();
        if (_pool.Pool == PoolKind.Max)
        {
            // Listed here (the listing leaves the buffers at rest), then rewarded as the forward pass's kept list is.
            RewardPooledInputs(fired, s.Pooled.AsSpan(0, _pool.ListPooledSpikes(fired, s)), rho, inputReward);
            return;
        }
        int count = 0;
        try
        {
            count = _pool.AverageSpikes(fired, s);
            _inner.RewardAnalogInputs(s.Values.AsSpan(0, _pool.PooledInputs), rho, s.Reward.AsSpan(0, _pool.PooledInputs));
            foreach (int i in fired)
            {
                int p = _pool.PooledIndex(i);
                if (p >= 0) inputReward[i] += ShareOfAverage(1f, s.Reward[p], s.Values[p]);
            }
        }
        finally { _pool.RestoreListed(s, count); }
    }

    /// <summary>
    /// <see cref="RewardFiredInputs"/> of a max pooling whose pooled inputs the forward pass listed already
    /// (<paramref name="pooled"/>, ascending, as <see cref="PooledSynapses.ListPooledSpikes(ReadOnlySpan{int}, PooledSynapses.Scratch)"/>
    /// lists them from <paramref name="fired"/>): the same reward, without pooling the spikes again.
    /// </summary>
    public void RewardPooledInputs(ReadOnlySpan<int> fired, ReadOnlySpan<int> pooled, ReadOnlySpan<float> rho, Span<float> inputReward)
    {
        if (_pool.Pool != PoolKind.Max) throw new InvalidOperationException("only a max pooling hands its reward to listed windows.");
        var s = _pool.Buffers();
        _pool.SetWinners(fired, s);
        try
        {
            _inner.RewardFiredInputs(pooled, rho, s.Reward.AsSpan(0, _pool.PooledInputs));
            foreach (int p in pooled) inputReward[s.Winner[p]] += s.Reward[p];
        }
        finally { _pool.RestoreListed(s, pooled); }
    }

    /// <summary><see cref="AccumulateSpikeFeedback"/> of a max pooling from the pooled inputs the forward pass listed.</summary>
    public void AccumulatePooledSpikeFeedback(int part, int parts, ReadOnlySpan<int> pooled, ReadOnlySpan<float> rho, Span<float> weightFeedback)
        => _inner.AccumulateSpikeFeedback(part, parts, pooled, rho, weightFeedback);

    /// <inheritdoc/>
    public void RewardAnalogInputs(ReadOnlySpan<float> input, ReadOnlySpan<float> rho, Span<float> inputReward)
    {
        var s = _pool.Buffers();
        try
        {
            _pool.PoolAnalog(input, s);
            _inner.RewardAnalogInputs(s.Values.AsSpan(0, _pool.PooledInputs), rho, s.Reward.AsSpan(0, _pool.PooledInputs));
            if (_pool.Pool == PoolKind.Max)
            {
                for (int p = 0; p < _pool.PooledInputs; p++)
                    if (s.Reward[p] != 0f) inputReward[s.Winner[p]] += s.Reward[p];
            }
            else
                for (int i = 0; i < input.Length; i++)
                {
                    int p = _pool.PooledIndex(i);
                    if (p >= 0 && input[i] != 0f) inputReward[i] += ShareOfAverage(input[i], s.Reward[p], s.Values[p]);
                }
        }
        finally { _pool.RestoreAll(s); }
    }

    // The epsilon rule through a mean: x_i / k^2 * R / stabilize(z), z the window's mean (its pooled value).
    private float ShareOfAverage(float x, float pooledReward, float pooledValue)
        => x / (_pool.Size * _pool.Size) * (pooledReward / Stabilizer.Stabilize(pooledValue));

    /// <inheritdoc/>
    public void AccumulateSpikeFeedback(int part, int parts, ReadOnlySpan<int> fired, ReadOnlySpan<float> rho, Span<float> weightFeedback)
    {
        var s = _pool.Buffers();
        int count = 0;
        try
        {
            if (_pool.Pool == PoolKind.Max)
                AccumulatePooledSpikeFeedback(part, parts, s.Pooled.AsSpan(0, _pool.ListPooledSpikes(fired, s)), rho, weightFeedback);
            else
            {
                count = _pool.AverageSpikes(fired, s);
                _inner.AccumulateAnalogFeedback(part, parts, s.Values.AsSpan(0, _pool.PooledInputs), rho, weightFeedback);
            }
        }
        finally { _pool.RestoreListed(s, count); }
    }

    /// <inheritdoc/>
    public void AccumulateAnalogFeedback(int part, int parts, ReadOnlySpan<float> input, ReadOnlySpan<float> rho, Span<float> weightFeedback)
    {
        var s = _pool.Buffers();
        try
        {
            _pool.PoolAnalog(input, s);
            _inner.AccumulateAnalogFeedback(part, parts, s.Values.AsSpan(0, _pool.PooledInputs), rho, weightFeedback);
        }
        finally { _pool.RestoreAll(s); }
    }

    /// <inheritdoc/>
    public void AccumulateBiasFeedback(ReadOnlySpan<float> rho, Span<float> biasFeedback) => _inner.AccumulateBiasFeedback(rho, biasFeedback);
}
