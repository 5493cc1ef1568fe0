using Sharpicorn.Wsgi;

namespace Sharpicorn.Tests.Wsgi;

public sealed class StartResponseRulesTests
{
    [Theory]
    [InlineData("200 OK", 200, "OK")]
    [InlineData("404", 404, "")]
    [InlineData("599 Made Up Reason", 599, "Made Up Reason")]
    public void TryParseStatus_Valid(string status, int code, string reason)
    {
        Assert.True(StartResponse.TryParseStatus(status, out int c, out string r));
        Assert.Equal((code, reason), (c, r));
    }

    [Theory]
    [InlineData("OK")]
    [InlineData("20 OK")]
    [InlineData("2000 OK")]
    [InlineData("099 Low")]
    [InlineData("200 OK\r\nX: y")]
    [InlineData("200 A\u0000B")]
    public void TryParseStatus_Invalid(string status) => Assert.False(StartResponse.TryParseStatus(status, out _, out _));

    [Theory]
    [InlineData("X-Good", true)]
    [InlineData("Bad Name", false)]
    [InlineData("Bad:Name", false)]
    [InlineData("", false)]
    [InlineData("Caf\u00e9", false)]
    public void IsToken(string name, bool ok) => Assert.Equal(ok, StartResponse.IsToken(name));

    [Theory]
    [InlineData("plain value", true)]
    [InlineData("tab\tinside", true)]
    [InlineData("caf\u00e9", true)]
    [InlineData("a\r\nb", false)]
    [InlineData("a\nb", false)]
    [InlineData("a\u0000b", false)]
    [InlineData("a\u007fb", false)]
    public void IsFieldValue(string value, bool ok) => Assert.Equal(ok, StartResponse.IsFieldValue(value));
}
