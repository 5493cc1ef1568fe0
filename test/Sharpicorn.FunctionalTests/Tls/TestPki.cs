using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;

namespace Sharpicorn.Tests.Tls;

/// <summary>
/// A throw-away PKI made with the openssl command, as a user would make one: a CA, a server
/// certificate for localhost/127.0.0.1 (and a renewed one for the HUP swap), a client
/// certificate from the CA, and a stranger's certificate from another CA.
/// </summary>
public sealed class TestPki : IDisposable
{
    public TestPki()
    {
        Dir = Directory.CreateTempSubdirectory("sharpicorn-tls").FullName;
        File.WriteAllText(System.IO.Path.Combine(Dir, "server.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
        File.WriteAllText(System.IO.Path.Combine(Dir, "client.ext"), "extendedKeyUsage=clientAuth\n");
        Ca("ca", "/CN=sharpicorn test CA");
        Ca("other-ca", "/CN=someone else's CA");
        Issue("server", "/CN=localhost", "ca", "server.ext");
        Issue("renewed", "/CN=localhost/O=Renewed", "ca", "server.ext");
        Issue("client", "/CN=client one/O=Example", "ca", "client.ext");
        Issue("stranger", "/CN=stranger", "other-ca", "client.ext");
        CaCertificate = X509CertificateLoader.LoadCertificateFromFile(Path("ca.pem"));
    }

    public string Dir { get; }

    public X509Certificate2 CaCertificate { get; }

    public string Path(string name) => System.IO.Path.Combine(Dir, name);

    /// <summary>A certificate with its key, for a client to present.</summary>
    public X509Certificate2 ClientCertificate(string name) => X509Certificate2.CreateFromPemFile(Path(name + ".pem"), Path(name + ".key"));

    /// <summary>Whether <paramref name="certificate"/> chains to this CA (what a client of the test server checks).</summary>
    public bool Trusts(X509Certificate? certificate)
    {
        if (certificate is null)
        {
            return false;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(CaCertificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }

    /// <summary>Runs openssl in the PKI's directory; its output, or a failure with it.</summary>
    public string OpenSsl(params string[] args) => Run(Dir, args).Output;

    /// <summary>Runs openssl with stdin closed; the exit code and everything it printed.</summary>
    public static (int Code, string Output) Run(string dir, params string[] args)
    {
        var psi = new ProcessStartInfo("openssl") { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        Task<string> stdout = p.StandardOutput.ReadToEndAsync(), stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TestUtilities.ServerProcess.Patience))
        {
            p.Kill();
            throw new TimeoutException("openssl " + string.Join(' ', args) + " did not finish");
        }
        return (p.ExitCode, stdout.Result + stderr.Result);
    }

    public void Dispose()
    {
        CaCertificate.Dispose();
        Directory.Delete(Dir, recursive: true);
    }

    private void Ca(string name, string subject) =>
        Check(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".pem", "-days", "2", "-subj", subject]);

    private void Issue(string name, string subject, string ca, string extensions)
    {
        Check(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr", "-subj", subject]);
        Check(["x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key", "-CAcreateserial", "-out", name + ".pem", "-days", "2", "-extfile", extensions]);
    }

    private void Check(string[] args)
    {
        (int code, string output) = Run(Dir, args);
        if (code != 0)
        {
            throw new InvalidOperationException($"openssl {string.Join(' ', args)} failed ({code}): {output}");
        }
    }
}
