using Lockbox.Storage;
using Xunit;

namespace Lockbox.Tests.Storage;

public sealed class ContentRangeTests
{
    [Fact]
    public void A_well_formed_header_gives_first_last_and_size()
    {
        Assert.True(ContentRange.TryParse("bytes 996-999/1000", out long first, out long last, out long size));
        Assert.Equal((996L, 999L, 1000L), (first, last, size));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("bytes */1000")]
    [InlineData("bytes 10-5/1000")]
    [InlineData("bytes 0-1000/1000")]
    [InlineData("items 0-1/2")]
    [InlineData("bytes -1-5/10")]
    public void Malformed_or_unsatisfied_headers_are_refused(string? header)
    {
        Assert.False(ContentRange.TryParse(header, out _, out _, out _));
    }
}
