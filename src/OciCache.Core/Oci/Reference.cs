using System.Diagnostics.CodeAnalysis;

namespace OciCache.Oci;

/// <summary>The <c>&lt;reference&gt;</c> of a manifest URL: a tag or a digest, never both.</summary>
public readonly record struct Reference
{
    private Reference(string? tag, Digest digest)
    {
        Tag = tag;
        Digest = digest;
    }

    public string? Tag { get; }

    public Digest Digest { get; }

    [MemberNotNullWhen(true, nameof(Tag))]
    public bool IsTag => Tag is not null;

    public static Reference ForTag(string tag) => new(tag, default);

    public static Reference ForDigest(Digest digest) => new(null, digest);

    /// <summary>A value with a colon must be a valid digest; anything else must be a valid tag.</summary>
    public static bool TryParse(string? value, out Reference reference)
    {
        reference = default;
        if (value is null)
        {
            return false;
        }

        if (value.Contains(':'))
        {
            if (!Digest.TryParse(value, out var digest))
            {
                return false;
            }

            reference = ForDigest(digest);
            return true;
        }

        if (!RepositoryName.IsValidTag(value))
        {
            return false;
        }

        reference = ForTag(value);
        return true;
    }

    public override string ToString() => Tag ?? Digest.ToString();
}
