using System.CommandLine;
using OciCache.Tls;

namespace OciCache.Cli;

/// <summary>
/// <c>ocicache tls init --host NAME... [--data DIR|--config FILE] [--days N] [--force]</c>: a site CA (kept
/// when one exists, so nodes that trust it keep working) and a new server certificate for the given names,
/// in <c>&lt;data&gt;/tls/</c>. Exit 0 when written, 2 when it could not run.
/// </summary>
internal static class TlsCommand
{
    public static Command Create()
    {
        var hosts = new Option<string[]>("--host")
        {
            Description = "A DNS name or IP address clients use for the cache (repeatable; each becomes a SAN).",
            Arity = ArgumentArity.OneOrMore,
            Required = true,
        };
        hosts.Validators.Add(result =>
        {
            foreach (var host in result.GetValueOrDefault<string[]>() ?? [])
            {
                if (!SiteAuthority.IsValidHost(host))
                {
                    result.AddError($"--host: '{host}' is neither a DNS name nor an IP address.");
                }
            }
        });
        var data = new Option<string?>("--data") { Description = "Data folder (default: from --config, else ./data); files go to <data>/tls/." };
        var config = new Option<string?>("--config") { Description = "JSON configuration file (for its Data folder)." };
        var days = new Option<int>("--days") { Description = "Days the server certificate is valid (default 825).", DefaultValueFactory = _ => 825 };
        days.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 3650)
            {
                result.AddError("--days: must be from 1 to 3650.");
            }
        });
        var force = new Option<bool>("--force") { Description = "Replace the site CA too (every client must then trust the new one)." };
        var init = new Command("init", "Create a site CA (unless one exists) and a server certificate in <data>/tls/.") { hosts, data, config, days, force };
        init.SetAction(parse =>
        {
            // The Tls files this creates may not exist yet while a configuration already names them.
            var overrides = new Dictionary<string, string?> { ["Tls:Certificate"] = "", ["Tls:Key"] = "" };
            if (parse.GetValue(data) is { } folder)
            {
                overrides["Data"] = folder;
            }

            var settings = CommandLine.LoadSettings(parse.GetValue(config), overrides);
            return settings is null
                ? 2
                : Init(new SiteFiles(settings.Data), parse.GetValue(hosts)!.Distinct(StringComparer.OrdinalIgnoreCase).ToList(),
                    TimeSpan.FromDays(parse.GetValue(days)), parse.GetValue(force), TimeProvider.System, Console.Out, Console.Error);
        });
        return new Command("tls", "HTTPS for sites without a PKI.") { init };
    }

    internal static int Init(SiteFiles files, IReadOnlyList<string> hosts, TimeSpan lifetime, bool force, TimeProvider time, TextWriter output, TextWriter errors)
    {
        var now = time.GetUtcNow();
        var keep = !force && files.HasCa;
        if (!force && !keep && (File.Exists(files.CaCertificate) || File.Exists(files.CaKey)))
        {
            errors.WriteLine($"ocicache: {files.Folder} holds only one of ca.crt and ca.key; restore the other or pass --force for a new CA.");
            return 2;
        }

        string? error = null;
        using var ca = keep ? files.TryLoadCa(out error) : SiteAuthority.CreateCa($"OciCache site CA {hosts[0]}", now);
        if (ca is null)
        {
            errors.WriteLine($"ocicache: {error}; pass --force for a new CA.");
            return 2;
        }

        if (!keep)
        {
            files.WriteCa(ca);
        }

        files.WriteClientCa(ca);
        using var server = SiteAuthority.IssueServer(ca, hosts, lifetime, now);
        files.WriteServer(server, ca);
        output.WriteLine($"CA ({(keep ? "kept" : "created")}, valid until {ca.NotAfter.ToUniversalTime():yyyy-MM-dd}): {files.CaCertificate}");
        output.WriteLine($"server certificate for {string.Join(", ", hosts)} (valid until {server.NotAfter.ToUniversalTime():yyyy-MM-dd}): {files.ServerCertificate}");
        output.WriteLine($"Trust {files.CaCertificate} on every client (containerd: ca = \"<its path>\" under the mirror's [host] in hosts.toml;");
        output.WriteLine($"  skopeo, podman: --cert-dir {files.ClientFolder}, which holds only the CA), then set:");
        output.WriteLine($"  \"Tls\": {{ \"Certificate\": \"{files.ServerCertificate}\", \"Key\": \"{files.ServerKey}\" }}");
        output.WriteLine($"  (or OCICACHE_TLS__CERTIFICATE={files.ServerCertificate} OCICACHE_TLS__KEY={files.ServerKey})");
        output.WriteLine("A running server picks up the new certificate within seconds.");
        return 0;
    }
}
