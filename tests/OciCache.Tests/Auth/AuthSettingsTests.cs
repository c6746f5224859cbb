using OciCache.Hosting;

namespace OciCache.Tests.Auth;

/// <summary>The <c>Auth</c> section as read from a configuration file: bound, checked, and typos named.</summary>
public sealed class AuthSettingsTests : IDisposable
{
    private readonly TempDirectory _temp = new("authsettings");

    [Fact]
    public void Load_NoAuthSection_AccessControlOff()
    {
        Assert.Null(SettingsLoader.Load(null, new Dictionary<string, string?>()).Auth);
    }

    [Fact]
    public void Load_FullSection_BindsEveryKey()
    {
        var htpasswd = _temp.Combine("htpasswd");
        File.WriteAllText(htpasswd, "");
        var settings = Load("""
            {"Auth":{
              "Htpasswd":"HTPASSWD",
              "Groups":{"ci":["carol","dave"]},
              "Policies":[{"Repositories":["site/**"],"Users":["alice"],"Groups":["ci"],"Actions":["pull","push"]}],
              "Anonymous":{"docker.io/**":["pull"],"site/**":["none"]},
              "AdminGroup":"ci","Service":"registry.lan","ExternalUrl":"https://ocicache.lan:5000",
              "TokenLifetime":"00:10:00","RefreshTokenLifetime":"2.00:00:00","FailedSignIns":5,
              "AuditLog":{"Path":"/var/log/ocicache/audit.log","MaxBytes":1000,"Files":2}}}
            """.Replace("HTPASSWD", htpasswd, StringComparison.Ordinal));

        var auth = settings.Auth!;
        Assert.Equal(htpasswd, auth.Htpasswd);
        Assert.Equal(["carol", "dave"], auth.Groups["ci"]);
        Assert.Equal(["site/**"], auth.Policies[0].Repositories);
        Assert.Equal(["ci"], auth.Policies[0].Groups);
        Assert.Equal(["none"], auth.Anonymous!["site/**"]);
        Assert.Equal(("ci", "registry.lan", "https://ocicache.lan:5000"), (auth.AdminGroup, auth.Service, auth.ExternalUrl));
        Assert.Equal((TimeSpan.FromMinutes(10), TimeSpan.FromDays(2), 5), (auth.TokenLifetime, auth.RefreshTokenLifetime, auth.FailedSignIns));
        Assert.Equal(("/var/log/ocicache/audit.log", 1000L, 2), (auth.AuditLog.Path, auth.AuditLog.MaxBytes, auth.AuditLog.Files));
    }

    [Fact]
    public void Load_SectionWithDefaults_TokenLifetimeFiveMinutes()
    {
        var auth = Load("""{"Auth":{"Service":"ocicache"}}""").Auth!;

        Assert.Equal(TimeSpan.FromMinutes(5), auth.TokenLifetime);
        Assert.Equal(10, auth.FailedSignIns);
        Assert.Null(auth.Anonymous);
    }

    [Theory]
    [InlineData("""{"Auth":{"Polices":[]}}""", "Auth:Polices", "Auth:Policies")]
    [InlineData("""{"Auth":{"Policies":[{"Repository":["a"]}]}}""", "Auth:Policies:0:Repository", "Auth:Policies:0:Repositories")]
    [InlineData("""{"Auth":{"AuditLog":{"MaxByte":5}}}""", "Auth:AuditLog:MaxByte", "Auth:AuditLog:MaxBytes")]
    [InlineData("""{"Auth":{"TokenLifetme":"00:01:00"}}""", "Auth:TokenLifetme", "Auth:TokenLifetime")]
    [InlineData("""{"Auth":{"Oidc":{"Isuer":"https://id.lan"}}}""", "Auth:Oidc:Isuer", "Auth:Oidc:Issuer")]
    [InlineData("""{"Auth":{"Oidc":{"GroupClaim":"roles"}}}""", "Auth:Oidc:GroupClaim", "Auth:Oidc:GroupsClaim")]
    public void Load_UnknownKey_FailsNamingItAndTheNearest(string json, string unknown, string nearest)
    {
        var error = Assert.Throws<SettingsException>(() => Load(json));

        Assert.Contains(error.Errors, e => e.StartsWith(unknown, StringComparison.Ordinal) && e.Contains($"nearest known key is {nearest}"));
    }

    [Theory]
    [InlineData("""{"Auth":{"Htpasswd":"/no/such/file"}}""", "Auth:Htpasswd")]
    [InlineData("""{"Auth":{"Anonymous":{"Site/**":["pull"]}}}""", "Auth:Anonymous:Site/**")]
    [InlineData("""{"Auth":{"Anonymous":{"site/**":["read"]}}}""", "Auth:Anonymous:site/**")]
    [InlineData("""{"Auth":{"Policies":[{"Repositories":["site/**"],"Users":["a"],"Actions":["pull","write"]}]}}""", "Auth:Policies:0:Actions")]
    [InlineData("""{"Auth":{"Policies":[{"Repositories":["a//b"],"Users":["a"],"Actions":["pull"]}]}}""", "Auth:Policies:0:Repositories")]
    [InlineData("""{"Auth":{"TokenLifetime":"00:00:00"}}""", "Auth:TokenLifetime")]
    [InlineData("""{"Auth":{"FailedSignIns":0}}""", "Auth:FailedSignIns")]
    [InlineData("""{"Auth":{"ExternalUrl":"ftp://x"}}""", "Auth:ExternalUrl")]
    [InlineData("""{"Auth":{"AdminGroup":"admins"}}""", "Auth:AdminGroup")]
    [InlineData("""{"Auth":{"Oidc":{"Issuer":"id.lan","ClientId":"c","ClientSecret":"s"}}}""", "Auth:Oidc:Issuer")]
    [InlineData("""{"Auth":{"Oidc":{"Issuer":"https://id.lan","ClientSecret":"s"}}}""", "Auth:Oidc:ClientId")]
    [InlineData("""{"Auth":{"Oidc":{"Issuer":"https://id.lan","ClientId":"c"}}}""", "Auth:Oidc:ClientSecret")]
    [InlineData("""{"Auth":{"Oidc":{"Issuer":"https://id.lan","ClientId":"c","ClientSecret":"s","Scopes":["profile"]}}}""", "Auth:Oidc:Scopes")]
    [InlineData("""{"Auth":{"Oidc":{"Issuer":"https://id.lan","ClientId":"c","ClientSecret":"s","ExternalUrl":"x"}}}""", "Auth:Oidc:ExternalUrl")]
    [InlineData("""{"Auth":{"SessionIdleTimeout":"00:00:00"}}""", "Auth:SessionIdleTimeout")]
    public void Load_BadValue_FailsNamingTheKey(string json, string key)
    {
        var error = Assert.Throws<SettingsException>(() => Load(json));

        Assert.Contains(error.Errors, e => e.StartsWith(key, StringComparison.Ordinal));
    }

    [Fact]
    public void Load_OidcSection_BindsWithDefaults()
    {
        var auth = Load("""{"Auth":{"Oidc":{"Issuer":"https://id.lan","ClientId":"ocicache","ClientSecret":"s3"}}}""").Auth!;

        Assert.Equal(("https://id.lan", "ocicache", "s3", "groups"), (auth.Oidc!.Issuer, auth.Oidc.ClientId, auth.Oidc.ClientSecret, auth.Oidc.GroupsClaim));
        Assert.Equal(["openid", "profile", "email", "groups"], auth.Oidc.EffectiveScopes);
        Assert.Equal((TimeSpan.FromMinutes(30), TimeSpan.FromHours(12)), (auth.SessionIdleTimeout, auth.SessionLifetime));
    }

    [Fact]
    public void Load_OidcScopes_ReplaceTheDefault()
    {
        var auth = Load("""{"Auth":{"Oidc":{"Issuer":"https://id.lan","ClientId":"c","ClientSecret":"s","Scopes":["openid","roles"],"GroupsClaim":"roles"}}}""").Auth!;

        Assert.Equal(["openid", "roles"], auth.Oidc!.EffectiveScopes);
    }

    [Fact]
    public void Load_OidcWithGroupsOnlyTheIssuerKnows_Accepted()
    {
        var auth = Load("""
            {"Auth":{"AdminGroup":"ops","Policies":[{"Repositories":["team/**"],"Groups":["devs"],"Actions":["pull"]}],
              "Oidc":{"Issuer":"https://id.lan","ClientId":"c","ClientSecret":"s"}}}
            """).Auth!;

        Assert.Equal("ops", auth.AdminGroup);
    }

    private OciCacheSettings Load(string json)
    {
        var file = _temp.Combine($"config-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, json);
        return SettingsLoader.Load(file, new Dictionary<string, string?>());
    }

    public void Dispose() => _temp.Dispose();
}
