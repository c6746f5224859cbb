using System.Text.Json;
using System.Text.RegularExpressions;

namespace OciCache.IntegrationTests.Appliance;

/// <summary>
/// ansible/site.yml applied to this machine (connection local) with every path in a temp folder, no
/// systemd and no restarts: an appliance (role ocicache), a containerd node and a k3s node (role
/// containerd_mirror). Then what it wrote is used for real: the installed executable with the installed
/// configuration serves as the mirror, and a containerd given exactly the generated hosts.toml files
/// pulls through it from a real registry.
/// </summary>
public sealed partial class AnsiblePlaybookTests : IAsyncLifetime
{
    private static readonly string[] Registries = ["docker.io", "ghcr.io", "quay.io", "registry.k8s.io"];

    private readonly TempDirectory _temp = new("ansible");
    private DistributionRegistry _dockerHub = null!;
    private Containerd _containerd = null!;
    private int _cachePort;

    private string ApplianceRoot => _temp.Combine("appliance");

    private string K3sRegistriesFile => _temp.Combine("k3s", "registries.yaml");

    /// <summary>Where the appliance's generated site CA is fetched to on the "controller".</summary>
    private string FetchedCaFile => _temp.Combine("controller", "ocicache-ca.crt");

    /// <summary>What <c>ocicache tls init</c> on the appliance wrote (its Data folder under the install root).</summary>
    private string ApplianceTlsDir => ApplianceRoot + "/var/lib/ocicache/tls";

    /// <summary>A containerd 1.x configuration without config_path: the role warns about it.</summary>
    private string ContainerdConfigFile => _temp.Combine("containerd-config.toml");

    public async Task InitializeAsync()
    {
        _dockerHub = await DistributionRegistry.StartAsync();
        _containerd = await Containerd.StartAsync();
        _cachePort = OciCacheProcess.FreePort();
    }

    public async Task DisposeAsync()
    {
        await _containerd.DisposeAsync();
        await _dockerHub.DisposeAsync();
        _temp.Dispose();
    }

    [Fact]
    public async Task SiteYml_InstallsAndConfigures_SecondRunChangesNothing_ContainerdPullsThroughTheInstalledCache()
    {
        var inventory = WriteInventory();

        string first, second;
        await using (await StartRunningCacheAsync())
        {
            first = await RunPlaybookAsync(inventory);
            second = await RunPlaybookAsync(inventory);
        }

        Assert.Equal(["appliance", "node-containerd", "node-k3s"], Recap(first).Select(h => h.Name).Order());
        Assert.All(Recap(first), host => Assert.Equal(0, host.Failed));
        Assert.All(Recap(first), host => Assert.True(host.Changed > 0, $"{host.Name} changed nothing on the first run:\n{first}"));
        AssertApplianceFiles();
        AssertHostsTomlFiles();
        AssertK3sRegistriesFile();
        Assert.Contains($"{ContainerdConfigFile} sets no config_path", first);

        Assert.Equal(["appliance", "node-containerd", "node-k3s"], Recap(second).Select(h => h.Name).Order());
        Assert.All(Recap(second), host => Assert.True(host.Changed == 0 && host.Failed == 0, $"{host.Name} on the second run:\n{second}"));

        // The installed executable with the installed configuration; only where it listens and keeps its
        // data differs from a real appliance (flags win over the file).
        await using var cache = await OciCacheProcess.StartAsync(_temp.Combine("data"), port: _cachePort,
            extraArguments: ["--config", ApplianceRoot + "/etc/ocicache/config.json"],
            command: [ApplianceRoot + "/usr/local/bin/ocicache"]);
        var image = TestImage.Create(layers: 2, layerBytes: 256 << 10, seed: 1501);
        await _dockerHub.Client.PushImageAsync("library/app", "1.0", image);

        await _containerd.CtrCheckedAsync("images", "pull", "--hosts-dir", _containerd.HostsDir, "--snapshotter", "native", "docker.io/library/app:1.0");

        Assert.Contains(image.Digest.ToString(), await _containerd.CtrCheckedAsync("images", "ls"));
        foreach (var blob in image.Blobs)
        {
            // Fetched once, by the cache: containerd did not go around it to the server.
            var fetches = _dockerHub.Log.Split('\n').Where(l => l.Contains("\"GET ") && l.Contains($"/blobs/{blob.Digest}")).ToList();
            Assert.Single(fetches);
            Assert.Contains("ocicache/", fetches[0]);
        }
    }

    [Fact]
    public async Task K3sEndpoint_AsK3sHandsItToContainerd_PullsThroughTheCache()
    {
        var inventory = WriteInventory();
        string run;
        await using (await StartRunningCacheAsync())
        {
            run = await RunPlaybookAsync(inventory);
        }

        Assert.All(Recap(run), host => Assert.Equal(0, host.Failed));
        var endpoint = EndpointPattern().Match(File.ReadAllText(K3sRegistriesFile)).Groups[1].Value;
        Assert.Equal($"http://127.0.0.1:{_cachePort}/v2/docker.io", endpoint);

        // k3s writes a registries.yaml endpoint with a path into hosts.toml with override_path = true
        // (k3s pkg/agent/containerd/config.go); the registry itself comes last.
        var hostsDir = _temp.Combine("k3s-hosts");
        Directory.CreateDirectory(Path.Combine(hostsDir, "docker.io"));
        File.WriteAllText(Path.Combine(hostsDir, "docker.io", "hosts.toml"), $"""
            server = "{_dockerHub.BaseUri.ToString().TrimEnd('/')}"

            [host."{endpoint}"]
              capabilities = ["pull", "resolve"]
              override_path = true
            """);
        await using var cache = await OciCacheProcess.StartAsync(_temp.Combine("data"), port: _cachePort,
            extraArguments: ["--config", ApplianceRoot + "/etc/ocicache/config.json"],
            command: [ApplianceRoot + "/usr/local/bin/ocicache"]);
        var image = TestImage.Create(layers: 1, layerBytes: 128 << 10, seed: 1502);
        await _dockerHub.Client.PushImageAsync("library/k3s-app", "2.0", image);

        await _containerd.CtrCheckedAsync("images", "pull", "--hosts-dir", hostsDir, "--snapshotter", "native", "docker.io/library/k3s-app:2.0");

        var fetch = Assert.Single(_dockerHub.Log.Split('\n'), l => l.Contains("\"GET ") && l.Contains($"/blobs/{image.Blobs.Last().Digest}"));
        Assert.Contains("ocicache/", fetch);
        Assert.Contains("/v2/docker.io/library/k3s-app/manifests/2.0", cache.Output);
    }

    [Fact]
    public async Task SiteYml_WithTlsGenerate_NodesTrustTheSiteCa_SecondRunChangesNothing_ContainerdPullsOverHttps()
    {
        // The site CA is created by this play, so no cache can answer the nodes' check yet: that runs last.
        var inventory = WriteInventory(tls: true, check: false);

        var first = await RunPlaybookAsync(inventory);
        Assert.All(Recap(first), host => Assert.Equal(0, host.Failed));
        var ca = File.ReadAllText(ApplianceTlsDir + "/ca.crt");
        Assert.Equal(ca, File.ReadAllText(FetchedCaFile));
        using (var config = JsonDocument.Parse(File.ReadAllText(ApplianceRoot + "/etc/ocicache/config.json")))
        {
            var tls = config.RootElement.GetProperty("Tls");
            Assert.Equal("/var/lib/ocicache/tls/server.crt", tls.GetProperty("Certificate").GetString());
            Assert.Equal("/var/lib/ocicache/tls/server.key", tls.GetProperty("Key").GetString());
        }

        foreach (var registry in Registries)
        {
            var toml = File.ReadAllText(Path.Combine(_containerd.HostsDir, registry, "hosts.toml"));
            var caFile = Path.Combine(_containerd.HostsDir, registry, "ocicache-ca.crt");
            Assert.Contains($"[host.\"https://127.0.0.1:{_cachePort}\"]", toml);
            Assert.Contains($"ca = \"{caFile}\"", toml);
            Assert.Equal(ca, File.ReadAllText(caFile));
        }

        var yaml = File.ReadAllText(K3sRegistriesFile);
        var k3sCa = Path.Combine(Path.GetDirectoryName(K3sRegistriesFile)!, "ocicache-ca.crt");
        Assert.Contains($"      - \"https://127.0.0.1:{_cachePort}/v2/docker.io\"\n", yaml);
        Assert.Contains($"configs:\n  \"127.0.0.1:{_cachePort}\":\n    tls:\n      ca_file: \"{k3sCa}\"\n", yaml);
        Assert.Equal(ca, File.ReadAllText(k3sCa));

        var second = await RunPlaybookAsync(inventory);
        Assert.All(Recap(second), host => Assert.True(host.Changed == 0 && host.Failed == 0, $"{host.Name} on the second run:\n{second}"));
        Assert.Equal(ca, File.ReadAllText(ApplianceTlsDir + "/ca.crt"));

        // The installed executable with the installed configuration; the files it names are under the install
        // root here. It is seen listening by its log line (the health poll speaks plain HTTP).
        await using var cache = await OciCacheProcess.StartAsync(_temp.Combine("data"), port: _cachePort,
            extraArguments: ["--config", ApplianceRoot + "/etc/ocicache/config.json"],
            environment: new Dictionary<string, string>
            {
                ["OCICACHE_TLS__CERTIFICATE"] = ApplianceTlsDir + "/server.crt",
                ["OCICACHE_TLS__KEY"] = ApplianceTlsDir + "/server.key",
            },
            command: [ApplianceRoot + "/usr/local/bin/ocicache"]);
        Assert.Equal($"https://127.0.0.1:{_cachePort}/", cache.BaseUri.ToString());
        var image = TestImage.Create(layers: 2, layerBytes: 256 << 10, seed: 1503);
        await _dockerHub.Client.PushImageAsync("library/secure-app", "1.0", image);

        await _containerd.CtrCheckedAsync("images", "pull", "--hosts-dir", _containerd.HostsDir, "--snapshotter", "native", "docker.io/library/secure-app:1.0");

        // The nodes reach the cache over HTTPS, trusting the CA the play installed beside hosts.toml and registries.yaml.
        var checkedRun = await RunPlaybookAsync(WriteInventory(tls: true));
        Assert.All(Recap(checkedRun), host => Assert.True(host.Changed == 0 && host.Failed == 0, $"{host.Name} on the checked run:\n{checkedRun}"));
        Assert.Matches(@"TASK \[containerd_mirror : Check that OciCache answered\][^\n]*\n(ok: \[node-\w+\][^\n]*\n){2}", checkedRun);

        foreach (var blob in image.Blobs)
        {
            var fetch = Assert.Single(_dockerHub.Log.Split('\n'), l => l.Contains("\"GET ") && l.Contains($"/blobs/{blob.Digest}"));
            Assert.Contains("ocicache/", fetch);
        }
    }

    /// <summary>
    /// The appliance listens on a port of its own (ocicache_config_overrides) and ocicache_url is left to the
    /// role: every node's hosts.toml and registries.yaml name that port, and the nodes' check finds OciCache
    /// there. (A hosts.toml naming :5000 would send containerd, refused, to the real registries.)
    /// </summary>
    [Fact]
    public async Task SiteYml_NonDefaultListen_NodesGetThatPort_AndTheirCheckFindsTheCache()
    {
        var inventory = WriteInventory(listen: $"0.0.0.0:{_cachePort}", ocicacheUrl: null, appliance: "127.0.0.1");

        ProcessResult run;
        await using (await StartRunningCacheAsync())
        {
            run = await RunPlaybookRawAsync(inventory);
        }

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.All(Recap(run.Stdout), host => Assert.Equal(0, host.Failed));
        foreach (var registry in Registries)
        {
            var toml = File.ReadAllText(Path.Combine(_containerd.HostsDir, registry, "hosts.toml"));
            Assert.Contains($"[host.\"http://127.0.0.1:{_cachePort}\"]", toml);
        }

        Assert.Contains($"      - \"http://127.0.0.1:{_cachePort}/v2/docker.io\"\n", File.ReadAllText(K3sRegistriesFile));
        Assert.Matches(@"TASK \[containerd_mirror : Check that OciCache answered\][^\n]*\n(ok: \[node-\w+\][^\n]*\n){2}", run.Stdout);
    }

    /// <summary>Nothing listens where the nodes look, or a registry that is not OciCache does: the play fails on every node, saying why.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SiteYml_NodesDoNotReachTheCache_FailsThePlayOnEachNode(bool anotherRegistryAnswers)
    {
        var port = anotherRegistryAnswers ? _dockerHub.BaseUri.Port : _cachePort;
        var inventory = WriteInventory(listen: $"0.0.0.0:{port}", ocicacheUrl: null, appliance: "127.0.0.1");

        var run = await RunPlaybookRawAsync(inventory);

        Assert.True(run.ExitCode != 0, $"the play succeeded although no OciCache answers on port {port}:\n{run}");
        Assert.Equal([("127.0.0.1", 0), ("node-containerd", 1), ("node-k3s", 1)],
            Recap(run.Stdout).Select(h => (h.Name, h.Failed)).Order());
        foreach (var node in new[] { "node-containerd", "node-k3s" })
        {
            Assert.Contains($"{node} does not reach OciCache at http://127.0.0.1:{port}", run.Stdout);
        }

        Assert.Contains(anotherRegistryAnswers ? "HTTP 200 without the OciCache-Registry header" : "Connection refused", run.Stdout);
    }

    /// <summary>An ocicache_url set by hand whose port is not the appliance's Listen port fails the play before any node file is written.</summary>
    [Fact]
    public async Task SiteYml_OcicacheUrlDisagreesWithListen_FailsBeforeWritingNodeFiles()
    {
        var inventory = WriteInventory(listen: $"0.0.0.0:{_cachePort}", ocicacheUrl: "http://127.0.0.1:5000");

        var run = await RunPlaybookRawAsync(inventory);

        Assert.True(run.ExitCode != 0, run.ToString());
        Assert.Contains($"ocicache_url http://127.0.0.1:5000 does not match appliance, which listens on port {_cachePort} with plain http", run.Stdout);
        Assert.False(File.Exists(Path.Combine(_containerd.HostsDir, "docker.io", "hosts.toml")));
        Assert.False(File.Exists(K3sRegistriesFile));
    }

    private void AssertApplianceFiles()
    {
        var binary = ApplianceRoot + "/usr/local/bin/ocicache";
        Assert.Equal(File.ReadAllBytes(ApplianceBuild.Executable("linux-x64")), File.ReadAllBytes(binary));
        Assert.True(OperatingSystem.IsLinux() && File.GetUnixFileMode(binary).HasFlag(UnixFileMode.UserExecute));
        Assert.Equal(File.ReadAllText(ApplianceBuild.Path("appliance", "ocicache.service")),
            File.ReadAllText(ApplianceRoot + "/etc/systemd/system/ocicache.service"));

        // appliance/config.json with the inventory's overrides merged in.
        using var config = JsonDocument.Parse(File.ReadAllText(ApplianceRoot + "/etc/ocicache/config.json"));
        var root = config.RootElement;
        Assert.Equal("/var/lib/ocicache", root.GetProperty("Data").GetString());
        Assert.Equal(Registries, root.GetProperty("Upstreams").EnumerateObject().Select(p => p.Name));
        Assert.Equal(_dockerHub.BaseUri.ToString().TrimEnd('/'), root.GetProperty("Upstreams").GetProperty("docker.io").GetProperty("Url").GetString());
        Assert.Equal("docker-hub", root.GetProperty("Upstreams").GetProperty("docker.io").GetProperty("Aliases")[0].GetString());
        Assert.True(root.GetProperty("Storage").GetProperty("MaxCacheBytes").GetInt64() > 0);
        Assert.Equal(0, root.GetProperty("Prefetch").GetProperty("Images").GetArrayLength());
    }

    private void AssertHostsTomlFiles()
    {
        Assert.Equal(Registries.Order(), Directory.GetDirectories(_containerd.HostsDir).Select(Path.GetFileName).Order());
        foreach (var registry in Registries)
        {
            var toml = File.ReadAllText(Path.Combine(_containerd.HostsDir, registry, "hosts.toml"));
            var server = registry == "docker.io" ? _dockerHub.BaseUri.ToString().TrimEnd('/') : $"https://{registry}";
            Assert.Contains($"server = \"{server}\"", toml);
            Assert.Contains($"[host.\"http://127.0.0.1:{_cachePort}\"]", toml);
            Assert.Contains("capabilities = [\"pull\", \"resolve\"]", toml);
            Assert.Contains("dial_timeout = \"2s\"", toml);
            Assert.True(toml.IndexOf("[host.", StringComparison.Ordinal) > toml.IndexOf("server =", StringComparison.Ordinal));
        }

        // The k3s node wrote no hosts.toml, the containerd node no registries.yaml.
        Assert.False(Directory.Exists(_temp.Combine("k3s-node-certs.d")));
        Assert.False(File.Exists(_temp.Combine("containerd-node-registries.yaml")));
    }

    private void AssertK3sRegistriesFile()
    {
        var yaml = File.ReadAllText(K3sRegistriesFile);
        foreach (var registry in Registries)
        {
            Assert.Contains($"  \"{registry}\":\n    endpoint:\n      - \"http://127.0.0.1:{_cachePort}/v2/{registry}\"\n", yaml);
        }

        Assert.DoesNotContain("configs:", yaml); // plain http: no TLS section
    }

    /// <summary>
    /// Three hosts, all this machine: the appliance and a node of each kind; with <paramref name="tls"/> the
    /// appliance generates its certificate. The appliance listens on <paramref name="listen"/> (default: the
    /// cache port) and the nodes are given <paramref name="ocicacheUrl"/> (default: the cache port on
    /// 127.0.0.1; null: derived by the role from the appliance's name, <paramref name="appliance"/>).
    /// </summary>
    private string WriteInventory(bool tls = false, bool check = true, string? listen = "", string? ocicacheUrl = "", string appliance = "appliance")
    {
        listen = listen is "" ? $"127.0.0.1:{_cachePort}" : listen;
        ocicacheUrl = ocicacheUrl is "" ? $"{(tls ? "https" : "http")}://127.0.0.1:{_cachePort}" : ocicacheUrl;
        File.WriteAllText(ContainerdConfigFile, "version = 2\n");
        var upstream = _dockerHub.BaseUri.ToString().TrimEnd('/');
        var nodeVars = new Dictionary<string, object>
        {
            ["containerd_restart"] = false,
            ["containerd_mirror_check"] = check,
            ["containerd_mirror_registries"] = Registries.Select(r => new
            {
                name = r,
                server = r == "docker.io" ? upstream : $"https://{r}",
            }),
        };
        if (ocicacheUrl is not null)
        {
            nodeVars["ocicache_url"] = ocicacheUrl;
        }

        var inventory = new
        {
            all = new
            {
                vars = new Dictionary<string, object>
                {
                    ["ansible_connection"] = "local",
                    ["ansible_python_interpreter"] = "/usr/bin/python3",
                },
                children = new Dictionary<string, object>
                {
                    ["appliances"] = new
                    {
                        hosts = new Dictionary<string, object>
                        {
                            [appliance] = new Dictionary<string, object>
                            {
                                ["ocicache_root"] = ApplianceRoot,
                                ["ocicache_systemd"] = false,
                                ["ocicache_artifacts_dir"] = ApplianceBuild.Path("artifacts"),
                                // Every upstream on this machine, nothing prefetched: the tests talk to 127.0.0.1 only.
                                ["ocicache_config_overrides"] = new Dictionary<string, object>
                                {
                                    ["Upstreams"] = Registries.ToDictionary(r => r, _ => (object)new { Url = upstream }),
                                    ["Prefetch"] = new { Images = Array.Empty<object>() },
                                    ["Listen"] = listen!,
                                },
                                ["ocicache_tls_mode"] = tls ? "generate" : "none",
                                ["ocicache_tls_hosts"] = new[] { "ocicache.test", "127.0.0.1" },
                                ["ocicache_tls_ca_fetch_dest"] = FetchedCaFile,
                            },
                        },
                    },
                    ["nodes"] = new
                    {
                        hosts = new Dictionary<string, object>
                        {
                            ["node-containerd"] = new Dictionary<string, object>
                            {
                                ["containerd_mirror_k3s"] = false,
                                ["containerd_certs_dir"] = _containerd.HostsDir,
                                ["containerd_config_file"] = ContainerdConfigFile,
                                ["k3s_registries_file"] = _temp.Combine("containerd-node-registries.yaml"),
                            },
                            ["node-k3s"] = new Dictionary<string, object>
                            {
                                ["containerd_mirror_k3s"] = true,
                                ["containerd_certs_dir"] = _temp.Combine("k3s-node-certs.d"),
                                ["k3s_registries_file"] = K3sRegistriesFile,
                            },
                        },
                        vars = nodeVars,
                    },
                },
            },
        };
        var path = _temp.Combine("inventory.json");
        File.WriteAllText(path, JsonSerializer.Serialize(inventory));
        return path;
    }

    /// <summary>
    /// An OciCache answering where the nodes look during the play (the published executable, default
    /// settings), so their reachability check passes; stopped before the installed one starts.
    /// </summary>
    private Task<OciCacheProcess> StartRunningCacheAsync() =>
        OciCacheProcess.StartAsync(_temp.Combine("running-data"), port: _cachePort, command: [ApplianceBuild.Executable("linux-x64")]);

    private async Task<string> RunPlaybookAsync(string inventory)
    {
        var result = await RunPlaybookRawAsync(inventory);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Stdout;
    }

    private Task<ProcessResult> RunPlaybookRawAsync(string inventory) =>
        ProcessRunner.RunAsync("ansible-playbook", ["-i", inventory, "-c", "local", ApplianceBuild.Path("ansible", "site.yml")],
            TimeSpan.FromMinutes(5), new Dictionary<string, string>
            {
                ["ANSIBLE_NOCOLOR"] = "1",
                ["ANSIBLE_RETRY_FILES_ENABLED"] = "0",
                ["ANSIBLE_LOCAL_TEMP"] = _temp.Combine("ansible-local"),
                ["ANSIBLE_REMOTE_TEMP"] = _temp.Combine("ansible-remote"),
            });

    private static List<(string Name, int Changed, int Failed)> Recap(string output) =>
        RecapPattern().Matches(output)
            .Select(m => (m.Groups[1].Value, int.Parse(m.Groups[2].Value), int.Parse(m.Groups[3].Value)))
            .ToList();

    [GeneratedRegex(@"^(\S+)\s+:\s+ok=\d+\s+changed=(\d+)\s+unreachable=\d+\s+failed=(\d+)", RegexOptions.Multiline)]
    private static partial Regex RecapPattern();

    [GeneratedRegex("endpoint:\\s*\\n\\s*- \"([^\"]+)\"")]
    private static partial Regex EndpointPattern();
}
