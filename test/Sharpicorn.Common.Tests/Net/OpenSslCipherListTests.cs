using Sharpicorn.Net;

namespace Sharpicorn.Tests.Net;

/// <summary>OpenSSL's own reading of a cipher list, as Python's set_ciphers gets it.</summary>
public sealed class OpenSslCipherListTests
{
    [Fact]
    public void Resolve_OpenSslName_IanaNumber()
    {
        var suites = OpenSslCipherList.Resolve("ECDHE-RSA-AES128-GCM-SHA256");
        // RFC 5289: TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 is 0xC02F.
        Assert.Contains(suites, s => s.Id == 0xC02F && s.Name == "ECDHE-RSA-AES128-GCM-SHA256");
        Assert.DoesNotContain(suites, s => s.Id == 0xC030);
    }

    [Fact]
    public void Resolve_Exclusion_Honoured()
    {
        var suites = OpenSslCipherList.Resolve("HIGH:!aNULL:!CHACHA20");
        Assert.NotEmpty(suites);
        Assert.DoesNotContain(suites, s => s.Name.Contains("CHACHA20", StringComparison.Ordinal) && !s.Name.StartsWith("TLS_", StringComparison.Ordinal));
    }

    [Fact]
    public void Resolve_NothingSelected_PythonsMessage() =>
        Assert.Equal("No cipher can be selected.", Assert.Throws<FormatException>(() => OpenSslCipherList.Resolve("NOT-A-CIPHER")).Message);
}
