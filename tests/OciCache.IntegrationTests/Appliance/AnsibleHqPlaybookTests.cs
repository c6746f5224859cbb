using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using OciCache.Testing.Backends;

namespace OciCache.IntegrationTests.Appliance;

/// <summary>
/// ansible/hq.yml, the headquarters variant, applied to this machine (connection local) with every path in a
/// temp folder and no systemd: two replicas (role ocicache with ocicache_replica), a balancer (role
/// ocicache_balancer) and a containerd node pointed at the balancer (role containerd_mirror). What it wrote is then used for real: HAProxy runs the rendered snippet in front of two
/// OciCache processes on the replicas' ports. They run with default settings, since what the replicas'
/// configuration names (PostgreSQL, S3, the cluster) is checked here as written, not served.
/// </summary>
public sealed partial class AnsibleHqPlaybookTests : IDisposable
{
    private const string PostgresSecret = "Host=127.0.0.1;Username=ocicache;Password=pg-Secret-7d1f";
    private const string S3Secret = "s3-Secret-91ac";
    private const string ClusterSecret = "cluster-Secret-4be0";

    private static readonly string[] Replicas = ["replica-a", "replica-b"];

    private readonly TempDirectory _temp = new("ansible-hq");
    private readonly int[] _replicaPorts = [OciCacheProcess.FreePort(), OciCacheProcess.FreePort()];
    private readonly int _balancerPort = OciCacheProcess.FreePort();
    private readonly int _statsPort = OciCacheProcess.FreePort();

    private string SnippetFile => _temp.Combine("balancer", "etc", "haproxy", "conf.d", "ocicache.cfg");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task HqYml_ExampleInventory_PassesSyntaxCheck()
    {
        var result = await ProcessRunner.RunAsync(Tools.Require("ansible-playbook"),
            ["--syntax-check", "-i", ApplianceBuild.Path("ansible", "inventory", "hq.example"), ApplianceBuild.Path("ansible", "hq.yml")],
            TimeSpan.FromMinutes(3), AnsibleEnvironment());

        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public async Task HqYml_WritesSecretsApartFromTheConfiguration_SecondRunChangesNothing()
    {
        var inventory = WriteInventory();

        var first = await RunPlaybookAsync(inventory);
        var second = await RunPlaybookAsync(inventory);

        Assert.Equal(["balancer", "node-containerd", .. Replicas], Recap(first).Select(h => h.Name).Order());
        Assert.All(Recap(first), host => Assert.True(host.Changed > 0 && host.Failed == 0, $"{host.Name} on the first run:\n{first}"));
        Assert.All(Recap(second), host => Assert.True(host.Changed == 0 && host.Failed == 0, $"{host.Name} on the second run:\n{second}"));
        foreach (var secret in new[] { PostgresSecret, S3Secret, ClusterSecret, "pg-Secret", "s3-Secret", "cluster-Secret" })
        {
            Assert.DoesNotContain(secret, first + second, StringComparison.Ordinal);
        }

        for (var i = 0; i < Replicas.Length; i++)
        {
            var root = ReplicaRoot(i);
            var configText = File.ReadAllText(root + "/etc/ocicache/config.json");
            Assert.DoesNotContain("Secret-", configText, StringComparison.Ordinal);
            using var config = JsonDocument.Parse(configText);
            var settings = config.RootElement;
            Assert.Equal("postgres", settings.GetProperty("Metadata").GetProperty("Backend").GetString());
            Assert.Equal("/etc/ocicache/secrets/postgres-connection-string",
                settings.GetProperty("Metadata").GetProperty("Postgres").GetProperty("ConnectionStringFile").GetString());
            var s3 = settings.GetProperty("Storage").GetProperty("S3");
            Assert.Equal("s3", settings.GetProperty("Storage").GetProperty("Backend").GetString());
            Assert.Equal("http://127.0.0.1:7480", s3.GetProperty("Endpoint").GetString());
            Assert.Equal("hq-blobs", s3.GetProperty("Bucket").GetString());
            Assert.Equal("hq-access", s3.GetProperty("AccessKey").GetString());
            Assert.Equal("/etc/ocicache/secrets/s3-secret-key", s3.GetProperty("SecretKeyFile").GetString());
            Assert.True(s3.GetProperty("ForcePathStyle").GetBoolean());
            Assert.False(s3.GetProperty("Redirect").GetBoolean());
            Assert.False(s3.TryGetProperty("SecretKey", out _));
            var cluster = settings.GetProperty("Cluster");
            Assert.Equal($"http://127.0.0.1:{_replicaPorts[i]}", cluster.GetProperty("AdvertiseUrl").GetString());
            Assert.Equal("/etc/ocicache/secrets/cluster-secret", cluster.GetProperty("SecretFile").GetString());

            foreach (var (file, value) in new[] { ("postgres-connection-string", PostgresSecret), ("s3-secret-key", S3Secret), ("cluster-secret", ClusterSecret) })
            {
                var path = root + "/etc/ocicache/secrets/" + file;
                Assert.Equal(value, File.ReadAllText(path));
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, ModeOf(path));
            }

            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
                ModeOf(root + "/etc/ocicache/secrets"));
        }

        var snippet = File.ReadAllText(SnippetFile);
        Assert.Contains($"    bind 127.0.0.1:{_balancerPort}\n", snippet);
        Assert.Equal(2, Regex.Matches(snippet, $"    server replica-a 127.0.0.1:{_replicaPorts[0]} check\n").Count);
        Assert.Equal(2, Regex.Matches(snippet, $"    server replica-b 127.0.0.1:{_replicaPorts[1]} check\n").Count);

        // The node pulls through the balancer, with the registry itself as fallback.
        var toml = File.ReadAllText(_temp.Combine("certs.d", "docker.io", "hosts.toml"));
        Assert.Contains($"[host.\"http://127.0.0.1:{_balancerPort}\"]", toml);
        Assert.Contains("server = \"https://registry-1.docker.io\"", toml);
    }

    /// <summary>
    /// The rendered snippet in a running HAProxy: requests go round robin over the ready replicas; a replica
    /// whose /readyz fails gets none; with none ready, the live ones take them all (/healthz), and the node's
    /// check of the play (HEAD /v2/ through the balancer) still finds OciCache.
    /// </summary>
    [Fact]
    public async Task HqYml_Snippet_BalancesOverReadyReplicas_FallsBackToLiveOnesWhenNoneIsReady()
    {
        await RunPlaybookAsync(WriteInventory());
        var data = Replicas.Select(r => _temp.Combine("data-" + r)).ToArray();
        await using var replicaA = await OciCacheProcess.StartAsync(data[0], port: _replicaPorts[0]);
        await using var replicaB = await OciCacheProcess.StartAsync(data[1], port: _replicaPorts[1]);
        var mainConfig = _temp.Combine("haproxy.cfg");
        File.WriteAllText(mainConfig, $"""
            global
                log stdout format raw local0 info

            defaults
                mode http
                timeout connect 5s
                timeout client 1m
                timeout server 1m

            frontend stats
                bind 127.0.0.1:{_statsPort}
                stats enable
                stats uri /stats

            """);
        await using var haproxy = ServiceProcess.Start("haproxy", BackendTool.Require("haproxy", "haproxy"),
            ["-db", "-f", mainConfig, "-f", SnippetFile], _temp.Path);
        using var http = new HttpClient();
        await Eventually.TrueAsync(async () => await StatusesAsync(http) is { Count: 4 } s && s.Values.All(v => v.Status == "UP"),
            $"HAProxy sees both replicas up in both backends:\n{haproxy.Output}");

        await GetThroughBalancerAsync(http, 4);
        var served = await StatusesAsync(http);
        Assert.Equal(2, served[("ocicache_ready", "replica-a")].Sessions);
        Assert.Equal(2, served[("ocicache_ready", "replica-b")].Sessions);

        // ocicache.db replaced under a running server: its /readyz fails (writes would be lost), /healthz stays ok.
        File.Delete(Path.Combine(data[0], "ocicache.db"));
        await Eventually.TrueAsync(async () => (await StatusesAsync(http))[("ocicache_ready", "replica-a")].Status == "DOWN",
            $"HAProxy takes replica-a out of the ready backend:\n{haproxy.Output}");
        await GetThroughBalancerAsync(http, 2);
        served = await StatusesAsync(http);
        Assert.Equal(2, served[("ocicache_ready", "replica-a")].Sessions);
        Assert.Equal(4, served[("ocicache_ready", "replica-b")].Sessions);

        File.Delete(Path.Combine(data[1], "ocicache.db"));
        await Eventually.TrueAsync(async () => (await StatusesAsync(http))[("ocicache_ready", "replica-b")].Status == "DOWN",
            $"HAProxy takes replica-b out of the ready backend:\n{haproxy.Output}");
        await GetThroughBalancerAsync(http, 2);
        served = await StatusesAsync(http);
        Assert.Equal("UP", served[("ocicache_live", "replica-a")].Status);
        Assert.Equal(1, served[("ocicache_live", "replica-a")].Sessions);
        Assert.Equal(1, served[("ocicache_live", "replica-b")].Sessions);

        var checkedRun = await RunPlaybookAsync(WriteInventory(check: true));
        Assert.All(Recap(checkedRun), host => Assert.True(host.Changed == 0 && host.Failed == 0, $"{host.Name} on the checked run:\n{checkedRun}"));
        Assert.Matches(@"TASK \[containerd_mirror : Check that OciCache answered\][^\n]*\nok: \[node-containerd\]", checkedRun);
        Assert.Equal(3, (await StatsAsync(http)).Where(s => s.Key.Backend == "ocicache_live").Sum(s => s.Value.Sessions));
    }

    private async Task GetThroughBalancerAsync(HttpClient http, int count)
    {
        for (var i = 0; i < count; i++)
        {
            // A new connection each time, so that each request is balanced on its own.
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{_balancerPort}/v2/");
            request.Headers.ConnectionClose = true;
            using var response = await http.SendAsync(request);
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            Assert.True(response.Headers.Contains("OciCache-Registry"), response.ToString());
        }
    }

    /// <summary>Each replica's status and total sessions per backend, from HAProxy's CSV stats.</summary>
    private async Task<Dictionary<(string Backend, string Server), (string Status, int Sessions)>> StatsAsync(HttpClient http)
    {
        var csv = (await http.GetStringAsync($"http://127.0.0.1:{_statsPort}/stats;csv")).Split('\n');
        var header = csv[0].TrimStart('#', ' ').Split(',');
        int Column(string name) => Array.IndexOf(header, name);
        return csv.Skip(1).Select(l => l.Split(','))
            .Where(f => f.Length == header.Length && Replicas.Contains(f[Column("svname")]))
            .ToDictionary(f => (f[Column("pxname")], f[Column("svname")]),
                f => (f[Column("status")], int.Parse(f[Column("stot")], CultureInfo.InvariantCulture)));
    }

    /// <summary>As <see cref="StatsAsync"/>, empty while HAProxy does not answer yet.</summary>
    private async Task<Dictionary<(string Backend, string Server), (string Status, int Sessions)>> StatusesAsync(HttpClient http)
    {
        try
        {
            return await StatsAsync(http);
        }
        catch (HttpRequestException)
        {
            return [];
        }
    }

    private static UnixFileMode ModeOf(string path) =>
        OperatingSystem.IsLinux() ? File.GetUnixFileMode(path) : throw new PlatformNotSupportedException("the ansible tests run on Linux");

    private string ReplicaRoot(int index) => _temp.Combine(Replicas[index]);

    /// <summary>
    /// Two replicas, a balancer and a containerd node, all this machine; the node checks that it reaches
    /// OciCache through the balancer when <paramref name="check"/>. The installed executable is the one built
    /// beside the tests: site.yml's tests cover installing the published one.
    /// </summary>
    private string WriteInventory(bool check = false)
    {
        File.WriteAllText(_temp.Combine("containerd-config.toml"), "version = 2\n");
        var artifacts = _temp.Combine("artifacts");
        Directory.CreateDirectory(Path.Combine(artifacts, "linux-x64"));
        File.Copy(OciCacheProcess.Executable, Path.Combine(artifacts, "linux-x64", "ocicache"), overwrite: true);
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
                    ["replicas"] = new
                    {
                        hosts = Enumerable.Range(0, Replicas.Length).ToDictionary(i => Replicas[i], i => (object)new Dictionary<string, object>
                        {
                            ["ansible_host"] = "127.0.0.1",
                            ["ocicache_root"] = ReplicaRoot(i),
                            ["ocicache_config_overrides"] = new { Listen = $"127.0.0.1:{_replicaPorts[i]}" },
                        }),
                        vars = new Dictionary<string, object>
                        {
                            ["ocicache_systemd"] = false,
                            ["ocicache_rid"] = "linux-x64",
                            ["ocicache_artifacts_dir"] = artifacts,
                            ["ocicache_replica_postgres_connection_string"] = PostgresSecret,
                            ["ocicache_replica_s3_secret_key"] = S3Secret,
                            ["ocicache_replica_cluster_secret"] = ClusterSecret,
                            ["ocicache_replica_s3_endpoint"] = "http://127.0.0.1:7480",
                            ["ocicache_replica_s3_bucket"] = "hq-blobs",
                            ["ocicache_replica_s3_access_key"] = "hq-access",
                        },
                    },
                    ["balancers"] = new
                    {
                        hosts = new Dictionary<string, object>
                        {
                            ["balancer"] = new Dictionary<string, object>
                            {
                                ["ansible_host"] = "127.0.0.1",
                                ["ocicache_balancer_root"] = _temp.Combine("balancer"),
                                ["ocicache_balancer_bind"] = $"127.0.0.1:{_balancerPort}",
                                // Quick checks: the test waits for their result, never for a time.
                                ["ocicache_balancer_check_interval"] = "100ms",
                                ["ocicache_balancer_check_fall"] = 1,
                                ["ocicache_balancer_check_rise"] = 1,
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
                                ["containerd_certs_dir"] = _temp.Combine("certs.d"),
                                ["containerd_config_file"] = _temp.Combine("containerd-config.toml"),
                            },
                        },
                        vars = new Dictionary<string, object>
                        {
                            ["containerd_restart"] = false,
                            ["containerd_mirror_check"] = check,
                            // As inventory/hq.example/group_vars/nodes.yml has it.
                            ["ocicache_url"] = "{{ hostvars[groups['balancers'][0]]['ocicache_balancer_url'] }}",
                        },
                    },
                },
            },
        };
        var path = _temp.Combine("inventory.json");
        File.WriteAllText(path, JsonSerializer.Serialize(inventory));
        return path;
    }

    private async Task<string> RunPlaybookAsync(string inventory)
    {
        var result = await ProcessRunner.RunAsync(Tools.Require("ansible-playbook"),
            ["-i", inventory, "-c", "local", ApplianceBuild.Path("ansible", "hq.yml")], TimeSpan.FromMinutes(5), AnsibleEnvironment());
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Stdout;
    }

    private Dictionary<string, string> AnsibleEnvironment() => new()
    {
        ["ANSIBLE_NOCOLOR"] = "1",
        ["ANSIBLE_RETRY_FILES_ENABLED"] = "0",
        ["ANSIBLE_LOCAL_TEMP"] = _temp.Combine("ansible-local"),
        ["ANSIBLE_REMOTE_TEMP"] = _temp.Combine("ansible-remote"),
    };

    private static List<(string Name, int Changed, int Failed)> Recap(string output) =>
        RecapPattern().Matches(output)
            .Select(m => (m.Groups[1].Value, int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture)))
            .ToList();

    [GeneratedRegex(@"^(\S+)\s+:\s+ok=\d+\s+changed=(\d+)\s+unreachable=\d+\s+failed=(\d+)", RegexOptions.Multiline)]
    private static partial Regex RecapPattern();
}
