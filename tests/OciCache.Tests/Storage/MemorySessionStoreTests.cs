using OciCache.Storage;
using OciCache.Testing.Storage;

namespace OciCache.Tests.Storage;

// The in-memory session stores against their contracts; "two replicas" are one instance here, as in one process.

public sealed class MemoryConsoleSessionStoreTests : ConsoleSessionStoreContract
{
    private readonly MemoryConsoleSessionStore _store = new(); // initialized before the base constructor calls Create

    protected override IConsoleSessionStore Create() => _store;
}

public sealed class MemoryPendingSignInStoreTests : PendingSignInStoreContract
{
    private readonly MemoryPendingSignInStore _store = new();

    protected override IPendingSignInStore Create() => _store;
}

public sealed class MemorySignInFailureStoreTests : SignInFailureStoreContract
{
    private readonly MemorySignInFailureStore _store = new();

    protected override ISignInFailureStore Create() => _store;
}
