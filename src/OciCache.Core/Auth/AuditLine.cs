using System.Text.Json;
using System.Text.Json.Serialization;

namespace OciCache.Auth;

/// <summary>
/// One line of <c>audit.log</c> as written: an <see cref="AuditEvent"/> with its time first. Null fields
/// are left out; JSON escaping keeps a control character in a name or reason from breaking the line.
/// </summary>
public sealed record AuditLine(
    DateTime Time, string Action, string Result, string? Who, string? Source,
    string? Repository, string? Reference, string? Digest, string? Detail, int? Count = null)
{
    public static AuditLine From(AuditEvent entry, DateTimeOffset time) => new(
        time.UtcDateTime, entry.Action, entry.Result, entry.Who, entry.Source,
        entry.Repository, entry.Reference, entry.Digest, entry.Detail, entry.Count);

    /// <summary>The compact JSON object and its newline, as UTF-8.</summary>
    public byte[] ToUtf8Line()
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(this, AuditLineContext.Default.AuditLine);
        var line = new byte[json.Length + 1];
        json.CopyTo(line, 0);
        line[^1] = (byte)'\n';
        return line;
    }

    /// <summary>One line read back from <c>audit.log</c>; null when it is not a well-formed entry (a line cut short by a crash).</summary>
    public static AuditLine? Parse(string line)
    {
        try
        {
            return JsonSerializer.Deserialize(line, AuditLineContext.Default.AuditLine);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AuditLine))]
internal sealed partial class AuditLineContext : JsonSerializerContext;
