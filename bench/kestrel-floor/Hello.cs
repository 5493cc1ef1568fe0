using System.Buffers;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace KestrelFloor;

/// <summary>bench/apps/hello.py's response: 200, Content-Type: text/plain, Content-Length: 13, "Hello, World!".</summary>
internal static class Hello
{
    private static readonly StringValues TextPlain = new("text/plain");

    public static ReadOnlySpan<byte> Body => "Hello, World!"u8;

    /// <summary>Sets the head, starts the response and copies the body into Kestrel's pipe; Kestrel flushes it when the request completes.</summary>
    public static void Write(IFeatureCollection features, ReadOnlySpan<byte> body)
    {
        IHttpResponseFeature response = features.GetRequiredFeature<IHttpResponseFeature>();
        IHttpResponseBodyFeature bodyFeature = features.GetRequiredFeature<IHttpResponseBodyFeature>();
        response.StatusCode = 200;
        response.Headers.ContentType = TextPlain;
        response.Headers.ContentLength = body.Length;
        try
        {
            // Kestrel's body writer hands out buffers only once the response has started (as in sharpicorn's ResponseWriter).
            Task start = bodyFeature.StartAsync();
            if (!start.IsCompletedSuccessfully)
            {
                start.GetAwaiter().GetResult();
            }
            bodyFeature.Writer.Write(body);
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or InvalidOperationException or ObjectDisposedException or IOException or OperationCanceledException)
        {
            // The client went away (wrk closes its connections mid-request when it stops): Kestrel
            // aborted the output and its writer hands out an empty span. sharpicorn's
            // ResponseWriter catches the same; nobody is left to answer.
        }
    }
}
