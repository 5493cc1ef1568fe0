using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Sharpicorn.Tests.TestUtilities;

namespace Sharpicorn.Tests.Http;

/// <summary>
/// Debian's nginx as a child process of the test: its own prefix, config, pid file, logs and
/// temp directories in a fresh directory, in the foreground (daemon off), on a free port. As
/// root its workers drop to nobody (the "user" directive is only allowed then), so the
/// directory is world-readable. Ready means its port accepts a connection.
/// </summary>
public sealed partial class NginxProcess : IDisposable
{
    private const string Binary = "/usr/sbin/nginx";

    /// <summary>Debian's dynamic stream module (package libnginx-mod-stream), for "proxy_protocol on" towards an upstream.</summary>
    public const string StreamModule = "/usr/lib/nginx/modules/ngx_stream_module.so";

    private readonly Process _process;
    private readonly StringBuilder _stderr = new();

    private NginxProcess(Process process, WorldReadableDirectory dir, int port)
    {
        _process = process;
        Directory = dir;
        Port = port;
    }

    public WorldReadableDirectory Directory { get; }

    public int Port { get; }

    public string Log
    {
        get
        {
            string file = Path.Combine(Directory.FullName, "error.log");
            lock (_stderr)
            {
                return _stderr + (File.Exists(file) ? File.ReadAllText(file) : "");
            }
        }
    }

    /// <summary>
    /// Starts nginx with <paramref name="body"/> (http or stream blocks; "{PORT}" is replaced by
    /// the port it listens on) in <paramref name="dir"/>, which the caller made and deletes after
    /// this instance is disposed. A port taken between choosing it and nginx binding it is chosen again.
    /// </summary>
    public static NginxProcess Start(WorldReadableDirectory dir, string body, bool stream = false)
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} is missing: install Debian's nginx (.ci/run does)");
        }
        if (stream && !File.Exists(StreamModule))
        {
            throw new InvalidOperationException($"{StreamModule} is missing: install Debian's libnginx-mod-stream (.ci/run does)");
        }
        for (int attempt = 1; ; attempt++)
        {
            int port = FreePort();
            string conf = Path.Combine(dir.FullName, "nginx.conf");
            File.WriteAllText(conf, Config(dir.FullName, body.Replace("{PORT}", port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal), stream));
            var psi = new ProcessStartInfo(Binary)
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            foreach (string a in (string[])["-p", dir.FullName + "/", "-c", conf, "-g", $"daemon off; pid {dir.FullName}/nginx.pid; error_log {dir.FullName}/error.log info;"])
            {
                psi.ArgumentList.Add(a);
            }
            var p = new Process { StartInfo = psi };
            var nginx = new NginxProcess(p, dir, port);
            p.ErrorDataReceived += (_, e) =>
            {
                lock (nginx._stderr)
                {
                    nginx._stderr.Append(e.Data).Append('\n');
                }
            };
            p.OutputDataReceived += (_, _) => { };
            p.Start();
            p.BeginErrorReadLine();
            p.BeginOutputReadLine();
            if (nginx.WaitListening())
            {
                return nginx;
            }
            string log = nginx.Log;
            nginx.Stop();
            if (attempt >= 3 || !log.Contains("Address already in use", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"nginx did not start:\n{log}\n{File.ReadAllText(conf)}");
            }
        }
    }

    private static string Config(string dir, string body, bool stream)
    {
        var sb = new StringBuilder();
        if (stream)
        {
            sb.Append("load_module ").Append(StreamModule).Append(";\n");
        }
        if (GetEuid() == 0)
        {
            // A root master gives its workers to this user; nginx refuses the directive otherwise.
            sb.Append("user nobody nogroup;\n");
        }
        sb.Append("worker_processes 1;\nevents { worker_connections 64; }\n");
        // Every path nginx would otherwise take from its build (/var/lib/nginx, /var/log/nginx) is the test's own.
        sb.Append(body.Replace("{TEMP}", $"""
                access_log off;
                client_body_temp_path {dir}/client_body_temp;
                proxy_temp_path {dir}/proxy_temp;
                fastcgi_temp_path {dir}/fastcgi_temp;
                uwsgi_temp_path {dir}/uwsgi_temp;
                scgi_temp_path {dir}/scgi_temp;
            """, StringComparison.Ordinal));
        return sb.ToString();
    }

    /// <summary>Polls the port until it accepts (nginx prints nothing when ready); false if nginx exits or the wait runs out.</summary>
    private bool WaitListening()
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < ServerProcess.Patience)
        {
            if (_process.HasExited)
            {
                return false;
            }
            using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                s.Connect(IPAddress.Loopback, Port);
                return true;
            }
            catch (SocketException)
            {
                // Not listening yet: a connection refused costs no time, so wait a little before the next one.
                _process.WaitForExit(20);
            }
        }
        return false;
    }

    private static int FreePort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }

    private void Stop()
    {
        try
        {
            // Only the nginx this test started: its master and the workers it forked.
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }

    public void Dispose() => Stop();

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEuid();
}
