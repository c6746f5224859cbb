namespace OciCache.Registry;

/// <summary>Limits on chunked upload sessions (<c>Uploads</c> in configuration).</summary>
/// <remarks>
/// Each open session is a file and a row kept until it is finished, cancelled or expires
/// (<c>GarbageCollection:UploadExpiry</c>), so a client that only ever starts sessions would fill the
/// volume and the database. A start past a cap is answered 429 TOOMANYREQUESTS; monolithic pushes
/// (<c>POST ?digest=</c>) open no session and are not counted.
/// </remarks>
public sealed record UploadOptions
{
    /// <summary>Open sessions one source address may hold. Behind a reverse proxy every client shares the proxy's address.</summary>
    public int MaxSessionsPerClient { get; set; } = 256;

    /// <summary>Open sessions of all clients together, sessions from before a restart included.</summary>
    public int MaxSessions { get; set; } = 4096;
}
