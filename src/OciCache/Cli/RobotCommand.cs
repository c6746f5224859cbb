using System.CommandLine;
using OciCache.Access;
using OciCache.Auth;

namespace OciCache.Cli;

/// <summary>
/// <c>ocicache robot add NAME --scope S… [--expires 90d]</c>, <c>robot list</c>, <c>robot remove NAME</c>:
/// robot accounts in the data folder's database, safe to run beside a running server (it sees a change at
/// the next sign-in). Each add and remove is also an audit event. Exit 0 done; 1 no such account (remove)
/// or one of that name exists (add); 2 bad arguments or settings.
/// </summary>
internal static class RobotCommand
{
    private const string Name = "robot";

    public static Command Create()
    {
        var command = new Command(Name, "Manage robot accounts (machine identities for CI and nodes).")
        {
            CreateAdd(),
            CreateList(),
            CreateRemove(),
        };
        return command;
    }

    private static Command CreateAdd()
    {
        var name = new Argument<string>("name") { Description = $"Account name ({RobotName.Rule}); clients sign in as robot$NAME." };
        var scopes = new Option<string[]>("--scope")
        {
            Description = "What it may do (repeatable): repository:<pattern>:<actions>, e.g. 'repository:site/*:pull,push'. " +
                          "* is one path segment, ** any depth; actions pull, push, delete or *.",
            Arity = ArgumentArity.OneOrMore,
            Required = true,
        };
        var expires = new Option<string?>("--expires") { Description = "When it stops working: 90d, 12h, 2026-12-31 (00:00 UTC) or 2026-12-31T18:00:00Z. Default: never." };
        var (config, data) = Folders();
        var command = new Command("add", "Create a robot account and print its secret (once; only a hash is kept).") { name, scopes, expires, config, data };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var robot = Unprefixed(parse.GetValue(name)!);
            var parsed = new List<RobotScope>();
            var errors = new List<string>();
            if (!RobotName.IsValid(robot))
            {
                errors.Add($"'{robot}' is not a robot account name: {RobotName.Rule}.");
            }

            foreach (var text in parse.GetValue(scopes) ?? [])
            {
                if (RobotScope.TryParse(text, out var scope, out var error))
                {
                    parsed.Add(scope);
                }
                else
                {
                    errors.Add($"--scope: {error}.");
                }
            }

            DateTimeOffset? expiresAt = null;
            if (parse.GetValue(expires) is { } until)
            {
                if (RobotExpiry.TryParse(until, TimeProvider.System.GetUtcNow(), out var at, out var error))
                {
                    expiresAt = at;
                }
                else
                {
                    errors.Add(error!);
                }
            }

            if (errors.Count > 0)
            {
                errors.ForEach(e => Console.Error.WriteLine($"ocicache: {e}"));
                return 2;
            }

            await using var stores = RobotStores.Open(parse.GetValue(config), parse.GetValue(data), createData: true);
            if (stores is null)
            {
                return 2;
            }

            return await stores.AddAsync(robot, parsed, expiresAt, cancellationToken);
        });
        return command;
    }

    private static Command CreateList()
    {
        var (config, data) = Folders();
        var command = new Command("list", "List robot accounts: name, scopes, created, expires, expired (never a secret).") { config, data };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var stores = RobotStores.Open(parse.GetValue(config), parse.GetValue(data), createData: false);
            return stores is null ? 2 : await stores.ListAsync(cancellationToken);
        });
        return command;
    }

    private static Command CreateRemove()
    {
        var name = new Argument<string>("name") { Description = "Account name (with or without robot$)." };
        var (config, data) = Folders();
        var command = new Command("remove", "Remove a robot account; its secret stops working at once.") { name, config, data };
        command.SetAction(async (parse, cancellationToken) =>
        {
            await using var stores = RobotStores.Open(parse.GetValue(config), parse.GetValue(data), createData: false);
            return stores is null ? 2 : await stores.RemoveAsync(Unprefixed(parse.GetValue(name)!), cancellationToken);
        });
        return command;
    }

    private static (Option<string?> Config, Option<string?> Data) Folders() =>
    (
        new Option<string?>("--config") { Description = "JSON configuration file (for its Data folder and Auth:AuditLog)." },
        new Option<string?>("--data") { Description = "Data folder (default: from --config, else ./data)." }
    );

    /// <summary>The name as given, or without the <c>robot$</c> a client signs in with.</summary>
    private static string Unprefixed(string name) =>
        name.StartsWith(RobotAccount.UserNamePrefix, StringComparison.Ordinal) ? name[RobotAccount.UserNamePrefix.Length..] : name;
}
