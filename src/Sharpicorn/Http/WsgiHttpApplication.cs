using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;
using Sharpicorn.Cli;
using Sharpicorn.Wsgi;

namespace Sharpicorn.Http;

/// <summary>
/// Kestrel's hand-off, with no middleware pipeline: check gunicorn's own limits, then queue the
/// request for a Python thread and give Kestrel the task that thread completes. This runs on
/// Kestrel's threads and never touches the GIL.
/// </summary>
internal sealed class WsgiHttpApplication(PythonWorkerPool pool, ServerSettings settings) : IHttpApplication<WsgiRequest>
{
    public WsgiRequest CreateContext(IFeatureCollection contextFeatures) => new(contextFeatures);

    public Task ProcessRequestAsync(WsgiRequest context)
    {
        if (RequestLimits.Check(context.Request, settings.LimitRequestLine, settings.LimitRequestFieldSize) is var (status, reason, message))
        {
            ErrorPage.Write(context, status, reason, message);
            return Task.CompletedTask;
        }
        if (settings.KeepAlive <= 0)
        {
            // gunicorn's keepalive = 0 turns keep-alive off.
            context.Response.Headers.Connection = "close";
        }
        pool.Dispatch(context);
        return context.Completion.Task;
    }

    public void DisposeContext(WsgiRequest context, Exception? exception)
    {
    }
}
