using System.Globalization;
using OciCache.Oci;

namespace OciCache.Registry;

/// <summary>
/// One configured quota (<see cref="QuotaOptions"/>), parsed: its name, patterns and limit, the gate that
/// serialises its check-and-write in this process, and its last measured use (what metrics read).
/// </summary>
public sealed class Quota
{
    private long _usedBytes;
    private long _measuredAtTicks = long.MinValue;

    public Quota(string name, IReadOnlyList<RepositoryPattern> repositories, long maxBytes)
    {
        Name = name;
        Repositories = repositories;
        MaxBytes = maxBytes;
    }

    public string Name { get; }

    public IReadOnlyList<RepositoryPattern> Repositories { get; }

    public long MaxBytes { get; }

    /// <summary>One check-and-write at a time: two uploads that each fit alone cannot both pass the check.</summary>
    internal SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>The use as last measured (or as a write just admitted raised it).</summary>
    public long UsedBytes => Interlocked.Read(ref _usedBytes);

    internal DateTimeOffset? MeasuredAt => Interlocked.Read(ref _measuredAtTicks) is var ticks and not long.MinValue ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    /// <summary>Local repositories only: a mirror holds cached upstream content, which the cache budget governs.</summary>
    public bool Covers(Repository repository) => !repository.IsMirror && Storage.QuotaUsage.Covers(Repositories, repository.Name);

    internal void Record(long usedBytes, DateTimeOffset at)
    {
        Interlocked.Exchange(ref _usedBytes, usedBytes);
        Interlocked.Exchange(ref _measuredAtTicks, at.UtcTicks);
    }

    /// <summary>The refusal's text: <c>quota "team-a" would be exceeded: 9.8 GiB used of 10 GiB, this push adds 512 MiB</c>.</summary>
    public string Refusal(long usedBytes, long addedBytes) =>
        $"quota \"{Name}\" would be exceeded: {Format(usedBytes)} used of {Format(MaxBytes)}, this push adds {Format(addedBytes)}";

    /// <summary>Bytes in binary units with at most one decimal (<c>512 MiB</c>, <c>9.8 GiB</c>, <c>700 B</c>).</summary>
    public static string Format(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        var value = (double)bytes;
        var unit = 0;
        while (Math.Abs(value) >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        // Rounded down, so a use just under the limit never reads as the limit itself.
        var shown = Math.Floor(value * 10) / 10;
        return $"{shown.ToString("0.#", CultureInfo.InvariantCulture)} {units[unit]}";
    }

    /// <summary>Letters, digits, <c>.</c>, <c>_</c> and <c>-</c>: safe as a metric label and in a message.</summary>
    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
}
