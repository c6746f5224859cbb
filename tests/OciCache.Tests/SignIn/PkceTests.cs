using OciCache.SignIn;

namespace OciCache.Tests.SignIn;

public sealed class PkceTests
{
    [Fact]
    public void Challenge_Rfc7636AppendixB_MatchesTheSpec()
    {
        Assert.Equal("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", Pkce.Challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"));
    }

    [Fact]
    public void CreateVerifier_Always_43UnreservedCharactersAndNewEachTime()
    {
        var verifiers = Enumerable.Range(0, 50).Select(_ => Pkce.CreateVerifier()).ToList();

        Assert.All(verifiers, v => Assert.Matches("^[A-Za-z0-9_-]{43}$", v));
        Assert.Equal(50, verifiers.Distinct().Count());
    }
}
