// Design notes
// ------------
// The C API is reached through unmanaged function pointers resolved once from a libpython
// handle opened with dlopen(RTLD_NOW | RTLD_GLOBAL). RTLD_GLOBAL is required: Debian's
// extension modules are not linked against libpython and need its symbols to be global
// (EMBEDDING-NOTES). Function pointers, not DllImport, because the library path is only
// known at run time, and this keeps the binding free of reflection and Native-AOT clean.
//
// Macros (Py_TYPE, Py_INCREF, PyBytes_Check) are not exported. Py_TYPE reads ob_type at
// offset 8, which is stable for the default (GIL) build of CPython 3.9 to 3.13; refcounts
// go through the exported Py_IncRef/Py_DecRef so immortal objects (3.12+) stay correct.
//
// Every function here may only be called with the GIL held, except the GIL functions.
//
// The raw function pointers are private: callers see safe static methods typed by ownership
// (OwnedRef for a new reference, BorrowedRef for a borrowed one, StolenRef for an argument
// the callee steals) and spans instead of pointers, so no project above this one needs
// `unsafe`. The pointers are set once by Load and never change: this class is the binding's
// one process-wide singleton, because a process can load libpython and initialise CPython
// only once (the interpreter is never finalized).
using System.Runtime.InteropServices;

namespace Sharpicorn.Python.Native;

internal static unsafe partial class CPython
{
    public const int Py_file_input = 257;
    public const int Py_eval_input = 258;
    public const ulong Py_TPFLAGS_LONG_SUBCLASS = 1UL << 24;
    public const ulong Py_TPFLAGS_LIST_SUBCLASS = 1UL << 25;
    public const ulong Py_TPFLAGS_TUPLE_SUBCLASS = 1UL << 26;
    public const ulong Py_TPFLAGS_BYTES_SUBCLASS = 1UL << 27;
    public const ulong Py_TPFLAGS_UNICODE_SUBCLASS = 1UL << 28;
    public const ulong Py_TPFLAGS_DICT_SUBCLASS = 1UL << 29;

    private static nint s_handle;

    public static bool IsLoaded => s_handle != 0;

    public static void Load(string libraryPath)
    {
        nint handle = LibC.DlOpen(libraryPath, LibC.RTLD_NOW | LibC.RTLD_GLOBAL);
        if (handle == 0)
        {
            string? err = Marshal.PtrToStringUTF8(LibC.DlError());
            throw new DllNotFoundException($"cannot load {libraryPath}: {err}");
        }
        s_handle = handle;
        BindLifecycle();
        BindObjects();
        BindErrors();
        BindExceptionTypes();
    }

    internal static nint Export(string name) => NativeLibrary.GetExport(s_handle, name);

    internal static nint OptionalExport(string name) =>
        NativeLibrary.TryGetExport(s_handle, name, out nint address) ? address : 0;

    /// <summary>Reads the address held by a data symbol such as <c>PyExc_TypeError</c>.</summary>
    internal static nint ExportedPointer(string name) => *(nint*)Export(name);

    public static nint Py_TYPE(nint op) => *(nint*)(op + 8);
}
