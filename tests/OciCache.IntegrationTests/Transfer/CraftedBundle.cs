using System.Formats.Tar;
using System.Text;
using OciCache.Oci;
using OciCache.Transfer;

namespace OciCache.IntegrationTests.Transfer;

/// <summary>
/// An OCI image layout written by a test, byte by byte, as a hostile or broken bundle author would: blobs,
/// index.json entries named at will, written as a folder or a tar.
/// </summary>
internal sealed class CraftedBundle
{
    private readonly List<TestBlob> _blobs = [];
    private readonly List<(string Name, TestBlob Root)> _entries = [];

    public IReadOnlyList<TestBlob> Blobs => _blobs;

    public TestBlob Add(TestBlob blob)
    {
        if (!_blobs.Any(b => b.Digest == blob.Digest))
        {
            _blobs.Add(blob);
        }

        return blob;
    }

    /// <summary>An image manifest over a config and these layers, all added.</summary>
    public TestBlob Image(IEnumerable<TestBlob> layers, string? annotationsJson = null)
    {
        var config = Add(TestBlob.Json("application/vnd.oci.image.config.v1+json", """{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"""));
        var list = layers.Select(Add).ToList();
        var annotations = annotationsJson is null ? "" : $",\"annotations\":{annotationsJson}";
        return Add(TestBlob.Json(MediaTypes.OciManifest,
            $$"""{"schemaVersion":2,"mediaType":"{{MediaTypes.OciManifest}}","config":{{config.DescriptorJson()}},"layers":[{{string.Join(",", list.Select(l => l.DescriptorJson()))}}]{{annotations}}}"""));
    }

    /// <summary>An OCI index listing these manifests, added.</summary>
    public TestBlob Index(IEnumerable<TestBlob> manifests) => Add(TestBlob.Json(MediaTypes.OciIndex,
        $$"""{"schemaVersion":2,"mediaType":"{{MediaTypes.OciIndex}}","manifests":[{{string.Join(",", manifests.Select(m => m.DescriptorJson()))}}]}"""));

    /// <summary>An index.json entry: <paramref name="root"/> goes to <paramref name="name"/> (written as given, unescaped by JSON rules only).</summary>
    public void Entry(string name, TestBlob root) => _entries.Add((name, root));

    public byte[] IndexJson()
    {
        var entries = _entries.Select(e =>
            $$$"""{"mediaType":"{{{e.Root.MediaType}}}","digest":"{{{e.Root.Digest}}}","size":{{{e.Root.Size}}},"annotations":{"{{{OciLayout.RefNameAnnotation}}}":"{{{System.Text.Json.JsonEncodedText.Encode(e.Name)}}}"}}""");
        return Encoding.UTF8.GetBytes($$"""{"schemaVersion":2,"mediaType":"{{MediaTypes.OciIndex}}","manifests":[{{string.Join(",", entries)}}]}""");
    }

    public void WriteFolder(string directory)
    {
        Directory.CreateDirectory(Path.Combine(directory, "blobs", "sha256"));
        File.WriteAllText(Path.Combine(directory, OciLayout.LayoutFile), OciLayout.LayoutContent);
        File.WriteAllBytes(Path.Combine(directory, OciLayout.IndexFile), IndexJson());
        foreach (var blob in _blobs)
        {
            File.WriteAllBytes(Path.Combine(directory, "blobs", "sha256", blob.Hex), blob.Bytes);
        }
    }

    /// <summary>The layout as a tar; <paramref name="extra"/> writes more entries after the blobs.</summary>
    public void WriteTar(string path, Action<TarWriter>? extra = null)
    {
        using var file = File.Create(path);
        using (var tar = new TarWriter(file, TarEntryFormat.Gnu, leaveOpen: true))
        {
            WriteEntry(tar, OciLayout.LayoutFile, Encoding.UTF8.GetBytes(OciLayout.LayoutContent));
            WriteEntry(tar, OciLayout.IndexFile, IndexJson());
            foreach (var blob in _blobs)
            {
                WriteEntry(tar, OciLayout.BlobPath(blob.Digest), blob.Bytes);
            }

            extra?.Invoke(tar);
        }
    }

    public static void WriteEntry(TarWriter tar, string name, byte[] content) =>
        tar.WriteEntry(new GnuTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content) });

    /// <summary>
    /// Turns the tar's last entry named <paramref name="name"/> into a GNU sparse entry (type 'S'), as GNU tar
    /// writes for a file with holes: the type flag changed, the header checksum made right again.
    /// </summary>
    public static void MakeSparse(string tarPath, string name)
    {
        var bytes = File.ReadAllBytes(tarPath);
        var header = FindHeader(bytes, name);
        bytes[header + 156] = (byte)'S';
        Array.Fill(bytes, (byte)' ', header + 148, 8);
        var sum = 0;
        for (var i = 0; i < 512; i++)
        {
            sum += bytes[header + i];
        }

        Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(bytes, header + 148);
        File.WriteAllBytes(tarPath, bytes);
    }

    private static int FindHeader(byte[] tar, string name)
    {
        var wanted = Encoding.ASCII.GetBytes(name + "\0");
        for (var offset = 0; offset + 512 <= tar.Length; offset += 512)
        {
            if (tar.AsSpan(offset, wanted.Length).SequenceEqual(wanted) && tar[offset + 257] == (byte)'u')
            {
                return offset;
            }
        }

        throw new InvalidOperationException($"no tar header names {name}");
    }
}
