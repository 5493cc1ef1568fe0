using System.Text;
using Sharpicorn.Asgi;

namespace Sharpicorn.Tests.Asgi;

/// <summary>A head's field lines as sent, read into scope["headers"]' pairs (strings are latin-1: a char per byte).</summary>
public sealed class FieldLinesTests
{
    private static List<(string Name, string Value)> Read(string lines)
    {
        var fields = new FieldLines(Encoding.Latin1.GetBytes(lines));
        var pairs = new List<(string, string)>();
        while (fields.Next(out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value))
        {
            pairs.Add((Encoding.Latin1.GetString(name), Encoding.Latin1.GetString(value)));
        }
        return pairs;
    }

    [Fact]
    public void RepeatedAndUnusualOrder_Read_ArrivalOrderEachLineItsOwnPair()
    {
        Assert.Equal(
            [("X-B", "1"), ("Host", "t"), ("X-A", "a"), ("Cookie", "c=1"), ("X-B", "2"), ("Accept", "*/*")],
            Read("X-B: 1\r\nHost: t\r\nX-A: a\r\nCookie: c=1\r\nX-B: 2\r\nAccept: */*\r\n"));
    }

    [Fact]
    public void Whitespace_Read_ValueTrimmedOfSpacesAndTabsOnly_InnerAndLatin1BytesKept()
    {
        Assert.Equal(
            [("X", "a \t b"), ("Y", ""), ("Z", "caf\u00e9")],
            Read("X: \t a \t b \t\r\nY:\r\nZ:caf\u00e9 \r\n"));
    }

    [Fact]
    public void SpacesBeforeColon_Read_NameWithoutThem()
    {
        // Only a head accepted with strip_header_spaces has them.
        Assert.Equal([("Name", "v")], Read("Name \t: v\r\n"));
    }

    [Fact]
    public void FoldedField_Read_OnePairJoinedWithOneSpace()
    {
        // As the front hands Kestrel a folded head (gunicorn's parse_headers): each continuation joins with one space.
        Assert.Equal(
            [("X-F", "a b c"), ("X-G", "d")],
            Read("X-F: a \r\n \t b\r\n\tc \r\nX-G: d\r\n"));
    }

    [Fact]
    public void FoldedEmptyStart_Read_NoLeadingSpace()
    {
        Assert.Equal([("X-F", "b")], Read("X-F:\r\n  b\r\n \r\n"));
    }

    [Fact]
    public void NoFields_Read_Nothing()
    {
        Assert.Empty(Read(""));
    }
}
