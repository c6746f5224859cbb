using System.Text;
using System.Text.Json;
using OciCache.Oci;

namespace OciCache.Tests.Oci;

public sealed class AnnotationLimitsTests
{
    [Fact]
    public void ForDescriptor_KeepsEntriesInOrderThatFit_AndDropsTheRest()
    {
        var big = new string('b', 3000);
        var json = $$"""{ "a": "1", "big1": "{{big}}", "big2": "{{big}}", "z": "2" }""";

        var cut = AnnotationLimits.ForDescriptor(json)!;

        Assert.Equal($$"""{"a":"1","big1":"{{big}}","z":"2"}""", cut);
        Assert.True(Encoding.UTF8.GetByteCount(cut) <= AnnotationLimits.MaxDescriptorBytes);
    }

    [Fact]
    public void ForDescriptor_OfSmallAnnotations_IsTheSameObjectCompacted() =>
        Assert.Equal("""{"k":"v","x":"y"}""", AnnotationLimits.ForDescriptor("""{ "k" : "v", "x": "y" }"""));

    [Fact]
    public void ForDescriptor_WhenNothingFitsOrNothingIsThere_IsNull()
    {
        Assert.Null(AnnotationLimits.ForDescriptor(null));
        Assert.Null(AnnotationLimits.ForDescriptor("{}"));
        Assert.Null(AnnotationLimits.ForDescriptor(JsonSerializer.Serialize(new Dictionary<string, string> { ["huge"] = new('h', 5000) })));
    }
}
