namespace SpikeLfp.Tests.Support;

/// <summary>
/// Array layout conversions between the fixtures (PyTorch: time-major, output-major weights) and SpikeLfp
/// (sample-major traces, input-major weights). No NUnit here: the GPU device check uses it too. It keeps the namespace
/// of the test support it came from, so the Reference tests read it unchanged.
/// </summary>
public static class Layouts
{
    /// <summary>Converts a [T, B, N] reference array to the simulator's sample-major [B, T, N] order.</summary>
    public static double[] TimeMajorToSampleMajor(double[] data, int steps, int batch, int n)
    {
        var result = new double[data.Length];
        for (int t = 0; t < steps; t++)
            for (int b = 0; b < batch; b++)
                for (int i = 0; i < n; i++)
                    result[(b * steps + t) * n + i] = data[(t * batch + b) * n + i];
        return result;
    }

    /// <summary>Converts PyTorch's [out, in] weights to the simulator's input-major [in, out].</summary>
    public static double[] OutputMajorToInputMajor(double[] data, int outputs, int inputs)
    {
        var result = new double[data.Length];
        for (int o = 0; o < outputs; o++)
            for (int i = 0; i < inputs; i++)
                result[i * outputs + o] = data[o * inputs + i];
        return result;
    }
}
