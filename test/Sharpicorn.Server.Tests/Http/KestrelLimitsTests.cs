using Microsoft.AspNetCore.Server.Kestrel.Core;
using Sharpicorn.Cli;
using Sharpicorn.Http;

namespace Sharpicorn.Tests.Http;

/// <summary>gunicorn's limits mapped onto Kestrel's, including the values Kestrel would refuse to start with.</summary>
public sealed class KestrelLimitsTests
{
    [Theory]
    [InlineData(0, 100, 65536)]
    [InlineData(8190, 0, 65536)]
    [InlineData(8190, 100, 0)]
    [InlineData(0, 0, 0)]
    [InlineData(65536, 32768, 65536)]
    public void Apply_UnlimitedOrLargeLimits_BufferHoldsTheLargestHead(int fieldSize, int fields, int http2List)
    {
        var limits = new KestrelServerLimits();
        KestrelLimits.Apply(limits, new ServerSettings { LimitRequestFieldSize = fieldSize, LimitRequestFields = fields, Http2MaxHeaderListSize = http2List });
        // KestrelServerImpl.ValidateOptions' two rules: a worker with these limits would not start otherwise.
        Assert.True(limits.MaxRequestBufferSize is null || limits.MaxRequestBufferSize >= limits.MaxRequestHeadersTotalSize);
        Assert.True(limits.MaxRequestBufferSize is null || limits.MaxRequestBufferSize >= limits.MaxRequestLineSize);
    }

    [Fact]
    public void Apply_GunicornDefaults_KeepsKestrelsBuffer()
    {
        var limits = new KestrelServerLimits();
        KestrelLimits.Apply(limits, new ServerSettings());
        Assert.Equal(new KestrelServerLimits().MaxRequestBufferSize, limits.MaxRequestBufferSize);
    }
}
