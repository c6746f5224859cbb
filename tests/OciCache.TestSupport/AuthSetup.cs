using Xunit;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using OciCache.Auth;
using OciCache.Hosting;

namespace OciCache.Testing;

/// <summary>
/// Access control for a test server: an htpasswd file of the given users (bcrypt, cost 5), the settings that
/// use it, and clients that sign in with Basic credentials or a token from <c>/token</c>.
/// </summary>
public sealed class AuthSetup : IDisposable
{
    private readonly TempDirectory _temp = new("auth");

    public AuthSetup(params (string User, string Password)[] users)
    {
        HtpasswdPath = _temp.Combine("htpasswd");
        WriteUsers(users);
    }

    public string HtpasswdPath { get; }

    public void WriteUsers(params (string User, string Password)[] users) =>
        File.WriteAllLines(HtpasswdPath, users.Select(u => $"{u.User}:{BCrypt.Net.BCrypt.HashPassword(u.Password, 5)}"));

    /// <summary>The <c>Auth</c> section with this file; <paramref name="configure"/> adds policies and the rest.</summary>
    public Action<OciCacheSettings> Configure(Action<AuthSettings>? configure = null) => settings =>
    {
        settings.Auth = new AuthSettings { Htpasswd = HtpasswdPath };
        configure?.Invoke(settings.Auth);
    };

    public static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    /// <summary>A client of <paramref name="server"/> that sends Basic credentials with every request.</summary>
    public static HttpClient BasicClient(RegistryServer server, string user, string password)
    {
        var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = server.BaseUri };
        client.DefaultRequestHeaders.Authorization = Basic(user, password);
        return client;
    }

    /// <summary>A token from <c>GET /token</c> for <paramref name="scopes"/> (anonymous without a user).</summary>
    public static async Task<string> TokenAsync(RegistryServer server, string? user, string? password, params string[] scopes)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/token?service=ocicache" + string.Concat(scopes.Select(s => "&scope=" + Uri.EscapeDataString(s))));
        if (user is not null)
        {
            request.Headers.Authorization = Basic(user, password!);
        }

        using var response = await server.Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"token for {string.Join(' ', scopes)}: {(int)response.StatusCode} {body}");
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("token").GetString()!;
    }

    /// <summary>A client of <paramref name="server"/> that sends <paramref name="token"/> as Bearer with every request.</summary>
    public static HttpClient BearerClient(RegistryServer server, string token)
    {
        var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = server.BaseUri };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public void Dispose() => _temp.Dispose();
}

/// <summary>The audit events a server wrote, in memory, for assertions.</summary>
public sealed class CapturingAuditLog : IAuditLog
{
    private readonly List<AuditEvent> _events = [];

    public IReadOnlyList<AuditEvent> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    public void Write(AuditEvent entry)
    {
        lock (_events)
        {
            _events.Add(entry);
        }
    }
}
