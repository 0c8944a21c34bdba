namespace SpikeLfp.Sweeps;

/// <summary>A bad sweep file, a sweep folder that cannot be used, or a scheduler that refused: one line for the user.</summary>
public sealed class SweepException(string message) : Exception(message);
