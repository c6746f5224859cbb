namespace OciCache.Oci;

/// <summary>
/// The one exception that carries a <see cref="Failure"/>, for the places where unwinding is the natural
/// flow (a manifest that does not parse, a chunk out of order, a name that does not route). Whoever
/// catches it has the failure whole; the host's middleware answers it as the failure's kind maps.
/// </summary>
/// <param name="failure">What failed, whole.</param>
/// <param name="inner">The exception it was made from (a SQLite or IO error Storage translated), for the log.</param>
public sealed class FailureException(Failure failure, Exception? inner = null) : Exception(failure.Message, inner)
{
    public Failure Failure { get; } = failure;
}
