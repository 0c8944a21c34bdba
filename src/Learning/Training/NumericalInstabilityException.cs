namespace SpikeLfp.Learning.Training;

/// <summary>Training produced NaN or infinity; the message names the layer, the quantity and the step.</summary>
public sealed class NumericalInstabilityException(string message) : Exception(message);
