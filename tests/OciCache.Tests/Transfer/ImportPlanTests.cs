using OciCache.Oci;
using OciCache.Registry;
using OciCache.Transfer;

namespace OciCache.Tests.Transfer;

public sealed class ImportPlanTests
{
    private static readonly Digest Manifest = Digest.ComputeSha256("manifest"u8);

    [Fact]
    public void FirstVisit_SameManifestAndRepository_OnlyOnce_OtherRepositoryAgain()
    {
        var plan = new ImportPlan(new Dictionary<Digest, long>());

        Assert.True(plan.FirstVisit(Repository.Local("site/a"), Manifest));
        Assert.False(plan.FirstVisit(Repository.Local("site/a"), Manifest));
        Assert.True(plan.FirstVisit(Repository.Local("site/b"), Manifest));
    }

    [Fact]
    public void Add_PastMaxSteps_IsRefused()
    {
        var plan = new ImportPlan(new Dictionary<Digest, long>());
        var repository = Repository.Local("site/a");
        plan.Add(Enumerable.Repeat<ImportStep>(new ImportStep.Link(repository, Manifest, 1), ImportPlan.MaxSteps).ToList(), late: false);

        var refused = Assert.Throws<TransferException>(() => plan.Add([new ImportStep.Manifest(repository, Manifest, MediaTypes.OciManifest, "v1")], late: true));

        Assert.Contains($"more than {ImportPlan.MaxSteps} blob links and manifests", refused.Message);
    }

    [Fact]
    public void Read_PastMaxManifestBytes_IsRefused()
    {
        var plan = new ImportPlan(new Dictionary<Digest, long>());
        for (long read = 0; read + ManifestDocument.MaxSize <= ImportPlan.MaxManifestBytes; read += ManifestDocument.MaxSize)
        {
            plan.Read(ManifestDocument.MaxSize);
        }

        Assert.Throws<TransferException>(() => plan.Read(ManifestDocument.MaxSize));
    }
}
