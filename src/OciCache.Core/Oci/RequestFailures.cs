namespace OciCache.Oci;

// The refusals only a request can earn; the host raises them, Core never does.

/// <summary>
/// A request without valid credentials. <see cref="Challenge"/> is the <c>WWW-Authenticate</c> value that
/// tells the client where to get a token; without one, the answer challenges for Basic.
/// </summary>
public sealed record Unauthorized(string? Detail, string? Challenge = null) : Failure("authentication required", Detail);

/// <summary>An operation the registry does not do (a method on a route, a grant type, sign-in without OIDC).</summary>
public sealed record Unsupported(string Message, string? Detail) : Failure(Message, Detail);

/// <summary>A management or console request whose body or parameters are not what it takes.</summary>
public sealed record RequestInvalid : Failure
{
    public RequestInvalid(string detail)
        : base("invalid request", detail)
    {
    }
}

/// <summary>A query parameter of a listing that does not parse (<c>last</c>, <c>artifactType</c>, <c>range</c>, <c>limit</c>).</summary>
public sealed record QueryInvalid(string Message, string Detail) : Failure(Message, Detail);

/// <summary>The <c>n</c> of a paged listing is not a page size.</summary>
public sealed record PageSizeInvalid(string Message, string Detail) : Failure(Message, Detail);

/// <summary>A request Kestrel refused to read (malformed, too slow, headers too large).</summary>
public sealed record BadRequest(string Detail) : Failure("bad request", Detail);

/// <summary>An unexpected fault; the detail names only the request's id, the log has the rest.</summary>
public sealed record InternalError(string Detail) : Failure("internal server error", Detail);
