using Microsoft.Extensions.DependencyInjection;
using OciCache.Access;
using OciCache.Auth;
using OciCache.Hosting;

namespace OciCache.Cli;

/// <summary>
/// What the <c>robot</c> commands work on: the data folder's robot accounts and the audit log (<c>Auth:AuditLog</c>),
/// taken from the services <see cref="OciCacheServices"/> builds for <c>serve</c>, and what they print.
/// </summary>
/// <param name="address">Where clients reach this server (<c>HOST:PORT</c>), for the sign-in hint.</param>
internal sealed class RobotStores(ServiceProvider services, string address) : IAsyncDisposable
{
    private readonly IRobotAccounts _robots = services.GetRequiredService<IRobotAccounts>();
    private readonly IAuditLog _audit = services.GetRequiredService<IAuditLog>();

    /// <summary>Null (after printing why) when the settings are bad or the data folder is missing and may not be created.</summary>
    public static RobotStores? Open(string? configFile, string? dataFolder, bool createData)
    {
        var overrides = new Dictionary<string, string?>();
        if (dataFolder is not null)
        {
            overrides["Data"] = dataFolder;
        }

        var settings = CommandLine.LoadSettings(configFile, overrides);
        if (settings is null)
        {
            return null;
        }

        if (!createData && !Directory.Exists(settings.Data))
        {
            Console.Error.WriteLine($"ocicache: the data folder '{settings.Data}' does not exist.");
            return null;
        }

        var provider = OciCacheServices.Build(settings); // the one composition root, as serve's
        try
        {
            return new RobotStores(provider, SignInAddress(settings)); // opens (and migrates) the database
        }
        catch (Exception e) when (e is InvalidOperationException or System.Data.Common.DbException or Oci.FailureException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"ocicache: {e.Message}");
            provider.Dispose();
            return null;
        }
    }

    /// <summary>
    /// <c>Auth:ExternalUrl</c>'s host and port when set; else this machine's name with the port of <c>Listen</c>
    /// (a guess: clients may know the server by another name, which <c>Auth:ExternalUrl</c> states).
    /// </summary>
    private static string SignInAddress(OciCacheSettings settings) =>
        settings.Auth?.ExternalUrl is { Length: > 0 } external && Uri.TryCreate(external, UriKind.Absolute, out var url)
            ? url.Authority
            : $"{Environment.MachineName.ToLowerInvariant()}:{(ListenAddress.TryParse(settings.Listen, out var listen) ? listen.Port : 5000)}";

    public async Task<int> AddAsync(string name, IReadOnlyList<RobotScope> scopes, DateTimeOffset? expiresAt, CancellationToken cancellationToken)
    {
        var detail = $"scopes {string.Join(' ', scopes)}; expires {(expiresAt is { } e ? RobotExpiry.Format(e) : "never")}";
        try
        {
            var (account, secret) = await _robots.AddAsync(name, scopes, expiresAt, cancellationToken);
            Audit("robot.add", "ok", name, detail);

            // The secret alone on stdout, for scripts (SECRET=$(ocicache robot add …)); the rest is for people.
            Console.Error.WriteLine($"Created {account.UserName} ({detail}). Its secret, shown only now:");
            Console.WriteLine(secret);
            Console.Error.WriteLine($"Sign in with user '{account.UserName}' and that secret as the password, e.g.:");
            Console.Error.WriteLine($"  skopeo login -u '{account.UserName}' --password-stdin {address}");
            Console.Error.WriteLine($"  podman login -u '{account.UserName}' {address}");
            return 0;
        }
        catch (RobotAccountExistsException)
        {
            Audit("robot.add", "failed", name, "exists");
            Console.Error.WriteLine($"ocicache: the robot account '{name}' exists; remove it first to replace its secret.");
            return 1;
        }
    }

    public async Task<int> ListAsync(CancellationToken cancellationToken)
    {
        var now = TimeProvider.System.GetUtcNow();
        var rows = (await _robots.ListAsync(cancellationToken)).Select(a => new[]
        {
            a.Name,
            string.Join(' ', a.Scopes),
            RobotExpiry.Format(a.CreatedAt),
            a.ExpiresAt is { } e ? RobotExpiry.Format(e) : "never",
            a.ExpiresAt <= now ? "yes" : "no",
        }).Prepend(["NAME", "SCOPES", "CREATED", "EXPIRES", "EXPIRED"]).ToList();
        var widths = Enumerable.Range(0, 5).Select(c => rows.Max(r => r[c].Length)).ToArray();
        foreach (var row in rows)
        {
            Console.WriteLine(string.Join("  ", row.Select((cell, c) => c == 4 ? cell : cell.PadRight(widths[c]))));
        }

        return 0;
    }

    public async Task<int> RemoveAsync(string name, CancellationToken cancellationToken)
    {
        if (await _robots.RemoveAsync(name, cancellationToken))
        {
            Audit("robot.remove", "ok", name, null);
            Console.Error.WriteLine($"Removed {RobotAccount.UserNamePrefix}{name}.");
            return 0;
        }

        Audit("robot.remove", "failed", name, "no such account");
        Console.Error.WriteLine($"ocicache: there is no robot account '{name}'.");
        return 1;
    }

    /// <summary>Waits until the audit events are written, then closes the database.</summary>
    public ValueTask DisposeAsync() => services.DisposeAsync();

    /// <summary>Who ran the command: the OS user, or <c>cli</c> when there is none to name.</summary>
    private void Audit(string action, string result, string robot, string? detail) =>
        _audit.Write(new AuditEvent(action, result)
        {
            Who = string.IsNullOrWhiteSpace(Environment.UserName) ? "cli" : Environment.UserName,
            Source = "cli",
            Detail = detail is null ? $"{RobotAccount.UserNamePrefix}{robot}" : $"{RobotAccount.UserNamePrefix}{robot}: {detail}",
        });
}
