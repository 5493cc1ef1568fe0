namespace Sharpicorn;

/// <summary>gunicorn's exit codes: the contract with supervisors and scripts.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>A bad setting or an address that cannot be bound (gunicorn exits 1).</summary>
    public const int ConfigError = 1;

    /// <summary>argparse's usage error.</summary>
    public const int Usage = 2;

    /// <summary>gunicorn's WORKER_BOOT_ERROR: the worker could not start (here: no usable Python).</summary>
    public const int WorkerBootError = 3;

    /// <summary>gunicorn's APP_LOAD_ERROR: the app could not be imported or is not callable.</summary>
    public const int AppLoadError = 4;
}
