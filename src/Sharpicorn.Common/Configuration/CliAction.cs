namespace Sharpicorn.Configuration;

/// <summary>How a flag takes its value, after argparse's actions.</summary>
internal enum CliAction
{
    /// <summary>One value; the last occurrence wins (argparse "store").</summary>
    Store,

    /// <summary>No value; the flag sets a constant (argparse "store_true" / "store_const").</summary>
    Switch,

    /// <summary>One value per occurrence, collected into a list (argparse "append").</summary>
    Append,

    /// <summary>An optional value; the flag alone means a constant (argparse nargs="?").</summary>
    OptionalValue,
}
