using System.Text;
using Sharpicorn.Wsgi;

namespace Sharpicorn.Http;

/// <summary>
/// --health-path: a probe answered on Kestrel's thread, so it needs no GIL and no Python thread,
/// and is not an app request (no access-log line, no max_requests budget).
/// </summary>
internal static class HealthCheck
{
    private static readonly byte[] Body = Encoding.ASCII.GetBytes("OK\n");

    /// <summary>Whether <paramref name="target"/> (the raw request target) is the health path, whatever its query string.</summary>
    public static bool Matches(string target, string healthPath)
    {
        int q = target.IndexOf('?', StringComparison.Ordinal);
        ReadOnlySpan<char> path = q >= 0 ? target.AsSpan(0, q) : target;
        return path.SequenceEqual(healthPath);
    }

    public static Task Answer(WsgiRequest context)
    {
        var response = context.Response;
        response.StatusCode = 200;
        response.ReasonPhrase = "OK";
        response.Headers.ContentType = "text/plain";
        response.Headers.ContentLength = Body.Length;
        if (string.Equals(context.Method, "HEAD", StringComparison.OrdinalIgnoreCase))
        {
            return Task.CompletedTask;
        }
        return context.Body.Writer.WriteAsync(Body).AsTask();
    }
}
