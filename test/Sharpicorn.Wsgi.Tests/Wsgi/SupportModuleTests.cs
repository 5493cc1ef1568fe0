using Sharpicorn.Python;
using Sharpicorn.Wsgi;

namespace Sharpicorn.Tests.Wsgi;

/// <summary>The support module as shipped: the embedded resource, checked by Python's own compiler.</summary>
[Collection("wsgi")]
public sealed class SupportModuleTests(WsgiFixture fixture)
{
    [Fact]
    public void EmbeddedSource_SameAsTheFileInTheRepository()
    {
        _ = fixture;
        string file = Path.Combine(TestUtilities.Repo.Root, "src", "Sharpicorn.Wsgi", "Wsgi", "_sharpicorn_wsgi.py");
        Assert.Equal(File.ReadAllText(file), WsgiSupport.Source);
    }

    [Fact]
    public void EmbeddedSource_CompilesWithTheInterpreter()
    {
        using GilScope gil = GilScope.Acquire();
        // compile() raises SyntaxError (a PythonException here) for any syntax error.
        PythonRuntime.RunInMain("compile(_support_src, '_sharpicorn_wsgi.py', 'exec', dont_inherit=True)\n", ("_support_src", WsgiSupport.Source));
    }

    [Fact]
    public void EmbeddedSource_CompilesWithEveryInstalledPython()
    {
        string file = Path.Combine(Path.GetTempPath(), "sharpicorn-support-" + Guid.NewGuid().ToString("N") + ".py");
        File.WriteAllText(file, WsgiSupport.Source);
        try
        {
            var pythons = new List<string> { TestUtilities.Repo.DebianPython };
            if (TestUtilities.Repo.PyenvPython is { } pyenv)
            {
                pythons.Add(pyenv);
            }
            foreach (string python in pythons)
            {
                var psi = new System.Diagnostics.ProcessStartInfo(python, ["-m", "py_compile", file]) { RedirectStandardError = true };
                using var p = System.Diagnostics.Process.Start(psi)!;
                string err = p.StandardError.ReadToEnd();
                p.WaitForExit();
                Assert.True(p.ExitCode == 0, $"{python} -m py_compile: {err}");
            }
        }
        finally
        {
            File.Delete(file);
        }
    }
}
