namespace SpikeLfp.Cli;

/// <summary>Bad command-line usage or bad input: printed as one line, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
