using System.Runtime.InteropServices;

namespace Sharpicorn.Tests.TestUtilities;

/// <summary>
/// A fact that needs root (switching users, say): skipped, with the reason, when the tests run
/// as anyone else, instead of failing on a developer's machine. CI runs as root, so it runs there.
/// </summary>
public sealed partial class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (GetEuid() != 0)
        {
            Skip = "needs root (the effective uid is not 0)";
        }
    }

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEuid();
}
