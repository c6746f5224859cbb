using OciCache.Oci;
using OciCache.Storage;
using Xunit;

namespace OciCache.Testing.Storage;

/// <summary>The contract every <see cref="IRepositoryCatalog"/> must keep; one subclass per backend.</summary>
public abstract class RepositoryCatalogContract : MetadataContract
{
    [Fact]
    public async Task Exists_OnceABlobOrManifestWasStoredInIt()
    {
        var catalog = Backend.Catalog;
        Assert.False(await catalog.ExistsAsync(App)); // read (and, where cached, cache) before the change
        Assert.False(await catalog.ExistsAsync(Other));

        await Blobs.AddBlobAsync(App, A, 1);
        await Manifests.PutManifestAsync(Other, Manifest(B), [], "v1");

        Assert.True(await catalog.ExistsAsync(App));
        Assert.True(await catalog.ExistsAsync(Other));
        Assert.False(await catalog.ExistsAsync(Repository.Local("nope")));
    }

    [Fact]
    public async Task List_PagesStoredNamesLexically()
    {
        foreach (var repository in new[] { Repository.Local("b"), Repository.Mirror("hub", "library/a"), Repository.Local("a") })
        {
            await Blobs.AddBlobAsync(repository, A, 1);
        }

        Assert.Equal(["a", "b"], await Backend.Catalog.ListAsync(2, null));
        Assert.Equal(["hub/library/a"], await Backend.Catalog.ListAsync(2, "b"));
        Assert.Empty(await Backend.Catalog.ListAsync(2, "hub/library/a"));
    }
}
