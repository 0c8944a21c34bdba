namespace SpikeLfp.Sweeps;

/// <summary>The flags a base command (train, compare) accepts, so a sweep file is checked when it is planned, not when a task fails.</summary>
/// <param name="Values">Flags that take a value.</param>
/// <param name="Switches">Flags that take none.</param>
/// <param name="Checkpoints">True when the command writes checkpoints with --checkpoint-every and continues with --resume.</param>
public sealed record CommandFlags(IReadOnlySet<string> Values, IReadOnlySet<string> Switches, bool Checkpoints);
