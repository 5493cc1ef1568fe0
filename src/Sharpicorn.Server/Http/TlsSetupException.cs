namespace Sharpicorn.Http;

/// <summary>A TLS setting that cannot be used (a missing or unreadable file, a key that does not match, a cipher list that selects nothing); the message names the setting and the file.</summary>
internal sealed class TlsSetupException(string message, Exception? inner = null) : Exception(message, inner);
