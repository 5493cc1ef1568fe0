namespace Sharpicorn.Tests.TestUtilities;

/// <summary>
/// A fact about the Native AOT build, the launcher's default: skipped, with the reason, when
/// SHARPICORN_BUILD=jit asks the launcher for the ReadyToRun build instead. Without that
/// variable the test runs, and fails if the launcher had to fall back (its one-line notice and
/// artifacts/bin/.aot.log say why).
/// </summary>
public sealed class AotFactAttribute : FactAttribute
{
    public AotFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("SHARPICORN_BUILD") is { } build && build != "aot")
        {
            Skip = $"SHARPICORN_BUILD={build}: the launcher builds ReadyToRun, not Native AOT";
        }
    }
}
