using System.Runtime.InteropServices;

namespace Sharpicorn.Python.Native;

/// <summary>The few libc calls the binding needs: dlopen with RTLD_GLOBAL, and the C environ.</summary>
internal static partial class LibC
{
    public const int RTLD_NOW = 0x2;
    public const int RTLD_GLOBAL = 0x100;

    [LibraryImport("libc", EntryPoint = "dlopen", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint DlOpen(string path, int flags);

    [LibraryImport("libc", EntryPoint = "dlerror")]
    public static partial nint DlError();

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int SetEnv(string name, string value, int overwrite);

    [LibraryImport("libc", EntryPoint = "unsetenv", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int UnsetEnv(string name);
}
