namespace SpikeLfp.Network.Model;

/// <summary>A model spec or model file is malformed; the message names the source and the problem.</summary>
public sealed class InvalidModelException(string message, Exception? inner = null) : Exception(message, inner);
