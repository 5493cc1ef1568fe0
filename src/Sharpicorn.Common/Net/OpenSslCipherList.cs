// Design notes
// ------------
// gunicorn's --ciphers is an OpenSSL cipher list ("ECDHE+AESGCM:!aNULL", "HIGH", ...), handed to
// Python's SSLContext.set_ciphers, which is SSL_CTX_set_cipher_list. The list language (aliases,
// "+", "!", "-", @STRENGTH, @SECLEVEL, the system's security level) is OpenSSL's, so instead of
// re-implementing it this asks the same OpenSSL the process already uses for TLS: a throw-away
// SSL_CTX gets the string, and the suites it ends up with are read back as IANA numbers
// (SSL_CIPHER_get_protocol_id), which is exactly what .NET's TlsCipherSuite enum holds.
// SSL_CTX_get_ciphers also lists the TLS 1.3 suites, which set_cipher_list does not touch: as in
// gunicorn, --ciphers restricts TLS 1.2 and older and leaves TLS 1.3's defaults alone.
using System.Runtime.InteropServices;

namespace Sharpicorn.Net;

/// <summary>Resolves an OpenSSL cipher list to the IANA numbers of the suites it selects, with the system's libssl.</summary>
internal static unsafe class OpenSslCipherList
{
    /// <summary>The sonames .NET itself probes on Linux, newest first.</summary>
    private static readonly string[] SslNames = ["libssl.so.3", "libssl.so.1.1", "libssl.so"];

    private static readonly string[] CryptoNames = ["libcrypto.so.3", "libcrypto.so.1.1", "libcrypto.so"];

    /// <summary>The suites <paramref name="cipherList"/> selects, in OpenSSL's preference order, as (IANA number, OpenSSL name).</summary>
    /// <exception cref="FormatException">the list selects no cipher (Python's "No cipher can be selected.").</exception>
    /// <exception cref="PlatformNotSupportedException">no usable libssl.</exception>
    public static List<(ushort Id, string Name)> Resolve(string cipherList)
    {
        nint ssl = Load(SslNames), crypto = Load(CryptoNames);
        var serverMethod = (delegate* unmanaged<nint>)Export(ssl, "TLS_server_method");
        var ctxNew = (delegate* unmanaged<nint, nint>)Export(ssl, "SSL_CTX_new");
        var ctxFree = (delegate* unmanaged<nint, void>)Export(ssl, "SSL_CTX_free");
        var setList = (delegate* unmanaged<nint, byte*, int>)Export(ssl, "SSL_CTX_set_cipher_list");
        var getCiphers = (delegate* unmanaged<nint, nint>)Export(ssl, "SSL_CTX_get_ciphers");
        var protocolId = (delegate* unmanaged<nint, ushort>)Export(ssl, "SSL_CIPHER_get_protocol_id");
        var cipherName = (delegate* unmanaged<nint, byte*>)Export(ssl, "SSL_CIPHER_get_name");
        var skNum = (delegate* unmanaged<nint, int>)Export(crypto, "OPENSSL_sk_num");
        var skValue = (delegate* unmanaged<nint, int, nint>)Export(crypto, "OPENSSL_sk_value");
        var clearErrors = (delegate* unmanaged<void>)Export(crypto, "ERR_clear_error");

        nint ctx = ctxNew(serverMethod());
        if (ctx == 0)
        {
            throw new PlatformNotSupportedException("OpenSSL could not create an SSL_CTX");
        }
        try
        {
            byte[] text = System.Text.Encoding.ASCII.GetBytes(cipherList + "\0");
            fixed (byte* p = text)
            {
                if (setList(ctx, p) != 1)
                {
                    // Leave no error on OpenSSL's per-thread queue for .NET's own TLS calls to trip over.
                    clearErrors();
                    throw new FormatException("No cipher can be selected.");
                }
            }
            nint stack = getCiphers(ctx);
            int n = stack == 0 ? 0 : skNum(stack);
            var result = new List<(ushort, string)>(n);
            for (int i = 0; i < n; i++)
            {
                nint cipher = skValue(stack, i);
                result.Add((protocolId(cipher), Marshal.PtrToStringAnsi((nint)cipherName(cipher)) ?? "?"));
            }
            return result;
        }
        finally
        {
            ctxFree(ctx);
        }
    }

    private static nint Load(string[] names)
    {
        foreach (string name in names)
        {
            if (NativeLibrary.TryLoad(name, out nint handle))
            {
                return handle;
            }
        }
        throw new PlatformNotSupportedException($"OpenSSL not found (tried {string.Join(", ", names)})");
    }

    private static nint Export(nint library, string name) =>
        NativeLibrary.TryGetExport(library, name, out nint f) ? f : throw new PlatformNotSupportedException($"OpenSSL lacks {name} (1.1.1 or newer is needed)");
}
