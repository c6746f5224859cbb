#:project ../../src/OciCache.Core/OciCache.Core.csproj
// How long a one-byte push waits for the metadata database behind the worst manifest a client may push
// (issue 11, item 3): ManifestWriter.MaxReferences references, annotations at the push limit (stored cut
// to AnnotationLimits.MaxDescriptorBytes), on a database already holding many manifests with the most
// annotations a row may keep, plus (with --legacy) rows of multi-MiB annotations from before the cut.
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

var descriptorAnnotations = AnnotationLimits.ForDescriptor(Annotations(AnnotationLimits.MaxPushedBytes))!;
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

Console.WriteLine($"database: {manifests} manifests with {Encoding.UTF8.GetByteCount(descriptorAnnotations)} B of annotations each, {legacy} legacy rows of 4 MiB");
Console.WriteLine($"worst manifest write ({ManifestWriter.MaxReferences} references): max {bigWrites.Max():F1} ms, median {Median(bigWrites):F1} ms");
Console.WriteLine($"one-byte push queued behind it waited: max {smallWaits.Max():F1} ms, median {Median(smallWaits):F1} ms over {rounds} rounds");
SqliteConnection.ClearAllPools();
Directory.Delete(directory, true);

int Option(string name, int fallback) =>
    Array.IndexOf(args, name) is var at and >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1]) : fallback;

static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

static Digest Fake(string seed) => Digest.ComputeSha256(Encoding.UTF8.GetBytes(seed));

static string Annotations(int bytes)
{
    var entries = Enumerable.Range(0, bytes / 512).Select(i => $"\"org.example.k{i}\":\"{new string('v', 490)}\"");
    return "{" + string.Join(",", entries) + "}";
}
