namespace OciCache.Trust;

/// <summary>A key file that cannot serve as a trust key: missing, unreadable, not a public key, or of a type not supported. The message names the file.</summary>
public sealed class TrustKeyException : Exception
{
    public TrustKeyException(string message)
        : base(message)
    {
    }

    public TrustKeyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
