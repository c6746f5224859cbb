using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace OciCache.Testing;

/// <summary>
/// A real OpenID provider for sign-in tests: <c>tests/oidc/provider.js</c> (npm <c>oidc-provider</c>, installed
/// by ./test.sh into tests/oidc/node_modules) under Node on 127.0.0.1 and a free port, with one confidential
/// client and one user. Started when its discovery document answers; a browser test signs in on its login page
/// with <see cref="UserName"/> and <see cref="Password"/> (fields <c>login</c> and <c>password</c>, then a
/// consent page with one button).
/// </summary>
public sealed class OidcProvider : IAsyncDisposable
{
    public const string ClientId = "ocicache";
    public const string ClientSecret = "ocicache-test-secret";

    private readonly Process _process;
    private readonly StringWriterLog _output = new();

    private OidcProvider(Process process, Uri issuer, string user, string password, IReadOnlyList<string> groups)
    {
        _process = process;
        Issuer = issuer;
        UserName = user;
        Password = password;
        Groups = groups;
    }

    /// <summary>The issuer URL (<c>http://127.0.0.1:PORT</c>, no trailing slash): <c>Auth:Oidc:Issuer</c>.</summary>
    public Uri Issuer { get; }

    public string IssuerText => Issuer.GetLeftPart(UriPartial.Authority);

    public string UserName { get; }

    public string Password { get; }

    public IReadOnlyList<string> Groups { get; }

    /// <summary>What the provider printed (for a failing test's message).</summary>
    public string Output => _output.ToString();

    /// <summary>
    /// A free port on 127.0.0.1 for <see cref="StartAsync"/>: the issuer URL is then known before the server under
    /// test starts (its settings name the issuer), and the provider starts after it (its client names the
    /// server's redirect URI).
    /// </summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The issuer URL the provider will have on <paramref name="port"/>.</summary>
    public static string IssuerOn(int port) => $"http://127.0.0.1:{port}";

    /// <param name="port">From <see cref="FreePort"/>.</param>
    /// <param name="redirectUris">The client's registered redirect URIs: <c>&lt;OciCache base&gt;/ui/signin/callback</c>.</param>
    public static async Task<OidcProvider> StartAsync(
        int port, IEnumerable<string> redirectUris, string user = "alice", string password = "alice-oidc-Pw-8830", params string[] groups)
    {
        var script = Path.Combine(RepositoryRoot(), "tests", "oidc", "provider.js");
        if (!Directory.Exists(Path.Combine(Path.GetDirectoryName(script)!, "node_modules", "oidc-provider")))
        {
            throw new Xunit.Sdk.XunitException("tests/oidc/node_modules is missing: ./test.sh installs it (cd tests/oidc && npm ci).");
        }

        var start = new ProcessStartInfo(Tools.Require("node"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(script)!,
        };
        foreach (var argument in (string[])[script, "--port", port.ToString(), "--user", user, "--password", password,
                     "--groups", string.Join(',', groups.Length == 0 ? ["admins"] : groups), "--client-id", ClientId, "--client-secret", ClientSecret])
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var uri in redirectUris)
        {
            start.ArgumentList.Add("--redirect-uri");
            start.ArgumentList.Add(uri);
        }

        var process = Process.Start(start)!;
        var provider = new OidcProvider(process, new Uri($"http://127.0.0.1:{port}"), user, password, groups.Length == 0 ? ["admins"] : groups);
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            provider._output.Add(e.Data);
            if (e.Data?.StartsWith("listening ", StringComparison.Ordinal) == true)
            {
                listening.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) => provider._output.Add(e.Data);
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => listening.TrySetException(new Xunit.Sdk.XunitException($"the OIDC provider exited:\n{provider.Output}"));
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await listening.Task.WaitAsync(Eventually.DefaultTimeout);

        using var http = new HttpClient();
        using var discovery = await http.GetAsync(new Uri(provider.Issuer, "/.well-known/openid-configuration"));
        if (discovery.StatusCode != HttpStatusCode.OK)
        {
            throw new Xunit.Sdk.XunitException($"the OIDC provider's discovery document answered {(int)discovery.StatusCode}:\n{provider.Output}");
        }

        return provider;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    /// <summary>The checkout's root (where OciCache.sln is), found upwards from the test binaries.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OciCache.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no OciCache.sln above {AppContext.BaseDirectory}");
    }

    private sealed class StringWriterLog
    {
        private readonly List<string> _lines = [];

        public void Add(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_lines)
            {
                _lines.Add(line);
            }
        }

        public override string ToString()
        {
            lock (_lines)
            {
                return string.Join('\n', _lines);
            }
        }
    }
}
