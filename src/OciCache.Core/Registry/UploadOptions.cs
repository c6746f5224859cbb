using OciCache.Settings;

namespace OciCache.Registry;

/// <summary>Limits on chunked upload sessions (<c>Uploads</c> in configuration).</summary>
/// <remarks>
/// Each open session is a file and a row kept until it is finished, cancelled or idle for
/// <see cref="IdleExpiry"/>, so a client that only ever starts sessions would fill the volume and the
/// database. A start that finds a cap reached first ends the sessions idle past <see cref="IdleExpiry"/>
/// (garbage collection ends the others on its interval); if the cap still holds it is answered 429
/// TOOMANYREQUESTS. Monolithic pushes (<c>POST ?digest=</c>) open no session and are not counted.
/// </remarks>
public sealed record UploadOptions : ISettingsSection
{
    /// <summary>Open sessions one source address may hold. Behind a reverse proxy every client shares the proxy's address.</summary>
    [AtLeast("Uploads", 1)]
    public int MaxSessionsPerClient { get; set; } = 256;

    /// <summary>Open sessions of all clients together, sessions from before a restart included.</summary>
    [AtLeast("Uploads", 1)]
    public int MaxSessions { get; set; } = 4096;

    /// <summary>
    /// A session no chunk has touched for this long is abandoned. Clients send a layer's chunks back to back,
    /// so half an hour of silence is a client that went away, even on a thin link.
    /// </summary>
    [Duration("Uploads")]
    public TimeSpan IdleExpiry { get; set; } = TimeSpan.FromMinutes(30);
}
