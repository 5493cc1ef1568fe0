using Sharpicorn.Logging;

namespace Sharpicorn.Wsgi;

/// <summary>What the WSGI layer needs from the configuration, fixed before the threads start.</summary>
internal sealed class WorkerSettings
{
    /// <summary>gunicorn's default: 1 thread.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>gunicorn's default: 1 worker. Sets wsgi.multiprocess.</summary>
    public int Workers { get; init; } = 1;

    public string ServerSoftware { get; init; } = "sharpicorn";

    /// <summary>From the SCRIPT_NAME environment variable, as gunicorn reads it; empty by default.</summary>
    public string ScriptName { get; init; } = "";

    /// <summary>header_map "dangerous" keeps header names with "_"; "drop" (gunicorn 22's default) and "refuse" do not reach here.</summary>
    public bool KeepUnderscoreHeaders { get; init; }

    /// <summary>forwarder_headers: header names with '_' (upper case, as gunicorn matches them; "*" for any) that reach environ from a trusted forwarder (<see cref="WsgiRequest.TrustedForwarder"/>).</summary>
    public IReadOnlyCollection<string> ForwarderHeaders { get; init; } = [];

    /// <summary>TLS with cert_reqs 1 or 2: a client certificate, when there is one, goes into environ as SSL_CLIENT_*.</summary>
    public bool ClientCertificates { get; init; }

    /// <summary>
    /// gunicorn's cfg.sendfile as resolved (ServerSettings.UseSendfile): true lets a wrapped regular file go
    /// from its descriptor; false iterates wsgi.file_wrapper (filelike.read(blksize)), as gunicorn does then.
    /// </summary>
    public bool Sendfile { get; init; } = true;

    /// <summary>--spew: every Python thread traces its lines (gunicorn's debug.spew).</summary>
    public bool Spew { get; init; }

    public ErrorLog? ErrorLog { get; init; }

    public AccessLog? AccessLog { get; init; }

    /// <summary>--statsd-host: gunicorn's per-request metrics, sent whether or not there is an access log.</summary>
    public Metrics.StatsdClient? Statsd { get; init; }
}
