using System.Diagnostics.CodeAnalysis;

namespace OciCache.Settings;

/// <summary>
/// Marks a record that is one section of the settings tree (<c>Cache</c>, <c>Upstreams:&lt;name&gt;</c>,
/// <c>Sync:Jobs:0:Tags</c>): its public settable properties are its keys, and nothing else lists them.
/// </summary>
/// <remarks>
/// <see cref="DynamicallyAccessedMembersAttribute"/> on the interface keeps the public properties of every
/// type that implements it under trimming and Native AOT, so the host can walk the tree by reflection to find
/// keys that bind to nothing (and the nearest that would) without a hand-written list of keys.
/// </remarks>
[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicProperties)]
public interface ISettingsSection;
