using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OciCache.Auth;

namespace OciCache.IntegrationTests.Auth;

/// <summary>The server's real audit log (<c>audit.log</c>, JSON lines), read back once every event written so far is in it.</summary>
internal static class AuditFile
{
    public static async Task<string> ReadTextAsync(RegistryServer server)
    {
        var log = (JsonLinesAuditLog)server.Services.GetRequiredService<IAuditLog>();
        await log.FlushAsync();
        return File.Exists(log.Path) ? await File.ReadAllTextAsync(log.Path) : "";
    }

    public static async Task<List<AuditEvent>> ReadAsync(RegistryServer server) =>
        (await ReadTextAsync(server)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Parse).ToList();

    private static AuditEvent Parse(string line)
    {
        using var json = JsonDocument.Parse(line);
        var root = json.RootElement;
        string? Get(string name) => root.TryGetProperty(name, out var value) ? value.GetString() : null;
        return new AuditEvent(Get("action")!, Get("result")!)
        {
            Who = Get("who"), Source = Get("source"), Repository = Get("repository"),
            Reference = Get("reference"), Digest = Get("digest"), Detail = Get("detail"),
            Count = root.TryGetProperty("count", out var count) ? count.GetInt32() : null,
        };
    }
}
