namespace Sharpicorn.Tests.Wsgi;

/// <summary>The exact status, headers and body bytes the WSGI layer hands Kestrel for each kind of response.</summary>
[Collection("wsgi")]
public sealed class ResponseBytesTests(WsgiFixture fixture)
{
    [Fact]
    public void Iterable_NoContentLength_BodyWrittenWithoutLength()
    {
        var req = new FakeRequest("GET", "/chunks", []);
        Assert.True(fixture.Run(req));
        Assert.Equal("200 OK\nContent-Type: text/plain\nServer: sharpicorn\n\nonetwo", req.Rendered());
    }

    [Fact]
    public void WriteThenIterable_DeclaredLength_TruncatedToIt()
    {
        var req = new FakeRequest("GET", "/write", []);
        Assert.True(fixture.Run(req));
        Assert.Equal("201 Created\nServer: sharpicorn\nContent-Length: 10\n\nhelloworld", req.Rendered());
    }

    [Fact]
    public void Head_BodyDropped_HeadersKept()
    {
        var req = new FakeRequest("HEAD", "/write", []);
        Assert.True(fixture.Run(req));
        Assert.Equal("201 Created\nServer: sharpicorn\nContent-Length: 10\n\n", req.Rendered());
    }

    [Theory]
    [InlineData("204 No Content")]
    [InlineData("304 Not Modified")]
    public void NoBodyStatus_BodyDropped(string status)
    {
        var req = new FakeRequest("GET", "/status?" + status.Replace(' ', '+'), []);
        Assert.True(fixture.Run(req));
        Assert.Equal(status + "\nX-App: yes\nServer: sharpicorn\n\n", req.Rendered());
    }

    [Fact]
    public void CustomReason_Kept()
    {
        var req = new FakeRequest("GET", "/status?299+Very+Fine", []);
        Assert.True(fixture.Run(req));
        Assert.Equal("299 Very Fine\nX-App: yes\nServer: sharpicorn\n\nbody", req.Rendered());
    }

    [Fact]
    public void FailureBeforeStartResponse_GunicornsErrorPage()
    {
        var req = new FakeRequest("GET", "/fail-before", []);
        Assert.True(fixture.Run(req));
        Assert.Equal(
            "500 Internal Server Error\nConnection: close\nContent-Type: text/html\nContent-Length: 141\n\n"
            + "<html>\n  <head>\n    <title>Internal Server Error</title>\n  </head>\n  <body>\n    <h1><p>Internal Server Error</p></h1>\n    \n  </body>\n</html>\n",
            req.Rendered());
        Assert.Contains("Error handling request /fail-before", fixture.LogText(), StringComparison.Ordinal);
        Assert.Contains("ValueError: boom before start_response", fixture.LogText(), StringComparison.Ordinal);
    }

    [Fact]
    public void FailureMidBody_ConnectionAbortedAfterWhatWasSent()
    {
        var req = new FakeRequest("GET", "/fail-after", []);
        Assert.False(fixture.Run(req));
        Assert.IsType<Sharpicorn.Wsgi.ResponseAbortedException>(req.Request.Completion.Task.Exception!.InnerException);
        Assert.Equal("200 OK\nServer: sharpicorn\n\npartial", req.Rendered());
        Assert.Contains("ValueError: boom mid-body", fixture.LogText(), StringComparison.Ordinal);
    }
}
