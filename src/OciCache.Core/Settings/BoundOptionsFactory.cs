using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Options;

namespace OciCache.Settings;

/// <summary>
/// Hands out an options instance that was bound before the container was built (the host binds the whole
/// settings tree once, from file, environment and flags; a test sets it in code), after running every
/// <see cref="IValidateOptions{TOptions}"/> registered for it. <c>ValidateOnStart</c> asks for it when the
/// host starts, so a bad value stops the start with every failure, each naming its key.
/// </summary>
internal sealed class BoundOptionsFactory<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions>(TOptions instance, IEnumerable<IValidateOptions<TOptions>> validators)
    : IOptionsFactory<TOptions>
    where TOptions : class
{
    public TOptions Create(string name)
    {
        var failures = new List<string>();
        foreach (var validator in validators)
        {
            if (validator.Validate(name, instance) is { Failed: true } result)
            {
                failures.AddRange(result.Failures ?? [result.FailureMessage]);
            }
        }

        return failures.Count == 0 ? instance : throw new OptionsValidationException(name, typeof(TOptions), failures);
    }
}
