using System.Globalization;

namespace OciCache.Testing.Backends;

/// <summary>
/// The <c>ceph.conf</c> of the single-node test cluster: one monitor, one in-memory (memstore) OSD and one
/// RGW, all on 127.0.0.1, without authentication, and every file (data, sockets, logs, pids) under one
/// temp folder. The settings are the ones verified on Debian 12's Ceph 16 (docs: shared/SCALEOUT.md).
/// </summary>
public static class CephConf
{
    /// <summary>The RGW daemon's name, whose section carries its frontend.</summary>
    public const string RgwName = "client.rgw.ocicache";

    public static string Render(string root, Guid fsid, int monPort, int rgwPort, long memstoreBytes)
    {
        // Without "crc" on every messenger mode, radosgw retries for 300 s on get_initial_auth_request returned -13.
        var modes = string.Join('\n', new[] { "mon client", "mon cluster", "mon service", "client", "cluster", "service" }
            .Select(mode => $"ms {mode} mode = crc"));
        return string.Create(CultureInfo.InvariantCulture, $"""
            [global]
            fsid = {fsid}
            mon host = v2:127.0.0.1:{monPort}
            public addr = 127.0.0.1
            cluster addr = 127.0.0.1
            auth cluster required = none
            auth service required = none
            auth client required = none
            {modes}
            osd pool default size = 1
            osd pool default min size = 1
            osd pool default pg num = 8
            osd pool default pgp num = 8
            osd crush chooseleaf type = 0
            mon allow pool size one = true
            run dir = {root}/run
            admin socket = {root}/run/$cluster-$name.$pid.asok
            pid file = {root}/run/$cluster-$name.pid
            log file = {root}/log/$cluster-$name.log
            mon cluster log file = {root}/log/$cluster.log
            log to stderr = false
            err to stderr = true
            debug ms = 0

            [mon]
            mon data = {root}/mon/$cluster-$id

            [osd]
            osd data = {root}/osd/$cluster-$id
            osd objectstore = memstore
            memstore device bytes = {memstoreBytes}

            [{RgwName}]
            rgw frontends = beast endpoint=127.0.0.1:{rgwPort}
            rgw data = {root}/rgw
            debug rgw = 1

            """);
    }
}
