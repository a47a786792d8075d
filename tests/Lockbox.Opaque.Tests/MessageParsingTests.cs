using Lockbox.Opaque.Group;
using Lockbox.Opaque.Messages;
using Xunit;

namespace Lockbox.Opaque.Tests;

public class MessageParsingTests
{
    public static TheoryData<string, int> Messages() => new()
    {
        { nameof(RegistrationRequest), 32 },
        { nameof(RegistrationResponse), 64 },
        { nameof(RegistrationRecord), 192 },
        { nameof(KE1), 96 },
        { nameof(KE2), 320 },
        { nameof(KE3), 64 },
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public void Every_message_has_the_RFC_length(string message, int length)
    {
        int actual = message switch
        {
            nameof(RegistrationRequest) => RegistrationRequest.Length,
            nameof(RegistrationResponse) => RegistrationResponse.Length,
            nameof(RegistrationRecord) => RegistrationRecord.Length,
            nameof(KE1) => KE1.Length,
            nameof(KE2) => KE2.Length,
            _ => KE3.Length,
        };
        Assert.Equal(length, actual);
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void Wrong_lengths_are_rejected_as_invalid_messages(string message, int length)
    {
        foreach (int wrong in new[] { 0, 1, length - 1, length + 1, 2 * length })
        {
            byte[] bytes = ValidBytes(message);
            Array.Resize(ref bytes, wrong);
            var error = Assert.Throws<OpaqueException>(() => Parse(message, bytes));
            Assert.Equal(OpaqueError.InvalidMessage, error.Error);
            Assert.Contains(message, error.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(nameof(RegistrationRequest), 0)]
    [InlineData(nameof(RegistrationResponse), 0)]
    [InlineData(nameof(RegistrationResponse), 32)]
    [InlineData(nameof(RegistrationRecord), 0)]
    [InlineData(nameof(KE1), 0)]
    [InlineData(nameof(KE1), 64)]
    [InlineData(nameof(KE2), 0)]
    [InlineData(nameof(KE2), 224)]
    public void Identity_point_in_any_element_field_is_rejected(string message, int offset)
    {
        byte[] bytes = ValidBytes(message);
        Array.Clear(bytes, offset, 32);
        var error = Assert.Throws<OpaqueException>(() => Parse(message, bytes));
        Assert.Equal(OpaqueError.InvalidMessage, error.Error);
    }

    [Theory]
    [InlineData(nameof(RegistrationRequest), 0)]
    [InlineData(nameof(RegistrationResponse), 32)]
    [InlineData(nameof(RegistrationRecord), 0)]
    [InlineData(nameof(KE1), 64)]
    [InlineData(nameof(KE2), 224)]
    public void Non_canonical_point_in_any_element_field_is_rejected(string message, int offset)
    {
        byte[] bytes = ValidBytes(message);
        bytes.AsSpan(offset, 32).Fill(0xff);
        var error = Assert.Throws<OpaqueException>(() => Parse(message, bytes));
        Assert.Equal(OpaqueError.InvalidMessage, error.Error);
    }

    [Fact]
    public void Parsing_copies_its_input_so_later_changes_to_the_buffer_do_not_reach_the_message()
    {
        byte[] bytes = ValidBytes(nameof(KE1));
        var ke1 = KE1.Parse(bytes);
        bytes[0] ^= 0xff;
        Assert.NotEqual(bytes, ke1.ToArray());
    }

    internal static byte[] ValidBytes(string message)
    {
        byte[] element = new byte[32];
        Ristretto255.MultiplyBase([7, .. new byte[31]], element);
        byte[] filler = Enumerable.Range(0, 320).Select(i => (byte)i).ToArray();
        return message switch
        {
            nameof(RegistrationRequest) => element,
            nameof(RegistrationResponse) => [.. element, .. element],
            nameof(RegistrationRecord) => [.. element, .. filler[..160]],
            nameof(KE1) => [.. element, .. filler[..32], .. element],
            nameof(KE2) => [.. element, .. filler[..192], .. element, .. filler[..64]],
            _ => filler[..64],
        };
    }

    internal static object Parse(string message, byte[] bytes) => message switch
    {
        nameof(RegistrationRequest) => RegistrationRequest.Parse(bytes),
        nameof(RegistrationResponse) => RegistrationResponse.Parse(bytes),
        nameof(RegistrationRecord) => RegistrationRecord.Parse(bytes),
        nameof(KE1) => KE1.Parse(bytes),
        nameof(KE2) => KE2.Parse(bytes),
        _ => KE3.Parse(bytes),
    };
}
