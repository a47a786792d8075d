using Lockbox.Keys;
using Xunit;

namespace Lockbox.Tests.Keys;

public class BackupKeyTests
{
    private const string Digits = "00112233445566778899aabbccddeeff0123456789abcdeffedcba9876543210";

    [Fact]
    public void Key_is_shown_as_64_lowercase_digits_in_16_groups_of_4()
    {
        using var key = BackupKey.Parse(Digits);
        string shown = key.ToDisplayString();
        Assert.Equal("0011 2233 4455 6677 8899 aabb ccdd eeff 0123 4567 89ab cdef fedc ba98 7654 3210", shown);
        Assert.Equal(16, shown.Split(' ').Length);
    }

    [Theory]
    [InlineData("0011 2233 4455 6677 8899 AABB CCDD EEFF 0123 4567 89AB CDEF FEDC BA98 7654 3210")]
    [InlineData("0011-2233-4455-6677-8899-aabb-ccdd-eeff-0123-4567-89ab-cdef-fedc-ba98-7654-3210")]
    [InlineData("00112233445566778899aabbccddeeff\n0123456789abcdeffedcba9876543210\n")]
    [InlineData("  0011 2233 4455 6677\r\n8899 aabb ccdd eeff\r\n0123 4567 89ab cdef\r\nfedc ba98 7654 3210  ")]
    public void Parsing_accepts_upper_case_spaces_dashes_and_line_breaks(string text)
    {
        using var expected = BackupKey.Parse(Digits);
        using var key = BackupKey.Parse(text);
        Assert.Equal(expected.Bytes.ToArray(), key.Bytes.ToArray());
    }

    [Theory]
    [InlineData("")]
    [InlineData("0011")]
    [InlineData(Digits + "0")]
    [InlineData("0011223344556677889gaabbccddeeff0123456789abcdeffedcba9876543210")]
    [InlineData("0x112233445566778899aabbccddeeff0123456789abcdeffedcba9876543210")]
    public void Malformed_keys_are_refused_without_echoing_the_input(string text)
    {
        var error = Assert.Throws<FormatException>(() => BackupKey.Parse(text));
        if (text.Length > 8)
        {
            Assert.DoesNotContain(text[..8], error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Generated_keys_are_random_and_round_trip_through_their_display_form()
    {
        using var a = BackupKey.Generate();
        using var b = BackupKey.Generate();
        Assert.NotEqual(a.Bytes.ToArray(), b.Bytes.ToArray());
        using var parsed = BackupKey.Parse(a.ToDisplayString());
        Assert.Equal(a.Bytes.ToArray(), parsed.Bytes.ToArray());
    }

    [Fact]
    public void ToString_never_reveals_the_key()
    {
        using var key = BackupKey.Parse(Digits);
        Assert.DoesNotContain("0011", key.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Disposed_key_is_zeroed_and_unusable()
    {
        var key = BackupKey.Parse(Digits);
        key.Dispose();
        Assert.Throws<ObjectDisposedException>(() => key.Bytes.ToArray());
    }
}
