using Sharpicorn.Python;

namespace Sharpicorn.Tests.Python;

/// <summary>One interpreter per test process (CPython cannot be re-initialised): Debian's python3.</summary>
public sealed class PythonFixture
{
    public PythonFixture()
    {
        if (!CPythonLoaded)
        {
            PythonRuntime.Initialize(InterpreterInfo.Probe(TestUtilities.Repo.DebianPython), [], ["tests"]);
            CPythonLoaded = true;
        }
    }

    private static bool CPythonLoaded { get; set; }
}

[CollectionDefinition("python")]
public sealed class PythonCollection : ICollectionFixture<PythonFixture>;
