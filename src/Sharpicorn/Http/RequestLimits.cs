using Microsoft.AspNetCore.Http.Features;

namespace Sharpicorn.Http;

/// <summary>gunicorn's request limits that Kestrel cannot express, checked before the app runs.</summary>
internal static class RequestLimits
{
    /// <summary>Null when the request is within limits, else gunicorn's status, reason and message.</summary>
    public static (int Status, string Reason, string Message)? Check(IHttpRequestFeature request, int limitRequestLine, int limitRequestFieldSize)
    {
        if (limitRequestLine > 0)
        {
            int line = request.Method.Length + 1 + request.RawTarget.Length + 1 + request.Protocol.Length;
            if (line > limitRequestLine)
            {
                return (400, "Bad Request", $"Request Line is too large ({line} > {limitRequestLine})");
            }
        }
        if (limitRequestFieldSize > 0)
        {
            foreach (KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues> h in request.Headers)
            {
                foreach (string? v in h.Value)
                {
                    // gunicorn measures the field line "Name: value".
                    if (h.Key.Length + 2 + (v?.Length ?? 0) > limitRequestFieldSize)
                    {
                        return (431, "Request Header Fields Too Large", "Error parsing headers: 'limit request headers fields size'");
                    }
                }
            }
        }
        return null;
    }
}
