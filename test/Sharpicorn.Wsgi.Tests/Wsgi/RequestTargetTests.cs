using System.Text;
using Sharpicorn.Wsgi;

namespace Sharpicorn.Tests.Wsgi;

public sealed class RequestTargetTests
{
    [Theory]
    [InlineData("/a/b?x=1&y=2", "/a/b", "x=1&y=2")]
    [InlineData("/a#frag", "/a", "")]
    [InlineData("/a?q#frag", "/a", "q")]
    [InlineData("http://h:1/p?q", "/p", "q")]
    [InlineData("http://h", "", "")]
    [InlineData("*", "*", "")]
    public void Split_Target_PathAndQuery(string raw, string path, string query) => Assert.Equal((path, query), RequestTarget.Split(raw));

    [Theory]
    [InlineData("/caf%C3%A9", "/caf\u00c3\u00a9")]
    [InlineData("/a%2fb%2F", "/a/b/")]
    [InlineData("/%", "/%")]
    [InlineData("/%4", "/%4")]
    [InlineData("/%g1", "/%g1")]
    [InlineData("/%41%42", "/AB")]
    public void PercentDecode_LikeUnquoteToBytes(string path, string latin1)
    {
        var buf = new byte[path.Length];
        int n = RequestTarget.PercentDecode(path, buf);
        Assert.Equal(latin1, Encoding.Latin1.GetString(buf, 0, n));
    }
}
