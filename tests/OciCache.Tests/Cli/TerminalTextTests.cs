using OciCache.Cli;

namespace OciCache.Tests.Cli;

public sealed class TerminalTextTests
{
    [Theory]
    [InlineData("docker.io/library/nginx:1.27", "docker.io/library/nginx:1.27")]
    [InlineData("site/app\u001b[2J:v1", @"site/app\x1b[2J:v1")]
    [InlineData("a\r\nb\tc\u0007\u007f\u009b", @"a\r\nb\tc\x07\x7f\x9b")]
    public void Escape_ControlCharacters_AreWrittenVisibly(string text, string expected) =>
        Assert.Equal(expected, TerminalText.Escape(text));
}
