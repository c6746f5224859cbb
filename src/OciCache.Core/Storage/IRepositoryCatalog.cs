using OciCache.Oci;

namespace OciCache.Storage;

/// <summary>The repositories metadata knows: one exists once a blob or manifest was stored in it.</summary>
public interface IRepositoryCatalog
{
    ValueTask<bool> ExistsAsync(Repository repository, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stored names in lexical order after <paramref name="after"/>. Names, not <see cref="Repository"/>
    /// values: the catalog lists them as they are stored, and the caller filters them by name.
    /// </summary>
    Task<IReadOnlyList<string>> ListAsync(int limit, string? after, CancellationToken cancellationToken = default);
}
