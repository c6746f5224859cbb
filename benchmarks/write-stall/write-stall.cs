#:project ../../src/OciCache.Core/OciCache.Core.csproj
// How long a one-byte push waits for the metadata database behind the worst manifest a client may push
// (issue 11, item 3; issue 18, conformance): ManifestWriter.MaxReferences references and annotations up to
// the 4 MiB manifest limit (stored cut to AnnotationLimits.MaxDescriptorBytes), on a database already
// holding many manifests with the most annotations a row may keep, plus (with --legacy) rows of multi-MiB
// annotations from before the cut. Two figures: the row's write transaction alone (the database writer's
// queue), and the whole push through ManifestWriter (parse, cut, bytes stored, transaction) with one-byte
// pushes issued back to back while it runs.
//
//   dotnet run benchmarks/write-stall/write-stall.cs -c Release [-- --manifests 5000 --legacy 30 --rounds 5]
using System.Diagnostics;
using System.Text;
using Microsoft.Data.Sqlite;
using OciCache.Oci;
using OciCache.Registry;
using OciCache.Storage;

var manifests = Option("--manifests", 5000);
var legacy = Option("--legacy", 0);
var rounds = Option("--rounds", 5);
var directory = Directory.CreateTempSubdirectory("write-stall").FullName;
using var database = new SqliteDatabase(Path.Combine(directory, "meta.db"));
var index = new SqliteMetadataIndex(database, TimeProvider.System);

var descriptorAnnotations = AnnotationLimits.ForDescriptor(Annotations(ManifestDocument.MaxSize))!;
for (var i = 0; i < manifests; i++)
{
    var digest = Fake($"filler{i}");
    index.AddBlob("site/filler", null, digest, 1);
    index.PutManifest("site/filler", null, new ManifestRecord(Fake($"fm{i}"), MediaTypes.OciManifest, 1000) { AnnotationsJson = descriptorAnnotations }, [digest], null);
}

if (legacy > 0)
{
    // Rows as stored before annotations were cut: written straight into the table.
    using var connection = database.Open();
    for (var i = 0; i < legacy; i++)
    {
        index.PutManifest("site/filler", null, new ManifestRecord(Fake($"legacy{i}"), MediaTypes.OciManifest, 1000), [], null);
        using var update = connection.CreateCommand();
        update.CommandText = "UPDATE manifests SET annotations = $a WHERE digest = $d";
        update.Parameters.AddWithValue("$a", Annotations(4 * 1024 * 1024));
        update.Parameters.AddWithValue("$d", Fake($"legacy{i}").ToString());
        update.ExecuteNonQuery();
    }
}

var layers = Enumerable.Range(0, ManifestWriter.MaxReferences).Select(i => Fake($"layer{i}")).ToList();
foreach (var layer in layers)
{
    index.AddBlob("site/big", null, layer, 1);
}

var bigWrites = new List<double>();
var smallWaits = new List<double>();
for (var round = 0; round < rounds; round++)
{
    var big = new ManifestRecord(Fake($"big{round}"), MediaTypes.OciManifest, 4 * 1024 * 1024) { AnnotationsJson = descriptorAnnotations };
    var bigWatch = Stopwatch.StartNew();
    // As a push: every layer must still be linked, checked in the same transaction.
    var bigWrite = index.PutManifestAsync("site/big", null, big, layers, $"t{round}", linkedBlobs: layers);
    var smallWatch = Stopwatch.StartNew();
    await index.AddBlobAsync("site/small", null, Fake($"small{round}"), 1);
    smallWaits.Add(smallWatch.Elapsed.TotalMilliseconds);
    await bigWrite;
    bigWrites.Add(bigWatch.Elapsed.TotalMilliseconds);
}

var layout = new DataLayout(Path.Combine(directory, "data"));
layout.EnsureCreated();
var writer = new ManifestWriter(index, new FileBlobStore(layout));
var config = Fake("config");
index.AddBlob("site/big", null, config, 2);
var (worst, worstAnnotations) = WorstManifest(config, layers.Take(ManifestWriter.MaxReferences - 1).ToList()); // with the config: the limit
var pushes = new List<double>();
var pushWaits = new List<double>();
for (var round = 0; round < rounds; round++)
{
    var pushWatch = Stopwatch.StartNew();
    var push = Task.Run(() => writer.PutAsync(Repository.Local("site/big"), Reference.ForTag($"p{round}"), new MemoryStream(worst), MediaTypes.OciManifest, CancellationToken.None));
    var n = 0;
    do
    {
        var smallWatch = Stopwatch.StartNew();
        await index.AddBlobAsync("site/small", null, Fake($"push{round}-{n++}"), 1);
        pushWaits.Add(smallWatch.Elapsed.TotalMilliseconds);
    }
    while (!push.IsCompleted);

    await push;
    pushes.Add(pushWatch.Elapsed.TotalMilliseconds);
}

Console.WriteLine($"database: {manifests} manifests with {Encoding.UTF8.GetByteCount(descriptorAnnotations)} B of annotations each, {legacy} legacy rows of 4 MiB");
Console.WriteLine($"worst manifest write ({ManifestWriter.MaxReferences} references): max {bigWrites.Max():F1} ms, median {Median(bigWrites):F1} ms");
Console.WriteLine($"one-byte push queued behind it waited: max {smallWaits.Max():F1} ms, median {Median(smallWaits):F1} ms over {rounds} rounds");
Console.WriteLine($"whole push of a {worst.Length} B manifest ({ManifestWriter.MaxReferences} references, {worstAnnotations} B of annotations) through ManifestWriter: max {pushes.Max():F1} ms, median {Median(pushes):F1} ms");
Console.WriteLine($"one-byte pushes issued while it ran ({pushWaits.Count}) waited: max {pushWaits.Max():F1} ms, median {Median(pushWaits):F1} ms");
SqliteConnection.ClearAllPools();
Directory.Delete(directory, true);

int Option(string name, int fallback) =>
    Array.IndexOf(args, name) is var at and >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1]) : fallback;

static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

static Digest Fake(string seed) => Digest.ComputeSha256(Encoding.UTF8.GetBytes(seed));

// A config and layers, then annotations filling the manifest to just under its 4 MiB limit.
static (byte[] Bytes, int AnnotationBytes) WorstManifest(Digest config, List<Digest> layers)
{
    var descriptors = string.Join(",", layers.Select(l => $$"""{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{{l}}","size":1}"""));
    var head = $$"""{"schemaVersion":2,"mediaType":"{{MediaTypes.OciManifest}}","config":{"mediaType":"{{MediaTypes.OciEmpty}}","digest":"{{config}}","size":2},"layers":[{{descriptors}}],"annotations":""";
    var room = ManifestDocument.MaxSize - Encoding.UTF8.GetByteCount(head) - 1024;
    var target = room;
    var annotations = Annotations(target);
    while (Encoding.UTF8.GetByteCount(annotations) > room)
    {
        annotations = Annotations(target -= 4096);
    }

    return (Encoding.UTF8.GetBytes(head + annotations + "}"), Encoding.UTF8.GetByteCount(annotations));
}

static string Annotations(int bytes)
{
    var entries = Enumerable.Range(0, bytes / 512).Select(i => $"\"org.example.k{i}\":\"{new string('v', 490)}\"");
    return "{" + string.Join(",", entries) + "}";
}
