namespace Sharpicorn.Cli;

/// <summary>
/// The configuration a HUP read again could not start a single worker (renewed certificate files
/// that do not load, say): the running workers are kept rather than replaced by ones that would
/// fail to boot and halt the master.
/// </summary>
internal sealed class ReloadRefusedException(string message, Exception? inner = null) : Exception(message, inner);
