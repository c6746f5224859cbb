using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace OciCache.Settings;

/// <summary>
/// A whole-number setting with a lower bound (and an upper one with <see cref="Maximum"/>). The failure
/// names the key, <c>&lt;section&gt;:&lt;property&gt;</c>, and the value, then <see cref="Reason"/> if given.
/// </summary>
/// <param name="section">The key of the section the property sits in (<c>Uploads</c>, <c>Auth:AuditLog</c>).</param>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class AtLeastAttribute(string section, long minimum) : ValidationAttribute
{
    public long Maximum { get; set; } = long.MaxValue;

    /// <summary>Why the bound is what it is, appended to the message.</summary>
    public string? Reason { get; set; }

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        var number = Convert.ToInt64(value, CultureInfo.InvariantCulture);
        if (number >= minimum && number <= Maximum)
        {
            return ValidationResult.Success;
        }

        var rule = Maximum != long.MaxValue ? $"is not between {minimum} and {Maximum}"
            : minimum switch { 0 => "must not be negative", 1 => "must be more than zero", _ => $"must be at least {minimum}" };
        return new ValidationResult($"{section}:{validationContext.MemberName}: {number} {rule}{(Reason is null ? "" : $" ({Reason})")}.");
    }
}
