using OciCache.Oci;

namespace OciCache.Auth;

/// <summary>
/// What an identity (or nobody) may do to a repository, from <see cref="AuthSettings"/>:
/// <list type="number">
/// <item>anyone: the <c>Anonymous</c> entries whose pattern matches (by default pull of everything);</item>
/// <item>a user: besides, everything on every repository when in the admin group, else the actions of the
/// first <c>Policies</c> rule that matches the repository and names the user or one of the user's groups
/// (those of <c>Auth:Groups</c> and those the OIDC issuer vouched for); with an API key, at most what the
/// key's scopes grant;</item>
/// <item>a robot: besides, the actions of its scopes whose pattern matches, and nothing of <c>Policies</c>;</item>
/// <item>a mirror repository: pull at most, for everyone (it is a cache of its upstream).</item>
/// </list>
/// Anonymous grants are added to every identity: what anyone may do, a signed-in caller may do too.
/// </summary>
public sealed class AccessPolicy
{
    private readonly IReadOnlyList<(RepositoryPattern Glob, AccessActions Actions)> _anonymous;
    private readonly IReadOnlyList<CompiledRule> _rules;
    private readonly IReadOnlyDictionary<string, HashSet<string>> _groupsOfUser;
    private readonly string? _adminGroup;

    private AccessPolicy(
        IReadOnlyList<(RepositoryPattern, AccessActions)> anonymous, IReadOnlyList<CompiledRule> rules,
        IReadOnlyDictionary<string, HashSet<string>> groupsOfUser, string? adminGroup)
    {
        _anonymous = anonymous;
        _rules = rules;
        _groupsOfUser = groupsOfUser;
        _adminGroup = adminGroup;
    }

    /// <summary>True when some repository may be pulled (or more) without signing in.</summary>
    public bool AnonymousGrantsAnything => _anonymous.Any(a => a.Actions != AccessActions.None);

    /// <summary>Every problem of the settings, each naming its key; empty when they compile.</summary>
    public static List<string> Validate(AuthSettings settings)
    {
        var errors = new List<string>();
        Compile(settings, errors);
        return errors;
    }

    /// <exception cref="FormatException">The settings do not compile (see <see cref="Validate"/>).</exception>
    public static AccessPolicy Create(AuthSettings settings)
    {
        var errors = new List<string>();
        var policy = Compile(settings, errors);
        return errors.Count == 0 ? policy : throw new FormatException(string.Join(Environment.NewLine, errors));
    }

    public AccessActions Allowed(Identity? identity, string repository, bool isMirror)
    {
        var granted = AccessActions.None;
        foreach (var (glob, actions) in _anonymous)
        {
            if (glob.IsMatch(repository))
            {
                granted |= actions;
            }
        }

        if (identity is { Kind: IdentityKind.Robot })
        {
            granted |= ScopeGrants(identity.Scopes, repository);
        }
        else if (identity is { Kind: IdentityKind.User })
        {
            var user = GroupsOf(identity).Contains(_adminGroup ?? "") ? AccessActions.All : FirstRule(identity, repository);
            granted |= identity.Limit is { } limit ? user & ScopeGrants(limit, repository) : user;
        }

        return isMirror ? granted & AccessActions.Pull : granted;
    }

    /// <summary>A user of the admin group (robots never are, nor a user signed in with an API key).</summary>
    public bool IsAdmin(Identity? identity) =>
        identity is { Kind: IdentityKind.User, Limit: null } && _adminGroup is not null && GroupsOf(identity).Contains(_adminGroup);

    /// <summary>The groups of a user: those <c>Auth:Groups</c> lists the name in, and those proven at sign-in.</summary>
    public IReadOnlySet<string> GroupsOf(Identity identity)
    {
        var listed = _groupsOfUser.TryGetValue(identity.Name, out var groups) ? groups : null;
        if (identity.Groups.Count == 0)
        {
            return listed ?? (IReadOnlySet<string>)new HashSet<string>();
        }

        var all = new HashSet<string>(identity.Groups, StringComparer.Ordinal);
        all.UnionWith(listed ?? []);
        return all;
    }

    /// <summary>What scopes (a robot's, an API key's) grant on <paramref name="repository"/>.</summary>
    public static AccessActions ScopeGrants(IEnumerable<RobotScope> scopes, string repository)
    {
        var granted = AccessActions.None;
        foreach (var scope in scopes)
        {
            if (scope.Matches(repository) && AccessActionNames.TryParse(scope.Actions, out var actions, out _))
            {
                granted |= actions;
            }
        }

        return granted;
    }

    private AccessActions FirstRule(Identity identity, string repository)
    {
        var user = identity.Name;
        var groups = GroupsOf(identity);
        foreach (var rule in _rules)
        {
            if (rule.Globs.Any(g => g.IsMatch(repository)) && (rule.Users.Contains(user) || rule.Groups.Overlaps(groups)))
            {
                return rule.Actions;
            }
        }

        return AccessActions.None;
    }

    private static AccessPolicy Compile(AuthSettings settings, List<string> errors)
    {
        var anonymous = new List<(RepositoryPattern, AccessActions)>();
        foreach (var (pattern, actions) in settings.Anonymous ?? new() { ["**"] = ["pull"] })
        {
            var glob = Glob(pattern, $"Auth:Anonymous:{pattern}", errors);
            var parsed = Actions(actions, $"Auth:Anonymous:{pattern}", errors);
            if (glob is not null)
            {
                anonymous.Add((glob, parsed));
            }
        }

        var rules = new List<CompiledRule>();
        for (var i = 0; i < settings.Policies.Count; i++)
        {
            var rule = settings.Policies[i];
            var key = $"Auth:Policies:{i}";
            if (rule.Repositories.Count == 0)
            {
                errors.Add($"{key}:Repositories: a rule needs at least one repository pattern.");
            }

            if (rule.Users.Count == 0 && rule.Groups.Count == 0)
            {
                errors.Add($"{key}: a rule needs Users or Groups (robots have their scopes instead).");
            }

            // With an OIDC issuer, groups may come from its groups claim alone.
            foreach (var group in rule.Groups.Where(g => settings.Oidc is null && !settings.Groups.ContainsKey(g)))
            {
                errors.Add($"{key}:Groups: '{group}' is not a group of Auth:Groups.");
            }

            var globs = rule.Repositories.Select(r => Glob(r, $"{key}:Repositories", errors)).OfType<RepositoryPattern>().ToList();
            rules.Add(new CompiledRule(globs, [.. rule.Users], [.. rule.Groups], Actions(rule.Actions, $"{key}:Actions", errors)));
        }

        var groupsOfUser = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var (group, users) in settings.Groups)
        {
            foreach (var user in users)
            {
                if (!groupsOfUser.TryGetValue(user, out var set))
                {
                    groupsOfUser[user] = set = new HashSet<string>(StringComparer.Ordinal);
                }

                set.Add(group);
            }
        }

        if (settings.AdminGroup is { } admin && settings.Oidc is null && !settings.Groups.ContainsKey(admin))
        {
            errors.Add($"Auth:AdminGroup: '{admin}' is not a group of Auth:Groups.");
        }

        return new AccessPolicy(anonymous, rules, groupsOfUser, settings.AdminGroup);
    }

    private static RepositoryPattern? Glob(string pattern, string key, List<string> errors)
    {
        if (RepositoryPattern.TryParse(pattern, out var glob, out var error))
        {
            return glob;
        }

        errors.Add($"{key}: {error}.");
        return null;
    }

    private static AccessActions Actions(List<string> actions, string key, List<string> errors)
    {
        if (actions.Count == 0)
        {
            errors.Add($"{key}: no actions; give pull, push, delete or none.");
        }
        else if (!AccessActionNames.TryParse(actions, out var parsed, out var invalid) || actions.Contains("*"))
        {
            errors.Add($"{key}: '{invalid ?? "*"}' is not an action (pull, push, delete or none).");
        }
        else
        {
            return parsed;
        }

        return AccessActions.None;
    }

    private sealed record CompiledRule(IReadOnlyList<RepositoryPattern> Globs, HashSet<string> Users, HashSet<string> Groups, AccessActions Actions);
}
