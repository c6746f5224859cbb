using OciCache.Storage;
using Xunit;

namespace OciCache.Testing.Storage;

/// <summary>The contract every <see cref="IUploadIndex"/> must keep; one subclass per backend.</summary>
public abstract class UploadIndexContract : MetadataContract
{
    private const string Id = "0123456789abcdef0123456789abcdef";

    [Fact]
    public async Task Uploads_AreCreatedResizedListedAndDeleted()
    {
        var uploads = Backend.Uploads;
        var now = DateTimeOffset.UtcNow;
        await uploads.CreateUploadAsync(new UploadRecord(Id, "app", 0, now, now));

        await uploads.SetUploadSizeAsync(Id, 42, now);

        Assert.Equal(42, (await uploads.GetUploadAsync(Id))!.Size);
        Assert.Single(await uploads.ListUploadsAsync());
        await uploads.DeleteUploadAsync(Id);
        Assert.Null(await uploads.GetUploadAsync(Id));
    }

    [Fact]
    public async Task ListUploads_IsOldestFirst_WithTheRepositoryAndTimesAsWritten()
    {
        var uploads = Backend.Uploads;
        var older = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
        var newer = older.AddMinutes(5);
        await uploads.CreateUploadAsync(new UploadRecord(Id.Replace('0', 'f'), "other", 0, newer, newer));
        await uploads.CreateUploadAsync(new UploadRecord(Id, "app", 3, older, newer));

        var listed = await uploads.ListUploadsAsync();

        Assert.Equal([Id, Id.Replace('0', 'f')], listed.Select(u => u.Id));
        Assert.Equal(new UploadRecord(Id, "app", 3, older, newer), listed[0]);
    }
}
