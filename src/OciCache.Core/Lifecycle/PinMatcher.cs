namespace OciCache.Lifecycle;

/// <summary>
/// A list of pins (<see cref="PinPattern"/>), each parsed once. A pin that does not parse pins nothing: the
/// configured ones are checked at start and the runtime ones when they are added, so it can only be one
/// stored before patterns were checked.
/// </summary>
public sealed class PinMatcher
{
    private readonly List<PinPattern> _pins = [];

    public PinMatcher(IEnumerable<string> patterns)
    {
        foreach (var pattern in patterns)
        {
            if (PinPattern.TryParse(pattern, out var pin, out _))
            {
                _pins.Add(pin);
            }
        }
    }

    public bool IsEmpty => _pins.Count == 0;

    /// <summary>True when a manifest of <paramref name="repository"/> with these tags (possibly none) is pinned.</summary>
    public bool IsPinned(string repository, IReadOnlyList<string> tags)
    {
        foreach (var pin in _pins)
        {
            if (pin.IsPinned(repository, tags))
            {
                return true;
            }
        }

        return false;
    }
}
