using System.Diagnostics;
using System.Text.RegularExpressions;
using Npgsql;
using Xunit;

namespace OciCache.Testing.Backends;

/// <summary>
/// A real PostgreSQL server (Debian's <c>postgresql</c>) on 127.0.0.1 and a free port, with its cluster in a
/// temp folder: initdb with trust authentication as the <c>postgres</c> user (initdb refuses root), then the
/// postmaster in the foreground, so it is stopped by its own PID. One per test run is enough: tests take a
/// database each (<see cref="CreateDatabaseAsync"/>). It can be stopped and started again on the same port
/// and data, for the "PostgreSQL went away" tests.
/// </summary>
public sealed partial class PostgresServer : IAsyncLifetime, IAsyncDisposable
{
    /// <summary>The superuser initdb creates; trust authentication needs no password.</summary>
    public const string Superuser = "postgres";

    private readonly TempDirectory _root = new("postgres");
    private string _setupOutput = "";
    private ServiceProcess? _server;
    private bool _disposed;

    public PostgresServer()
    {
        Port = OciCacheProcess.FreePort();
    }

    public int Port { get; }

    /// <summary>How long initdb and the first start took (reported by the harness tests).</summary>
    public TimeSpan StartupTime { get; private set; }

    /// <summary>The postmaster's PID while it runs.</summary>
    public int? Pid => _server is { HasExited: false } server ? server.Pid : null;

    private string DataDirectory => _root.Combine("data");

    /// <summary>Initialises a cluster and starts it; fails loudly with the server's log when it does not answer.</summary>
    public static async Task<PostgresServer> StartAsync()
    {
        var server = new PostgresServer();
        try
        {
            await server.InitializeAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>A connection string to <paramref name="database"/> as the superuser.</summary>
    public string ConnectionString(string database = "postgres") => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = Superuser,
        Database = database,
        Timeout = 15,
        CommandTimeout = 60,
    }.ConnectionString;

    /// <summary>Creates a database (a fresh generated name unless one is given) and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string? name = null)
    {
        name ??= $"test_{Guid.NewGuid():N}";
        if (!DatabaseName().IsMatch(name))
        {
            throw new ArgumentException($"'{name}' is not a plain database name (lower-case letters, digits, _)", nameof(name));
        }

        await using var connection = new NpgsqlConnection(ConnectionString() + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    public async Task InitializeAsync()
    {
        var watch = Stopwatch.StartNew();
        var initdb = BackendTool.PostgresBin("initdb");
        BackendTool.PostgresBin("postgres");
        if (Environment.IsPrivilegedProcess)
        {
            await ServiceProcess.RunAsync("chown", BackendTool.Require("chown", "coreutils"),
                ["-R", $"{Superuser}:{Superuser}", _root.Path], _root.Path, TimeSpan.FromMinutes(1));
        }

        _setupOutput = await ServiceProcess.RunAsync("initdb", AsServiceUser(initdb),
            ServiceUserArguments(initdb, ["-D", DataDirectory, "-A", "trust", "-U", Superuser, "-E", "UTF8", "--no-locale", "--no-sync"]),
            _root.Path, Readiness.StartTimeout);
        await StartServerAsync();
        StartupTime = watch.Elapsed;
    }

    /// <summary>Starts the postmaster again on the same port and data, after <see cref="StopServerAsync"/>.</summary>
    public async Task StartServerAsync()
    {
        var postgres = BackendTool.PostgresBin("postgres");
        _server = ServiceProcess.Start("postgres", AsServiceUser(postgres), ServiceUserArguments(postgres,
        [
            "-D", DataDirectory, "-c", "listen_addresses=127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-c", $"unix_socket_directories={_root.Path}", "-c", "max_connections=200",
            // A throwaway cluster: durability costs time on the loaded test machine and buys nothing here.
            "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
        ]), _root.Path);
        var probe = ConnectionString() + ";Pooling=false;Timeout=5";
        await Readiness.WaitAsync($"PostgreSQL answering on 127.0.0.1:{Port}", async token =>
        {
            await using var connection = new NpgsqlConnection(probe);
            await connection.OpenAsync(token);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            return await command.ExecuteScalarAsync(token) is 1;
        }, Log, watched: _server);
    }

    /// <summary>Stops the postmaster by its PID with a fast shutdown (SIGINT); the data stays for a restart.</summary>
    public async Task StopServerAsync()
    {
        if (_server is { } server)
        {
            await server.StopAsync("INT", TimeSpan.FromMinutes(1));
            await server.DisposeAsync();
            _server = null;
        }

        NpgsqlConnection.ClearAllPools();
    }

    /// <summary>initdb's and the server's output, for failure messages.</summary>
    public string Log() => $"--- initdb\n{_setupOutput}\n--- postgres (pid {_server?.Pid})\n{_server?.Output}";

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await StopServerAsync();
        _root.Dispose();
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    // initdb and postgres refuse to run as root: as root, setpriv execs them as the postgres user (same PID).
    private static string AsServiceUser(string file) =>
        Environment.IsPrivilegedProcess ? BackendTool.Require("setpriv", "util-linux") : file;

    private static IEnumerable<string> ServiceUserArguments(string file, IEnumerable<string> arguments) =>
        Environment.IsPrivilegedProcess
            ? ["--reuid", Superuser, "--regid", Superuser, "--init-groups", "--", file, .. arguments]
            : [.. arguments];

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex DatabaseName();
}
