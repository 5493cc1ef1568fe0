using Microsoft.Extensions.Logging;
using Sharpicorn.Logging;
using LogLevel = Sharpicorn.Logging.LogLevel;
using MsLogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Sharpicorn.Http;

/// <summary>
/// Routes Kestrel's own log events into the gunicorn-format error log. Kestrel's per-connection
/// chatter (bad requests, resets) is Debug there and stays Debug here, as gunicorn logs
/// "Invalid request from ip" at debug level.
/// </summary>
internal sealed class KestrelLoggerFactory(ErrorLog log) : ILoggerFactory
{
    public void AddProvider(ILoggerProvider provider)
    {
    }

    public ILogger CreateLogger(string categoryName) => new Logger(log);

    public void Dispose()
    {
    }

    private sealed class Logger(ErrorLog log) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(MsLogLevel logLevel) => logLevel != MsLogLevel.None && log.IsEnabled(Map(logLevel));

        public void Log<TState>(MsLogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            LogLevel level = Map(logLevel);
            if (!log.IsEnabled(level) || exception is Wsgi.ResponseAbortedException)
            {
                return;
            }
            string message = formatter(state, exception);
            log.Write(level, exception is null ? message : message + "\n" + exception);
        }

        private static LogLevel Map(MsLogLevel level) => level switch
        {
            MsLogLevel.Trace or MsLogLevel.Debug or MsLogLevel.Information => LogLevel.Debug,
            MsLogLevel.Warning => LogLevel.Warning,
            MsLogLevel.Error => LogLevel.Error,
            _ => LogLevel.Critical,
        };
    }
}
