namespace OciCache.Lifecycle;

/// <summary>
/// Spells a pin's repository part, written when a pin's <c>*</c> crossed <c>/</c>, in the one dialect
/// (<see cref="PinPattern"/> says what maps to what and why).
/// </summary>
internal static class PinSpelling
{
    private const string AnyDepth = "**";

    /// <summary>The repository part with <c>**</c> beside each <c>*</c> that ends or starts a segment; runs of <c>*</c> already collapsed.</summary>
    public static string Rewrite(string repository)
    {
        var segments = repository.Split('/');
        var spelled = new List<string>(segments.Length + 2);
        for (var i = 0; i < segments.Length; i++)
        {
            var segment = segments[i];
            var before = i > 0 && segments[i - 1] == AnyDepth;
            var after = i + 1 < segments.Length && segments[i + 1] == AnyDepth;

            // A * that starts a segment reached up across segments; a whole-segment * is handled below alone,
            // as one or more segments (*/**).
            if (segment != AnyDepth && segment != "*" && segment.StartsWith('*') && !before)
            {
                AddAnyDepth(spelled);
            }

            spelled.Add(segment);

            // A * that ends a segment reached down across segments.
            if (segment != AnyDepth && segment.EndsWith('*') && !after && !(segment == "*" && before))
            {
                AddAnyDepth(spelled);
            }
        }

        return string.Join('/', spelled);
    }

    /// <summary>An added <c>**</c> next to another is none: the same names.</summary>
    private static void AddAnyDepth(List<string> spelled)
    {
        if (spelled.Count == 0 || spelled[^1] != AnyDepth)
        {
            spelled.Add(AnyDepth);
        }
    }
}
