using System.ComponentModel.DataAnnotations;

namespace OciCache.Settings;

/// <summary>
/// A <see cref="TimeSpan"/> setting that must be more than zero, or zero or more with
/// <see cref="AllowZero"/>. The failure names the key, <c>&lt;section&gt;:&lt;property&gt;</c>, and the value.
/// </summary>
/// <param name="section">The key of the section the property sits in (<c>Cache</c>, <c>Auth</c>).</param>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class DurationAttribute(string section) : ValidationAttribute
{
    public bool AllowZero { get; set; }

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext) =>
        value is not TimeSpan duration || duration > TimeSpan.Zero || (AllowZero && duration == TimeSpan.Zero)
            ? ValidationResult.Success
            : new ValidationResult(
                $"{section}:{validationContext.MemberName}: {duration} must be {(AllowZero ? "zero or more" : "more than zero")} (format d.hh:mm:ss).");
}
