using System.Runtime.InteropServices;
using System.Text;

namespace Sharpicorn.Wsgi;

/// <summary>
/// A PyMethodDef in unmanaged memory that lives as long as the process, pointing at an
/// [UnmanagedCallersOnly] function. Layout: name, function, flags (int, padded), doc.
/// </summary>
internal static unsafe class NativeMethod
{
    public const int METH_VARARGS = 0x1;
    public const int METH_KEYWORDS = 0x2;
    public const int METH_NOARGS = 0x4;
    public const int METH_O = 0x8;
    public const int METH_FASTCALL = 0x80;

    public static nint Define(string name, nint function, int flags)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(name + "\0");
        byte* namePtr = (byte*)NativeMemory.Alloc((nuint)utf8.Length);
        utf8.CopyTo(new Span<byte>(namePtr, utf8.Length));
        nint* def = (nint*)NativeMemory.AllocZeroed(32);
        def[0] = (nint)namePtr;
        def[1] = function;
        *(int*)&def[2] = flags;
        def[3] = 0;
        return (nint)def;
    }
}
