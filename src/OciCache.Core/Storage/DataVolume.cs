namespace OciCache.Storage;

/// <summary>The data folder on a local file system, as <see cref="DataLayout"/> describes it.</summary>
public sealed class DataVolume(DataLayout layout) : IStorageVolume
{
    public long FreeBytes => new DriveInfo(layout.Root).AvailableFreeSpace;

    public string TokenKeyPath => layout.TokenKey;
}
