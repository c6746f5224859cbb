using OciCache.Access;

namespace OciCache.Tests.Cli;

public sealed class RobotExpiryTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 13, 20, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("90d", "2027-03-01T13:20:00Z")]
    [InlineData("12h", "2026-12-02T01:20:00Z")]
    [InlineData("1h", "2026-12-01T14:20:00Z")]
    [InlineData("2026-12-31", "2026-12-31T00:00:00Z")]
    [InlineData("2026-12-31T18:00:00Z", "2026-12-31T18:00:00Z")]
    [InlineData("2026-12-31T18:00:00+01:00", "2026-12-31T17:00:00Z")]
    [InlineData("2026-12-31T18:00", "2026-12-31T18:00:00Z")]
    public void TryParse_DurationDayOrInstant_GivesTheInstant(string text, string expected)
    {
        Assert.True(RobotExpiry.TryParse(text, Now, out var expiresAt, out var error), error);

        Assert.Equal(expected, RobotExpiry.Format(expiresAt));
    }

    [Theory]
    [InlineData("0d", "not a duration")]
    [InlineData("0h", "not a duration")]
    [InlineData("99999d", "not a duration")]
    [InlineData("90D", "neither a duration")]
    [InlineData("90", "neither a duration")]
    [InlineData("-1d", "neither a duration")]
    [InlineData("90d\n", "neither a duration")]
    [InlineData("90 d", "neither a duration")]
    [InlineData("tomorrow", "neither a duration")]
    [InlineData("2026-02-30", "neither a duration")]
    [InlineData("31.12.2026", "neither a duration")]
    [InlineData("2026-11-30", "2026-11-30T00:00:00Z has passed")]
    [InlineData("2026-12-01T13:20:00Z", "has passed")]
    public void TryParse_BadOrPast_FailsNamingTheFlag(string text, string reason)
    {
        Assert.False(RobotExpiry.TryParse(text, Now, out _, out var error));

        Assert.StartsWith("--expires: ", error);
        Assert.Contains(reason, error);
    }
}
