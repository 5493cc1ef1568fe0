using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Sharpicorn.Platform;

/// <summary>
/// gunicorn's process titles ("gunicorn: master [app]"), the setproctitle way: the kernel shows
/// /proc/PID/cmdline from the memory that held argv, so the title is written over it, within
/// its original length. The short name (comm, 15 bytes) is set with prctl(PR_SET_NAME) too.
/// </summary>
internal static unsafe partial class ProcessTitle
{
    private const int PR_SET_NAME = 15;

    public static void Set(string title)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(title);
        try
        {
            // /proc/self/stat fields 48 and 49 are arg_start and arg_end (proc(5)); the command
            // name in field 2 may contain spaces, so count from its closing parenthesis.
            string stat = File.ReadAllText("/proc/self/stat");
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            ulong start = ulong.Parse(fields[48 - 3], CultureInfo.InvariantCulture);
            ulong end = ulong.Parse(fields[49 - 3], CultureInfo.InvariantCulture);
            if (start != 0 && end > start)
            {
                var area = new Span<byte>((void*)start, (int)(end - start));
                int n = Math.Min(utf8.Length, area.Length - 1);
                utf8.AsSpan(0, n).CopyTo(area);
                area[n..].Clear();
            }
        }
        catch (Exception e) when (e is IOException or FormatException or IndexOutOfRangeException or UnauthorizedAccessException)
        {
            // A title is cosmetic; without /proc the process keeps its command line.
        }
        byte[] comm = new byte[16];
        Array.Copy(utf8, comm, Math.Min(15, utf8.Length));
        fixed (byte* p = comm)
        {
            _ = Prctl(PR_SET_NAME, (nint)p, 0, 0, 0);
        }
    }

    [LibraryImport("libc", EntryPoint = "prctl")]
    private static partial int Prctl(int option, nint arg2, nint arg3, nint arg4, nint arg5);
}
