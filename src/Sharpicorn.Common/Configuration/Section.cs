namespace Sharpicorn.Configuration;

/// <summary>gunicorn's section names (the "section" of each setting in gunicorn/config.py), in gunicorn's docs order, plus sharpicorn's own.</summary>
internal static class Section
{
    public const string ConfigFile = "Config File";
    public const string Debugging = "Debugging";
    public const string Logging = "Logging";
    public const string ProcessNaming = "Process Naming";
    public const string Ssl = "SSL";
    public const string Security = "Security";
    public const string ServerHooks = "Server Hooks";
    public const string ServerMechanics = "Server Mechanics";
    public const string ServerSocket = "Server Socket";
    public const string WorkerProcesses = "Worker Processes";
    public const string Http2 = "HTTP/2";
    public const string DirtyArbiters = "Dirty Arbiters";
    public const string DirtyArbiterHooks = "Dirty Arbiter Hooks";
    public const string Control = "Control";
    public const string Sharpicorn = "Sharpicorn";
}
