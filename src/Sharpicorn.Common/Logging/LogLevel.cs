namespace Sharpicorn.Logging;

/// <summary>gunicorn's --log-level names, in order.</summary>
internal enum LogLevel
{
    Debug = 10,
    Info = 20,
    Warning = 30,
    Error = 40,
    Critical = 50,
}
