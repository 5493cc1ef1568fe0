using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;
using Sharpicorn.Logging;
using Sharpicorn.Python;
using Sharpicorn.Python.Native;
using Sharpicorn.Python.References;
using Sharpicorn.Wsgi;

namespace Sharpicorn.Tests.Wsgi;

/// <summary>Failures around the app that must cost at most one line or one request, never the worker.</summary>
[Collection("wsgi")]
public sealed class RobustnessTests(WsgiFixture fixture)
{
    [Fact]
    public void WsgiErrors_LogOnFullDisk_LineDroppedAndWorkerKeepsServing()
    {
        // /dev/full fails every write with ENOSPC, as a full disk does.
        using var full = new ErrorLog("/dev/full", LogLevel.Info);
        fixture.ErrorsWriter = full.Raw;
        try
        {
            var first = new FakeRequest("GET", "/errors", []);
            Assert.True(fixture.Run(first));
            Assert.Equal("still serving", Encoding.ASCII.GetString(first.BodyBytes));
        }
        finally
        {
            fixture.ErrorsWriter = null;
        }
        var next = new FakeRequest("GET", "/errors", []);
        Assert.True(fixture.Run(next));
        Assert.Equal(200, next.Response.StatusCode);
        Assert.Contains("a line for the error log\n", fixture.LogText(), StringComparison.Ordinal);
    }

    [Fact]
    public void WsgiErrors_WriterThrows_AppNeverSeesIt()
    {
        fixture.ErrorsWriter = _ => throw new IOException("No space left on device");
        try
        {
            var req = new FakeRequest("GET", "/errors", []);
            Assert.True(fixture.Run(req));
            Assert.Equal(200, req.Response.StatusCode);
            Assert.Equal("still serving", Encoding.ASCII.GetString(req.BodyBytes));
        }
        finally
        {
            fixture.ErrorsWriter = null;
        }
    }

    [Fact]
    public void EnvironBuilder_FailsMidway_ReleasesTheEnvironDict()
    {
        var req = new FakeRequest("GET", "/", []);
        ((HttpRequestFeature)req.Features.Get<IHttpRequestFeature>()!).Headers = new ThrowingHeaders();
        using GilScope gil = GilScope.Acquire();
        using OwnedRef sentinel = PyStr.FromString("held only by the template " + Guid.NewGuid());
        OwnedRef template = CPython.PyDict_New().OrThrow();
        Assert.Equal(0, CPython.PyDict_SetItemString(template.Handle, "sentinel"u8, sentinel.Handle));
        var builder = new EnvironBuilder(template.Move(), new WsgiKeys(), "", keepUnderscores: false);
        long before = CPython.Py_REFCNT(sentinel.Handle);

        Assert.Throws<InvalidOperationException>(() =>
        {
            using OwnedRef environ = builder.Build(req.Request, CPython.Py_None);
        });

        // A leaked environ would still hold the copy of the template's value.
        Assert.Equal(before, CPython.Py_REFCNT(sentinel.Handle));
        Assert.True(CPython.PyErr_Occurred().IsNull);
    }

    [Fact]
    public void EnvironBuilder_FailsMidway_RequestGets500AndThreadServesOn()
    {
        var broken = new FakeRequest("GET", "/chunks", []);
        ((HttpRequestFeature)broken.Features.Get<IHttpRequestFeature>()!).Headers = new ThrowingHeaders();
        Assert.True(fixture.Run(broken));
        Assert.Equal(500, broken.Response.StatusCode);
        Assert.Equal(WsgiFailure.AppFailed, broken.Request.Failure);

        var next = new FakeRequest("GET", "/chunks", []);
        Assert.True(fixture.Run(next));
        Assert.Equal("onetwo", Encoding.ASCII.GetString(next.BodyBytes));
    }

    [Fact]
    public void KeptCallables_UsedInALaterRequest_Refused()
    {
        Assert.True(fixture.Run(new FakeRequest("GET", "/keep", [])));
        var req = new FakeRequest("POST", "/stale", [[1, 2, 3]]);
        Assert.True(fixture.Run(req));
        Assert.Equal(
            "RuntimeError: start_response() called outside of its request\nRuntimeError: write() called outside of its request\nOSError: wsgi.input used outside of its request",
            Encoding.ASCII.GetString(req.BodyBytes));
    }

    /// <summary>Request headers whose enumeration fails, to break environ building halfway.</summary>
    private sealed class ThrowingHeaders : HeaderDictionary, IEnumerable<KeyValuePair<string, StringValues>>
    {
        IEnumerator<KeyValuePair<string, StringValues>> IEnumerable<KeyValuePair<string, StringValues>>.GetEnumerator() =>
            throw new InvalidOperationException("headers cannot be read");
    }
}
