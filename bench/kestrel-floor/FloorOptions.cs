using System.Globalization;

namespace KestrelFloor;

internal sealed class FloorOptions
{
    public const string Usage = "usage: kestrel-floor --port N [--mode inline|handoff|python] [--threads N] [--libpython PATH] [--python-home DIR]";

    public int Port { get; private set; }

    public FloorMode Mode { get; private set; } = FloorMode.Inline;

    /// <summary>Dedicated threads for handoff/python: 4, the --threads of sharpicorn's benchmark configuration (-w 1 --threads 4).</summary>
    public int Threads { get; private set; } = 4;

    /// <summary>Debian's python3 3.11, the interpreter every bench/ run uses.</summary>
    public string LibPython { get; private set; } = "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0";

    /// <summary>Debian's prefix (sys.base_prefix of /usr/bin/python3), where the embedded interpreter finds its stdlib.</summary>
    public string PythonHome { get; private set; } = "/usr";

    public string Describe() => Mode switch
    {
        FloorMode.Inline => "inline",
        FloorMode.Handoff => $"handoff to {Threads} threads",
        _ => $"handoff to {Threads} threads + Python call",
    };

    public static FloorOptions? Parse(string[] args, out string? error)
    {
        var o = new FloorOptions();
        error = null;
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            if (i + 1 >= args.Length)
            {
                error = $"{name} needs a value";
                return null;
            }
            string value = args[++i];
            switch (name)
            {
                case "--port" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port is > 0 and < 65536:
                    o.Port = port;
                    break;
                case "--threads" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int threads) && threads > 0:
                    o.Threads = threads;
                    break;
                case "--mode" when value == "inline":
                    o.Mode = FloorMode.Inline;
                    break;
                case "--mode" when value == "handoff":
                    o.Mode = FloorMode.Handoff;
                    break;
                case "--mode" when value == "python":
                    o.Mode = FloorMode.Python;
                    break;
                case "--libpython":
                    o.LibPython = value;
                    break;
                case "--python-home":
                    o.PythonHome = value;
                    break;
                default:
                    error = $"bad argument {name} {value}";
                    return null;
            }
        }
        if (o.Port == 0)
        {
            error = "--port is required";
            return null;
        }
        return o;
    }
}
