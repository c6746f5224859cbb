using System.Text;

namespace OciCache.Cli;

/// <summary>
/// Text from untrusted input made safe for a terminal: a bundle's image names, names clients pushed, an
/// upstream's tags and error texts, file names found in the data folder. A control character (ESC starts
/// the sequences that move the cursor, clear the screen or retitle the window; CR and LF forge lines) is
/// written as a visible escape (<c>\x1b</c>, <c>\r</c>, <c>\n</c>), so one message stays one line and
/// says only what it says. Every line the CLI prints from such input goes through <see cref="Escape"/>.
/// </summary>
internal static class TerminalText
{
    public static string Escape(string text)
    {
        if (!text.Any(char.IsControl))
        {
            return text;
        }

        var escaped = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            escaped.Append(c switch
            {
                '\r' => @"\r",
                '\n' => @"\n",
                '\t' => @"\t",
                _ when char.IsControl(c) => $@"\x{(int)c:x2}",
                _ => c.ToString(),
            });
        }

        return escaped.ToString();
    }
}
