using OciCache.Oci;
using OciCache.Registry;

namespace OciCache.Endpoints;

/// <summary>Routes a request's repository name, with its <c>?ns=</c>, and echoes <c>OCI-Namespace</c> for mirrors.</summary>
internal sealed class RepositoryResolver(RepositoryRouter router)
{
    public Repository Resolve(HttpContext context, string name)
    {
        var ns = context.Request.Query["ns"].ToString();
        var repository = router.Route(name, ns);
        if (repository.IsMirror)
        {
            context.Response.Headers["OCI-Namespace"] = ns.Length > 0 ? ns : repository.Upstream;
        }

        return repository;
    }
}
