namespace SpikeLfp.Network.Encoding;

/// <summary>
/// Recorded spike trains of many samples (event-camera, cochlea or touch recordings), already binned into time
/// steps: for sample s and step t, the input channels that fired. Stored compressed, one offset per (sample, step)
/// and one channel index per event, so memory follows the events, not samples x steps x channels.
/// Built once with <see cref="Builder"/>; read-only afterwards, so parallel workers may read it.
/// </summary>
public sealed class RecordedSpikes
{
    private readonly int[] _offsets; // first Count * Steps + 1 used: events of (s, t) are _channels[_offsets[s*Steps+t] .. _offsets[s*Steps+t+1])
    private readonly int[] _channels;

    private RecordedSpikes(int channels, int steps, int count, int[] offsets, int[] events)
    {
        Channels = channels;
        Steps = steps;
        Count = count;
        _offsets = offsets;
        _channels = events;
    }

    /// <summary>Input channels (the first layer's inputs).</summary>
    public int Channels { get; }
    /// <summary>Time steps of every sample.</summary>
    public int Steps { get; }
    /// <summary>Samples.</summary>
    public int Count { get; }
    /// <summary>Events of all samples together.</summary>
    public long Events => _offsets[Count * Steps];

    /// <summary>The channels of sample <paramref name="sample"/> that fired at step <paramref name="step"/>, ascending.</summary>
    public ReadOnlySpan<int> Fired(int sample, int step)
    {
        if ((uint)sample >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(sample), $"sample {sample} is not one of the {Count} recorded.");
        if ((uint)step >= (uint)Steps) throw new ArgumentOutOfRangeException(nameof(step), $"step {step} is not one of the {Steps} recorded.");
        int at = sample * Steps + step;
        return _channels.AsSpan(_offsets[at], _offsets[at + 1] - _offsets[at]);
    }

    /// <summary>Events of one sample over all its steps.</summary>
    public int EventsOf(int sample) => _offsets[(sample + 1) * Steps] - _offsets[sample * Steps];

    /// <summary>Collects samples one at a time, step by step.</summary>
    public sealed class Builder
    {
        // Grown by doubling and handed over as they are (Fired reads only up to the offsets): no copy at Build,
        // which matters when a data set's binned events run to hundreds of millions.
        private int[] _offsets = new int[1024];
        private int[] _channels = new int[4096];
        private int _offsetCount = 1, _channelCount;
        private readonly int _channelRange, _steps;
        private int _step, _samples;
        private readonly bool[] _seen;

        /// <summary>A builder of samples of <paramref name="steps"/> steps over <paramref name="channels"/> channels.</summary>
        public Builder(int channels, int steps)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
            if ((long)channels * steps > int.MaxValue) throw new ArgumentException("channels x steps is too large.");
            _channelRange = channels;
            _steps = steps;
            _seen = new bool[channels];
        }

        /// <summary>
        /// Adds the channels that fired at the next step of the current sample (a channel that fired several times in
        /// the step counts once: a spike is 0/1). A sample is complete after <c>steps</c> calls.
        /// </summary>
        /// <exception cref="ArgumentException">A channel is outside [0, channels), or the recording outgrows 2^31 events.</exception>
        public void AddStep(ReadOnlySpan<int> fired)
        {
            int start = _channelCount;
            if ((long)start + fired.Length > Array.MaxLength) throw new ArgumentException("the recording has more events than one array holds.");
            if (start + fired.Length > _channels.Length)
                Array.Resize(ref _channels, (int)Math.Min(Array.MaxLength, Math.Max(2L * _channels.Length, start + fired.Length)));
            foreach (int c in fired)
            {
                if ((uint)c >= (uint)_channelRange)
                {
                    foreach (int added in _channels.AsSpan(start, _channelCount - start)) _seen[added] = false;
                    _channelCount = start;
                    throw new ArgumentException($"channel {c} is outside [0, {_channelRange}).");
                }
                if (_seen[c]) continue;
                _seen[c] = true;
                _channels[_channelCount++] = c;
            }
            var step = _channels.AsSpan(start, _channelCount - start);
            foreach (int c in step) _seen[c] = false;
            step.Sort();
            if (_offsetCount == _offsets.Length) Array.Resize(ref _offsets, 2 * _offsets.Length);
            _offsets[_offsetCount++] = _channelCount;
            if (++_step == _steps) { _step = 0; _samples++; }
        }

        /// <summary>The recording of the samples added so far; the builder must not be used afterwards.</summary>
        /// <exception cref="InvalidOperationException">The last sample has fewer steps than it needs.</exception>
        public RecordedSpikes Build()
        {
            if (_step != 0) throw new InvalidOperationException($"the last sample has {_step} of its {_steps} steps.");
            return new RecordedSpikes(_channelRange, _steps, _samples, _offsets, _channels);
        }
    }
}

/// <summary>
/// Presents recorded spike trains (<see cref="RecordedSpikes"/>) to the first layer, event by event, so the whole
/// network is event-driven, forward and LFP backward. A sample's single feature is its index in the recording (a
/// reference, not a value: batches, shuffling and splits then work as for images); step t delivers the channels
/// recorded at step t. A simulation with more steps than the recording sees silence after it; with fewer, only the
/// first steps. Sample keys are not needed: a recording is the same in every epoch.
/// </summary>
public sealed class RecordedSpikeEncoder(RecordedSpikes recording) : IInputEncoder
{
    /// <summary>The recording the samples refer to.</summary>
    public RecordedSpikes Recording { get; } = recording ?? throw new ArgumentNullException(nameof(recording));

    /// <inheritdoc/>
    public string Name => EncoderKind.Events.Name();
    /// <inheritdoc/>
    public bool IsSpiking => true;
    /// <inheritdoc/>
    public int FeaturesPerSample(int inputs) => 1;

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">A feature is not the index of a recorded sample, or the train is narrower than the recording.</exception>
    public void Encode(ReadOnlySpan<float> features, int featureCount, ReadOnlySpan<long> sampleKeys, SpikeTrain spikes)
    {
        if (featureCount != 1) throw new ArgumentException($"recorded spikes take one feature per sample (its index in the recording), got {featureCount}.");
        if (spikes.Neurons < Recording.Channels)
            throw new ArgumentException($"the recording has {Recording.Channels} channels but the first layer takes {spikes.Neurons} inputs.");
        int steps = Math.Min(spikes.Steps, Recording.Steps);
        for (int b = 0; b < sampleKeys.Length; b++)
        {
            float reference = features[b];
            int sample = (int)reference;
            if (sample != reference || (uint)sample >= (uint)Recording.Count)
                throw new ArgumentException($"feature {reference} of batch sample {b} is not the index of one of the {Recording.Count} recorded samples.");
            for (int t = 0; t < steps; t++)
            {
                var fired = Recording.Fired(sample, t);
                fired.CopyTo(spikes.Slot(b, t));
                spikes.SetCount(b, t, fired.Length);
            }
            for (int t = steps; t < spikes.Steps; t++) spikes.SetCount(b, t, 0);
        }
    }
}
