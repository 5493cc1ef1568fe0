using System.Text.Json;
using Sharpicorn.Control;

namespace Sharpicorn.Tests.Control;

public sealed class PythonJsonTests
{
    [Fact]
    public void Dumps_NestedAndEmpty_PythonIndent2()
    {
        JsonElement e = JsonDocument.Parse("""{"a": [], "b": {}, "c": [1, {"d": null}], "e": true}""").RootElement;
        Assert.Equal("{\n  \"a\": [],\n  \"b\": {},\n  \"c\": [\n    1,\n    {\n      \"d\": null\n    }\n  ],\n  \"e\": true\n}", PythonJson.Dumps(e));
    }

    [Fact]
    public void Dumps_NonAscii_EnsureAsciiLowercaseEscapes()
    {
        JsonElement e = JsonDocument.Parse("\"caf\u00e9 <&> \\u007f\"").RootElement;
        Assert.Equal("\"caf\\u00e9 <&> \\u007f\"", PythonJson.Dumps(e));
    }

    [Theory]
    [InlineData(0.0, "0.0")]
    [InlineData(1.0, "1.0")]
    [InlineData(0.2, "0.2")]
    [InlineData(8130.45, "8130.45")]
    [InlineData(1e-05, "1e-05")]
    public void Float_Values_PythonRepr(double v, string repr) => Assert.Equal(repr, PythonJson.Float(v));

    [Theory]
    [InlineData("show workers", new[] { "show", "workers" })]
    [InlineData("worker  add\t2", new[] { "worker", "add", "2" })]
    [InlineData("a 'b c' \"d\\\"e\"", new[] { "a", "b c", "d\"e" })]
    public void ShellWords_Split_AsShlex(string line, string[] words) => Assert.Equal(words, ShellWords.Split(line));

    [Fact]
    public void ShellWords_UnclosedQuote_ShlexMessage() =>
        Assert.Equal("No closing quotation", Assert.Throws<FormatException>(() => ShellWords.Split("show 'x")).Message);
}
