using System.Globalization;
using System.Runtime.InteropServices;
using Sharpicorn.Platform;

namespace Sharpicorn.Configuration;

/// <summary>user and group as gunicorn prints them: the numeric id, the effective one when unset (gunicorn's os.geteuid()/os.getegid()).</summary>
internal static partial class Identity
{
    public static string User(string? user) => user is null ? Id(GetEuid()) : Posix.ResolveUser(user) is uint uid ? Id(uid) : user;

    public static string Group(string? group) => group is null ? Id(GetEgid()) : Posix.ResolveGroup(group) is uint gid ? Id(gid) : group;

    private static string Id(uint id) => id.ToString(CultureInfo.InvariantCulture);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEuid();

    [LibraryImport("libc", EntryPoint = "getegid")]
    private static partial uint GetEgid();
}
