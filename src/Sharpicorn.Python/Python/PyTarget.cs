using System.Runtime.InteropServices;
using Sharpicorn.Python.Native;
using Sharpicorn.Python.References;

namespace Sharpicorn.Python;

/// <summary>
/// Pins an <see cref="IPyFunctionTarget"/> for native code: <see cref="NewSelf"/> makes the
/// Python object (a capsule) that a <see cref="PyFunction"/> is bound to, carrying a GCHandle to
/// the target and a 64-bit context. Create one per long-lived target (it holds a GC handle
/// until disposed), and a self per use.
/// </summary>
internal sealed class PyTarget : IDisposable
{
    /// <summary>The capsule name, NUL-terminated in unmanaged memory that outlives every capsule.</summary>
    private static readonly nint CapsuleName = AllocName("sharpicorn.target"u8);

    private GCHandle _handle;

    public PyTarget(IPyFunctionTarget target) => _handle = GCHandle.Alloc(target);

    /// <summary>A new self for this target with <paramref name="context"/> (GIL held).</summary>
    public OwnedRef NewSelf(long context)
    {
        OwnedRef capsule = CPython.PyCapsule_New(GCHandle.ToIntPtr(_handle), CapsuleName).OrThrow();
        if (context != 0 && CPython.PyCapsule_SetContext(capsule.Handle, (nint)context) != 0)
        {
            capsule.Dispose();
            PythonException.ThrowPending();
        }
        return capsule;
    }

    /// <summary>The target and context behind a self made by <see cref="NewSelf"/>; false (error cleared) for any other object.</summary>
    public static bool TryResolve(nint self, out IPyFunctionTarget? target, out long context)
    {
        target = null;
        context = 0;
        if (self == 0)
        {
            return false;
        }
        nint pointer = CPython.PyCapsule_GetPointer(self, CapsuleName);
        if (pointer == 0)
        {
            CPython.PyErr_Clear();
            return false;
        }
        target = GCHandle.FromIntPtr(pointer).Target as IPyFunctionTarget;
        context = CPython.PyCapsule_GetContext(self);
        return target is not null;
    }

    public void Dispose()
    {
        if (_handle.IsAllocated)
        {
            _handle.Free();
        }
    }

    private static unsafe nint AllocName(ReadOnlySpan<byte> name)
    {
        byte* p = (byte*)NativeMemory.Alloc((nuint)name.Length + 1);
        name.CopyTo(new Span<byte>(p, name.Length));
        p[name.Length] = 0;
        return (nint)p;
    }
}
