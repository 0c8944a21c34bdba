namespace SpikeLfp.Data.Events;

/// <summary>
/// Settings of the emulated event camera. The defaults give N-MNIST-like recordings: three saccades of
/// 100 ms, a 28 x 28 image seen on a 34 x 34 sensor, about 3,700 events per Fashion-MNIST image (N-MNIST
/// averages about 4,000 per digit) and 340 per 8 x 8 digit.
/// </summary>
public sealed record EventCameraOptions
{
    /// <summary>Change of log intensity that fires an event (a DVS's contrast threshold; default 0.4).</summary>
    public double ContrastThreshold { get; init; } = 0.4;

    /// <summary>Spread (standard deviation) of the threshold from pixel to pixel, as real sensors have (default 0.03).</summary>
    public double ThresholdSpread { get; init; } = 0.03;

    /// <summary>Added to the intensity (0..1) before the logarithm, so black pixels have a finite log (default 0.2).</summary>
    public double IntensityFloor { get; init; } = 0.2;

    /// <summary>Length of one saccade in microseconds (default 100 ms, as N-MNIST's).</summary>
    public int SaccadeUs { get; init; } = 100_000;

    /// <summary>Time samples per pixel of movement: finer sampling places event times more exactly (default 4).</summary>
    public int SamplesPerPixel { get; init; } = 4;

    /// <summary>Sensor margin around the image in pixels (the saccade amplitude); null: 3/14 of the image side, at least 2 (28 -> 6, as N-MNIST).</summary>
    public int? Margin { get; init; }
}

/// <summary>
/// Emulates an event camera looking at a still image moved by three small saccades, the way N-MNIST was
/// recorded from MNIST (Orchard et al. 2015): the image slides along a triangle inside a margin; every pixel
/// keeps a reference log intensity and fires an ON (OFF) event each time its log intensity rises (falls) one
/// contrast threshold past the reference, which then moves by that threshold. Event times are interpolated
/// between time samples to the microsecond. Per-pixel thresholds come from the seed, so the same seed gives
/// the same recording; no other randomness is used.
/// </summary>
public sealed class EventCameraEmulator
{
    private readonly int _height, _width, _margin;
    private readonly EventCameraOptions _options;
    private readonly double[] _threshold;
    private readonly (double X, double Y)[] _path;
    private readonly int _samplesPerSaccade;

    /// <summary>A camera for grey images of <paramref name="height"/> x <paramref name="width"/> pixels.</summary>
    public EventCameraEmulator(int height, int width, EventCameraOptions options, int seed)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if (options.ContrastThreshold <= 0 || options.ThresholdSpread < 0 || options.IntensityFloor <= 0 || options.SaccadeUs < 1 || options.SamplesPerPixel < 1 || options.Margin is < 1)
            throw new ArgumentException("contrast threshold, floor, saccade length, sampling and margin must be positive, the spread not negative");
        _height = height;
        _width = width;
        _options = options;
        _margin = options.Margin ?? Math.Max(2, (int)Math.Round(Math.Max(height, width) * 3.0 / 14));
        Sensor = EventSensor.Camera(width + _margin, height + _margin);
        if (Sensor.Width > NMnistFormat.MaxCoordinate + 1 || Sensor.Height > NMnistFormat.MaxCoordinate + 1)
            throw new ArgumentException($"a {Sensor} sensor does not fit the N-MNIST layout's 8-bit coordinates");
        if (3L * options.SaccadeUs > NMnistFormat.MaxTimestampUs)
            throw new ArgumentException($"three saccades of {options.SaccadeUs} us do not fit the N-MNIST layout's 23-bit timestamps");

        // Fixed pattern of the sensor: one threshold per pixel (and polarity), drawn once from the seed.
        var random = new Random(seed);
        _threshold = new double[Sensor.Width * Sensor.Height * 2];
        for (int i = 0; i < _threshold.Length; i++)
            _threshold[i] = Math.Max(options.ContrastThreshold / 4, options.ContrastThreshold + options.ThresholdSpread * Gaussian(random));

        // The triangle the image's top-left corner follows: bottom-left, top-middle, bottom-right, back.
        double m = _margin;
        _path = [(0, m), (m / 2, 0), (m, m), (0, m)];
        _samplesPerSaccade = Math.Max(4, options.SamplesPerPixel * _margin);
    }

    /// <summary>The sensor the recordings are made on: the image plus the margin on each axis.</summary>
    public EventSensor Sensor { get; }

    /// <summary>Length of one recording in microseconds (three saccades).</summary>
    public int DurationUs => 3 * _options.SaccadeUs;

    /// <summary>
    /// Records one image (row-major, values in [-1, 1] as <see cref="Dataset"/> holds them; -1 black, 1 white) into
    /// <paramref name="into"/>, replacing what it held. Events are in time order, ties in pixel order.
    /// </summary>
    public void Record(ReadOnlySpan<float> image, EventBuffer into)
    {
        if (image.Length != _height * _width)
            throw new ArgumentException($"image has {image.Length} values, expected {_height} x {_width}", nameof(image));
        ArgumentNullException.ThrowIfNull(into);
        into.Clear();
        int w = Sensor.Width, h = Sensor.Height;
        var padded = into.Padded((_height + 2) * (_width + 2));
        Pad(image, padded);
        var reference = into.Reference(w * h);
        var previous = into.Previous(w * h);
        Render(padded, _path[0].X, _path[0].Y, reference);
        reference.CopyTo(previous);

        var current = into.Current(w * h);
        double stepUs = (double)_options.SaccadeUs / _samplesPerSaccade;
        for (int saccade = 0; saccade < 3; saccade++)
        {
            var (x0, y0) = _path[saccade];
            var (x1, y1) = _path[saccade + 1];
            for (int s = 1; s <= _samplesPerSaccade; s++)
            {
                double f = (double)s / _samplesPerSaccade;
                Render(padded, x0 + f * (x1 - x0), y0 + f * (y1 - y0), current);
                double start = (saccade * _samplesPerSaccade + s - 1) * stepUs;
                into.BeginSample();
                for (int pixel = 0; pixel < current.Length; pixel++)
                    Fire(pixel, previous[pixel], current[pixel], ref reference[pixel], start, stepUs, into);
                into.EndSample();
                current.CopyTo(previous);
            }
        }
    }

    private void Fire(int pixel, double before, double after, ref double reference, double start, double stepUs, EventBuffer into)
    {
        if (after == before) return;
        int polarity = after > before ? 1 : 0;
        double threshold = _threshold[pixel * 2 + polarity];
        double sign = polarity == 1 ? 1 : -1;
        // Each crossing of reference +- threshold between the two samples is one event, timed by linear interpolation.
        while (sign * (after - reference) >= threshold)
        {
            reference += sign * threshold;
            double fraction = Math.Clamp((reference - before) / (after - before), 0, 1);
            // Clamped below the recording's length, so a recording of 300 ms fits 30 bins of 10 ms.
            int t = Math.Min(DurationUs - 1, (int)Math.Round(start + fraction * stepUs));
            into.Add(t, pixel % Sensor.Width, pixel / Sensor.Width, polarity);
        }
    }

    /// <summary>
    /// Log intensity seen by each sensor pixel with the image's top-left corner at (<paramref name="ox"/>,
    /// <paramref name="oy"/>): the image bilinearly interpolated (in intensity, as a pixel collects light), black
    /// outside it. The offset is the same for every pixel, so the four interpolation weights are too.
    /// <paramref name="padded"/> is the image in [0, 1] with a black border of one pixel, so no read needs a bounds test.
    /// </summary>
    private void Render(ReadOnlySpan<double> padded, double ox, double oy, Span<double> logIntensity)
    {
        int w = Sensor.Width, h = Sensor.Height, stride = _width + 2;
        int shiftX = (int)Math.Floor(ox), shiftY = (int)Math.Floor(oy);
        double fx = ox - shiftX, fy = oy - shiftY;
        // Sensor pixel s samples the image at s - o = (s - shift - 1) + (1 - f): between image pixels
        // s - shift - 1 (weight f) and s - shift (weight 1 - f); +1 for the border of the padded copy.
        double w00 = fx * fy, w01 = (1 - fx) * fy, w10 = fx * (1 - fy), w11 = (1 - fx) * (1 - fy);
        double floor = _options.IntensityFloor, black = Math.Log(floor);
        for (int sy = 0; sy < h; sy++)
        {
            int iy = sy - shiftY; // image row below the sample point; image rows iy - 1 and iy are read
            for (int sx = 0; sx < w; sx++)
            {
                int ix = sx - shiftX;
                if ((uint)iy > (uint)_height || (uint)ix > (uint)_width)
                {
                    logIntensity[sy * w + sx] = black; // the whole 2x2 neighbourhood is outside the image
                    continue;
                }
                int below = (iy + 1) * stride + ix + 1, above = below - stride; // padded copy: +1 on each axis
                double value = w00 * padded[above - 1] + w01 * padded[above] + w10 * padded[below - 1] + w11 * padded[below];
                logIntensity[sy * w + sx] = value == 0 ? black : Math.Log(value + floor);
            }
        }
    }

    /// <summary>The image mapped from [-1, 1] to [0, 1] with a one-pixel black border.</summary>
    private void Pad(ReadOnlySpan<float> image, Span<double> padded)
    {
        padded.Clear();
        int stride = _width + 2;
        for (int y = 0; y < _height; y++)
            for (int x = 0; x < _width; x++)
                padded[(y + 1) * stride + x + 1] = (image[y * _width + x] + 1) * 0.5;
    }

    private static double Gaussian(Random random)
    {
        // Box-Muller: two uniforms give one standard normal value.
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}

/// <summary>
/// A growable list of events (t, x, y, p) with the emulator's per-pixel scratch; reused from image to image so
/// converting a data set allocates only while the largest recording grows it.
/// </summary>
public sealed class EventBuffer
{
    private int[] _times = new int[1024];
    private ushort[] _x = new ushort[1024];
    private ushort[] _y = new ushort[1024];
    private byte[] _polarity = new byte[1024];
    private double[] _reference = [], _previous = [], _current = [], _padded = [];
    private int _sampleStart;

    /// <summary>Number of events held.</summary>
    public int Count { get; private set; }

    /// <summary>Timestamps in microseconds.</summary>
    public ReadOnlySpan<int> TimesUs => _times.AsSpan(0, Count);

    /// <summary>Columns.</summary>
    public ReadOnlySpan<ushort> X => _x.AsSpan(0, Count);

    /// <summary>Rows.</summary>
    public ReadOnlySpan<ushort> Y => _y.AsSpan(0, Count);

    /// <summary>Polarities (0 OFF, 1 ON).</summary>
    public ReadOnlySpan<byte> Polarity => _polarity.AsSpan(0, Count);

    internal void Clear() => Count = 0;

    internal Span<double> Reference(int n) => Scratch(ref _reference, n);
    internal Span<double> Previous(int n) => Scratch(ref _previous, n);
    internal Span<double> Current(int n) => Scratch(ref _current, n);
    internal Span<double> Padded(int n) => Scratch(ref _padded, n);

    private static Span<double> Scratch(ref double[] array, int n)
    {
        if (array.Length < n) array = new double[n];
        return array.AsSpan(0, n);
    }

    internal void BeginSample() => _sampleStart = Count;

    internal void Add(int t, int x, int y, int p)
    {
        if (Count == _times.Length)
        {
            int capacity = 2 * Count;
            Array.Resize(ref _times, capacity);
            Array.Resize(ref _x, capacity);
            Array.Resize(ref _y, capacity);
            Array.Resize(ref _polarity, capacity);
        }
        _times[Count] = t;
        _x[Count] = (ushort)x;
        _y[Count] = (ushort)y;
        _polarity[Count] = (byte)p;
        Count++;
    }

    /// <summary>Orders the events of the last time sample by time (pixel order within a time, as added: a stable sort).</summary>
    internal void EndSample()
    {
        int n = Count - _sampleStart;
        if (n < 2) return;
        // Insertion sort: the events of one sample are few and mostly in order already.
        for (int i = _sampleStart + 1; i < Count; i++)
        {
            int t = _times[i];
            ushort x = _x[i], y = _y[i];
            byte p = _polarity[i];
            int j = i - 1;
            while (j >= _sampleStart && _times[j] > t)
            {
                _times[j + 1] = _times[j];
                _x[j + 1] = _x[j];
                _y[j + 1] = _y[j];
                _polarity[j + 1] = _polarity[j];
                j--;
            }
            _times[j + 1] = t;
            _x[j + 1] = x;
            _y[j + 1] = y;
            _polarity[j + 1] = p;
        }
    }
}
