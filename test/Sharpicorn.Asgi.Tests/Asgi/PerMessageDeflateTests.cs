using Sharpicorn.Asgi;

namespace Sharpicorn.Tests.Asgi;

public sealed class PerMessageDeflateTests
{
    private static PerMessageDeflate? Negotiate(params string?[] values) => PerMessageDeflate.Negotiate(values);

    [Fact]
    public void Negotiate_WebsocketsLibraryDefaultOffer_AnswersAsItsServerDoes()
    {
        // websockets' client offers "permessage-deflate; client_max_window_bits"; its server (uvicorn's) answers 12 and 12.
        PerMessageDeflate d = Negotiate("permessage-deflate; client_max_window_bits")!;
        Assert.Equal("permessage-deflate; server_max_window_bits=12; client_max_window_bits=12", d.ResponseHeader);
        Assert.Equal(12, d.Options.ServerMaxWindowBits);
        Assert.Equal(12, d.Options.ClientMaxWindowBits);
        Assert.True(d.Options.ServerContextTakeover);
        Assert.True(d.Options.ClientContextTakeover);
    }

    [Fact]
    public void Negotiate_BareOffer_NoClientWindowAnswerAndFullInflateWindow()
    {
        // A client that did not offer client_max_window_bits must not get one back, and may use 15 bits.
        PerMessageDeflate d = Negotiate("permessage-deflate")!;
        Assert.Equal("permessage-deflate; server_max_window_bits=12", d.ResponseHeader);
        Assert.Equal(15, d.Options.ClientMaxWindowBits);
    }

    [Fact]
    public void Negotiate_NoContextTakeoverBothWays_EchoedAndApplied()
    {
        PerMessageDeflate d = Negotiate("permessage-deflate; server_no_context_takeover; client_no_context_takeover")!;
        Assert.Equal("permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=12", d.ResponseHeader);
        Assert.False(d.Options.ServerContextTakeover);
        Assert.False(d.Options.ClientContextTakeover);
    }

    [Fact]
    public void Negotiate_SmallerWindowsOffered_AnsweredAtMostWhatWasOffered()
    {
        PerMessageDeflate d = Negotiate("permessage-deflate; server_max_window_bits=10; client_max_window_bits=\"9\"")!;
        Assert.Equal("permessage-deflate; server_max_window_bits=10; client_max_window_bits=9", d.ResponseHeader);
        Assert.Equal(10, d.Options.ServerMaxWindowBits);
        Assert.Equal(9, d.Options.ClientMaxWindowBits);
    }

    [Fact]
    public void Negotiate_ClientWindowOfEight_AnsweredEightInflatedWithNine()
    {
        PerMessageDeflate d = Negotiate("permessage-deflate; client_max_window_bits=8")!;
        Assert.EndsWith("client_max_window_bits=8", d.ResponseHeader, StringComparison.Ordinal);
        Assert.Equal(9, d.Options.ClientMaxWindowBits);
    }

    [Fact]
    public void Negotiate_ServerWindowOfEightThenPlainOffer_FirstDeclinedSecondTaken()
    {
        // .NET cannot deflate with an 8-bit window: that offer is declined, the fallback is taken.
        PerMessageDeflate d = Negotiate("permessage-deflate; server_max_window_bits=8, permessage-deflate")!;
        Assert.Equal("permessage-deflate; server_max_window_bits=12", d.ResponseHeader);
    }

    [Theory]
    [InlineData("permessage-deflate; server_max_window_bits")]
    [InlineData("permessage-deflate; server_max_window_bits=16")]
    [InlineData("permessage-deflate; client_max_window_bits=09")]
    [InlineData("permessage-deflate; unknown_param")]
    [InlineData("permessage-deflate; server_no_context_takeover; server_no_context_takeover")]
    [InlineData("permessage-deflate; server_no_context_takeover=1")]
    [InlineData("x-webkit-deflate-frame")]
    [InlineData("")]
    public void Negotiate_InvalidOrOtherExtension_NoCompression(string offer)
    {
        Assert.Null(Negotiate(offer));
    }

    [Fact]
    public void Negotiate_NoHeader_NoCompression()
    {
        Assert.Null(Negotiate());
        Assert.Null(Negotiate((string?)null));
    }

    [Fact]
    public void Negotiate_OfferInSecondHeaderLine_Taken()
    {
        Assert.NotNull(Negotiate("foo", "PerMessage-Deflate ;client_max_window_bits=15"));
    }
}
