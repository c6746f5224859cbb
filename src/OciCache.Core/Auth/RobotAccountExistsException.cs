namespace OciCache.Auth;

/// <summary>The <see cref="InvalidOperationException"/> of <see cref="IRobotAccounts.AddAsync"/> for a name already taken.</summary>
public sealed class RobotAccountExistsException(string name) : InvalidOperationException($"The robot account '{name}' exists.")
{
    public string Name { get; } = name;
}
