using Sharpicorn.Cli;
using Sharpicorn.Configuration;

namespace Sharpicorn.Tests.Configuration;

/// <summary>gunicorn 26's HTTP/2 settings: its spellings, defaults and validators, with errors that name the setting.</summary>
public sealed class Http2SettingsTests
{
    private static ServerSettings Parse(params string[] args) => CommandLine.Parse([.. args, "app"], _ => null);

    private static string Error(params string[] args) => Assert.Throws<UsageException>(() => Parse(args)).Message;

    private static string Printed(ServerSettings s, string name) =>
        s.Describe().Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal))[(name.Length + 1)..].TrimStart().TrimStart('=').TrimStart();

    [Fact]
    public void Defaults_AreGunicorns()
    {
        ServerSettings s = Parse();
        Assert.Equal(["h1"], s.HttpProtocols);
        Assert.Equal("off", s.Http2Cleartext);
        Assert.Equal(100, s.Http2MaxConcurrentStreams);
        Assert.Equal(65535, s.Http2InitialWindowSize);
        Assert.Equal(16384, s.Http2MaxFrameSize);
        Assert.Equal(65536, s.Http2MaxHeaderListSize);
        Assert.Equal("['h1']", Printed(s, "http_protocols"));
    }

    [Fact]
    public void HttpProtocols_SpacedAndUpperCase_NormalisedInOrder()
    {
        ServerSettings s = Parse("--http-protocols", " H2 , h1 ");
        Assert.Equal(["h2", "h1"], s.HttpProtocols);
        Assert.Equal("['h2', 'h1']", Printed(s, "http_protocols"));
    }

    [Fact]
    public void HttpProtocols_Empty_MeansH1()
    {
        Assert.Equal(["h1"], Parse("--http-protocols", " , ").HttpProtocols);
    }

    [Theory]
    [InlineData("h4", "argument --http-protocols: Invalid protocol 'h4'. Valid protocols: h1, h2, h3")]
    [InlineData("h2,http/1.1", "argument --http-protocols: Invalid protocol 'http/1.1'. Valid protocols: h1, h2, h3")]
    [InlineData("h2,H2", "argument --http-protocols: Duplicate protocols specified")]
    public void HttpProtocols_Invalid_GunicornsMessage(string value, string message)
    {
        Assert.Equal(message, Error("--http-protocols", value));
    }

    [Theory]
    [InlineData("prior-knowledge", "prior-knowledge")]
    [InlineData("BOTH", "both")]
    [InlineData("upgrade", "upgrade")]
    [InlineData("off", "off")]
    public void Cleartext_Choices_StoredLowerCase(string value, string expected)
    {
        Assert.Equal(expected, Parse("--http2-cleartext", value).Http2Cleartext);
    }

    [Theory]
    [InlineData("true", "prior-knowledge")]
    [InlineData("false", "off")]
    [InlineData("null", null)]
    [InlineData("\"Upgrade\"", "upgrade")]
    public void Cleartext_ConfigFileValue_AsGunicornsValidator(string json, string? expected)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        Assert.Equal(expected, SettingsRegistry.Find("http2_cleartext")!.FromJson(doc.RootElement));
    }

    [Fact]
    public void Cleartext_Unknown_NamesTheFlag()
    {
        Assert.StartsWith("argument --http2-cleartext: invalid choice: 'yes'", Error("--http2-cleartext", "yes"), StringComparison.Ordinal);
    }

    [Fact]
    public void Limits_Explicit_Stored()
    {
        ServerSettings s = Parse("--http2-max-concurrent-streams", "250", "--http2-initial-window-size", "1048576",
            "--http2-max-frame-size", "16777215", "--http2-max-header-list-size", "0");
        Assert.Equal(250, s.Http2MaxConcurrentStreams);
        Assert.Equal(1048576, s.Http2InitialWindowSize);
        Assert.Equal(16777215, s.Http2MaxFrameSize);
        Assert.Equal(0, s.Http2MaxHeaderListSize);
    }

    [Theory]
    [InlineData("--http2-max-frame-size", "16383", "argument --http2-max-frame-size: http2_max_frame_size must be between 16384 and 16777215, got 16383")]
    [InlineData("--http2-max-frame-size", "16777216", "argument --http2-max-frame-size: http2_max_frame_size must be between 16384 and 16777215, got 16777216")]
    [InlineData("--http2-initial-window-size", "1024", "argument --http2-initial-window-size: must be at least 65535, not 1024")]
    [InlineData("--http2-max-concurrent-streams", "0", "argument --http2-max-concurrent-streams: must be at least 1, not 0")]
    [InlineData("--http2-max-header-list-size", "-1", "argument --http2-max-header-list-size: must be at least 0, not -1")]
    [InlineData("--http2-initial-window-size", "2147483648", "argument --http2-initial-window-size: invalid int value: '2147483648'")]
    public void Limits_OutOfRange_NamesTheSetting(string flag, string value, string message)
    {
        Assert.Equal(message, Error(flag, value));
    }
}
