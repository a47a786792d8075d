using System.Text;
using Lockbox.Crypto;
using Lockbox.Keys;
using Lockbox.Repository;
using Lockbox.Storage;
using Xunit;

namespace Lockbox.Tests.Engine;

public sealed class BlobCodecTests : IDisposable
{
    private static readonly ObjectName Pack = new(ObjectKind.Pack, new string('a', 64));
    private readonly MasterKeys _keys = new(RepositoryFixture.RandomBytes(32, 1), RepositoryFixture.RandomBytes(32, 2));
    private readonly BlobCodec _codec;

    public BlobCodecTests() => _codec = new BlobCodec(_keys);

    public static TheoryData<string, int, bool> Plaintexts => new()
    {
        { "incompressible (media), sealed in place", 300_000, false },
        { "compressible (text), sealed into a new buffer", 300_000, true },
        { "empty", 0, false },
    };

    [Theory]
    [MemberData(nameof(Plaintexts))]
    public void A_sealed_blob_opens_to_its_plaintext_and_id(string kind, int size, bool compressible)
    {
        byte[] plaintext = compressible
            ? Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("see you at eight ", size / 17)))
            : RepositoryFixture.RandomBytes(size, 3);
        var id = _keys.ComputeId(plaintext);

        var blob = _codec.Seal(id, BlobType.Data, BlobBuffers.RentForSealing(plaintext), plaintext.Length);
        var entry = new PackEntry(id, BlobType.Data, blob.Encoding, 0, (uint)blob.SealedLength, (uint)plaintext.Length);
        byte[] opened = _codec.Open(blob.Sealed.AsSpan(0, blob.SealedLength), entry, Pack);

        Assert.Equal(compressible ? BlobEncoding.Zstd : BlobEncoding.Raw, blob.Encoding);
        Assert.True(plaintext.AsSpan().SequenceEqual(opened), kind);
        BlobBuffers.Pool.Return(blob.Sealed);
    }

    [Fact]
    public void A_blob_sealed_in_place_keeps_no_plaintext_in_its_buffer()
    {
        byte[] plaintext = RepositoryFixture.RandomBytes(64 * 1024, 4);
        var blob = _codec.Seal(_keys.ComputeId(plaintext), BlobType.Data, BlobBuffers.RentForSealing(plaintext), plaintext.Length);

        var ciphertext = blob.Sealed.AsSpan(Aead.NonceLength, plaintext.Length);
        Assert.False(ciphertext.SequenceEqual(plaintext));
        Assert.True(ciphertext.IndexOf(plaintext.AsSpan(0, 64)) < 0);
        BlobBuffers.Pool.Return(blob.Sealed);
    }

    public void Dispose()
    {
        _codec.Dispose();
        _keys.Dispose();
    }
}
