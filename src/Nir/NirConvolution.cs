using SpikeLfp.Network.Model;
using SpikeLfp.Network.Synapses;

namespace SpikeLfp.Nir;

/// <summary>
/// NIR's Conv2d node as <see cref="Conv2dSynapses"/>: weight [outC, inC, kh, kw] (PyTorch's layout), bias per output
/// channel, stride, padding, dilation and groups. SpikeLfp's convolution has a square kernel, one stride and one
/// padding for both axes, no dilation and no groups: anything else is refused naming the node.
/// </summary>
internal static class NirConvolution
{
    /// <summary>The convolution <paramref name="node"/> describes on an input image of shape <paramref name="input"/>.</summary>
    public static Conv2dSynapses Read(NirNode node, ImageShape input, string source)
    {
        string where = $"{source}: node '{node.Name}' (Conv2d)";
        var weight = node.Find("weight") ?? throw new InvalidModelException($"{where} has no 'weight'");
        if (weight.Shape.Count != 4)
            throw new InvalidModelException($"{where} has a weight of shape [{string.Join(", ", weight.Shape)}]; expected [out_channels, in_channels, kh, kw]");
        int outChannels = weight.Shape[0], inChannels = weight.Shape[1], kh = weight.Shape[2], kw = weight.Shape[3];
        var (groupsA, _) = Pair(node, "groups", (1, 1), source);
        if (groupsA != 1)
            throw new InvalidModelException($"{where} has groups = {groupsA}; SpikeLfp's Conv2dSynapses connects every input channel to every output channel (groups 1)");
        var (dh, dw) = Pair(node, "dilation", (1, 1), source);
        if (dh != 1 || dw != 1)
            throw new InvalidModelException($"{where} has dilation [{dh}, {dw}]; SpikeLfp's Conv2dSynapses has no dilation (only [1, 1])");
        if (kh != kw)
            throw new InvalidModelException($"{where} has a {kh}x{kw} kernel; SpikeLfp's Conv2dSynapses needs a square kernel");
        var (sh, sw) = Pair(node, "stride", (1, 1), source);
        if (sh != sw)
            throw new InvalidModelException($"{where} has stride [{sh}, {sw}]; SpikeLfp's Conv2dSynapses needs the same stride on both axes");
        // A padding given by name ("same", "valid") is a string, which the reader skips: say so rather than assume zero.
        if (node.Find("padding") is null)
            throw new InvalidModelException($"{where} has no numeric 'padding' (a padding given by name, such as 'same', is not mapped; give it in pixels)");
        var (ph, pw) = Pair(node, "padding", null, source);
        if (ph != pw)
            throw new InvalidModelException($"{where} has padding [{ph}, {pw}]; SpikeLfp's Conv2dSynapses pads both axes alike");
        if (inChannels != input.Channels)
            throw new InvalidModelException($"{where} takes {inChannels} input channels but is fed [{input.Channels}, {input.Height}, {input.Width}]");
        if (node.Find("input_shape") is { } declared && (declared.Length != 2 || declared.Values[0] != input.Height || declared.Values[1] != input.Width))
            throw new InvalidModelException($"{where} declares the input size [{string.Join(", ", declared.Values)}] but is fed [{input.Channels}, {input.Height}, {input.Width}]");
        Conv2dSynapses conv;
        try { conv = new Conv2dSynapses(input.Height, input.Width, inChannels, outChannels, kh, sh, ph); }
        catch (ArgumentException e) { throw new InvalidModelException($"{where}: {e.Message}"); }
        conv.FromTorchLayout(NirSynapses.Finite(weight, node, "weight", source));
        if (node.Find("bias") is { } bias)
        {
            var values = NirSynapses.Finite(bias, node, "bias", source);
            if (values.Length == 1 && outChannels > 1) values = Enumerable.Repeat(values[0], outChannels).ToArray(); // one bias for every channel
            if (values.Length != outChannels)
                throw new InvalidModelException($"{where} has {values.Length} biases for {outChannels} output channels");
            values.CopyTo(conv.Bias, 0);
        }
        return conv;
    }

    /// <summary>
    /// A two-axis integer parameter (kernel_size, stride, padding, dilation, groups) stored as a scalar or a pair;
    /// <paramref name="fallback"/> when absent, or refused when it is null.
    /// </summary>
    public static (int A, int B) Pair(NirNode node, string key, (int, int)? fallback, string source)
    {
        var array = node.Find(key);
        if (array is null)
            return fallback ?? throw new InvalidModelException($"{source}: node '{node.Name}' ({node.Type}) has no '{key}'");
        if (array.Length is not (1 or 2) || array.Values.Any(v => v != Math.Floor(v) || v < 0 || v > NetworkSpec.MaxLayerSize))
            throw new InvalidModelException($"{source}: node '{node.Name}' ({node.Type}) has '{key}' [{string.Join(", ", array.Values)}]; expected one or two non-negative integers");
        return ((int)array.Values[0], (int)array.Values[^1]);
    }
}
