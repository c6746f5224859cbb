using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace OciCache.Settings;

/// <summary>How every settings section enters the container: the same way for the core's and the host's.</summary>
public static class SettingsServices
{
    /// <summary>
    /// Registers <paramref name="section"/> as <see cref="IOptions{TOptions}"/>, validated by every
    /// <see cref="IValidateOptions{TOptions}"/> registered for it, at start (<c>ValidateOnStart</c>) and on first
    /// use; and as a singleton of <typeparamref name="TOptions"/> itself, which is what the features take. A
    /// singleton registered before this call wins (a test's own options).
    /// </summary>
    public static IServiceCollection AddSettingsSection<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions>(this IServiceCollection services, TOptions section)
        where TOptions : class
    {
        services.AddOptions<TOptions>().ValidateOnStart();
        services.TryAddSingleton<IOptionsFactory<TOptions>>(sp => new BoundOptionsFactory<TOptions>(section, sp.GetServices<IValidateOptions<TOptions>>()));
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<TOptions>>().Value);
        return services;
    }

    /// <summary>Adds <typeparamref name="TValidator"/> to the checks of <typeparamref name="TOptions"/> (once).</summary>
    public static IServiceCollection AddSettingsValidator<TOptions, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TValidator>(this IServiceCollection services)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        return services;
    }
}
