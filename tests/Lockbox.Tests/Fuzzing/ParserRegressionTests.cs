using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Lockbox.Crypto;
using Lockbox.Keys;
using Lockbox.Repository;
using Lockbox.Storage;
using Xunit;
using ZstdSharp;

namespace Lockbox.Tests.Fuzzing;

/// <summary>The inputs the fuzzer found that broke a parser's contract, each now refused with the documented error.</summary>
public sealed class ParserRegressionTests : IDisposable
{
    private static readonly string Name = new('a', 64);
    private readonly MasterKeys _keys = new(new byte[32], new byte[32]);

    [Fact]
    public void A_config_whose_plain_checksum_was_recomputed_over_an_impossible_creation_time_is_damaged()
    {
        // The checksum is a plain SHA-256: whoever holds the storage can recompute it.
        using var key = BackupKey.Generate();
        var (config, _) = RepositoryConfig.Create(key, DateTimeOffset.UnixEpoch);
        byte[] bytes = config.Serialize(key);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(58), long.MaxValue);
        SHA256.HashData(bytes.AsSpan(0, RepositoryConfig.ParametersLength), bytes.AsSpan(RepositoryConfig.ParametersLength, 32));

        var error = Assert.Throws<ConfigDamagedException>(() => RepositoryConfig.Open(bytes, key));
        Assert.Contains("creation time", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"version":1,"time":"2026-01-01T00:00:00Z","hostname":"p","source":"/s","manifest":["zz"],"summary":{}}""")]
    [InlineData("""{"version":1,"time":"2026-01-01T00:00:00Z","hostname":"p","source":"/s","manifest":[null],"summary":{}}""")]
    [InlineData("""{"version":1,"time":"2026-01-01T00:00:00Z","hostname":null,"source":"/s","manifest":[],"summary":{}}""")]
    [InlineData("""{"version":1,"time":"2026-01-01T00:00:00Z","hostname":"p","source":"/s","manifest":null,"summary":null}""")]
    public void An_authenticated_snapshot_with_a_null_field_or_a_bad_manifest_id_is_corrupt_and_named(string json)
    {
        using var compressor = new Compressor(1);
        byte[] sealedSnapshot = _keys.Metadata.Seal(compressor.Wrap(Encoding.UTF8.GetBytes(json)), [.. "lockbox/v1/snapshot"u8, .. Convert.FromHexString(Name)]);

        var error = Assert.Throws<CorruptObjectException>(() => SnapshotFile.Open(sealedSnapshot, new ObjectName(ObjectKind.Snapshot, Name), _keys.Metadata));
        Assert.Contains(Name, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_authenticated_snapshot_of_a_later_version_says_upgrade_and_is_never_called_damaged()
    {
        using var compressor = new Compressor(1);
        byte[] json = Encoding.UTF8.GetBytes("""{"version":2,"time":"2026-01-01T00:00:00Z","hostname":"p","source":"/s","manifest":[],"summary":{}}""");
        byte[] sealedSnapshot = _keys.Metadata.Seal(compressor.Wrap(json), [.. "lockbox/v1/snapshot"u8, .. Convert.FromHexString(Name)]);

        var error = Assert.Throws<UnsupportedVersionException>(() => SnapshotFile.Open(sealedSnapshot, new ObjectName(ObjectKind.Snapshot, Name), _keys.Metadata));
        Assert.Contains("upgrade Lockbox", error.Message, StringComparison.Ordinal);
        Assert.Contains(Name, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"path":"a","type":"file","mtime":"not a time"}""")]
    [InlineData("""{"path":null,"type":"file"}""")]
    [InlineData("""{"path":"a","type":"symlink"}""")]
    [InlineData("""{"path":"a","type":"file","content":[null]}""")]
    [InlineData("[1,2,3]")]
    public void A_manifest_line_that_is_not_a_file_or_folder_is_a_LockboxException(string line)
    {
        var error = Assert.Throws<LockboxException>(() => Manifest.Parse(Encoding.UTF8.GetBytes(line + "\n")));
        Assert.Contains("manifest", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz")]
    [InlineData("1111111111111111111111111111111111111111111111111111111111111111=22222222222222222222222222222222222222222222222222222222222222g2+3333333333333333333333333333333333333333333333333333333333333333")]
    public void A_content_element_with_a_non_hex_id_is_malformed_not_a_FormatException(string element) =>
        Assert.Throws<LockboxException>(() => ContentElement.Parse(element));

    [Fact]
    public void An_index_entry_longer_than_any_blob_is_refused_before_anyone_sizes_a_buffer_from_it()
    {
        var entry = new PackEntry(new BlobId(new byte[32]), BlobType.Data, BlobEncoding.Raw, 0, 100, PackEntry.MaxRawLength + 1);
        byte[] plaintext = new byte[5 + 36 + PackEntry.EncodedLength];
        plaintext[0] = IndexFile.Version;
        plaintext[1] = 1;
        plaintext[5 + 32] = 1;
        entry.WriteTo(plaintext.AsSpan(5 + 36));
        byte[] sealedIndex = _keys.Metadata.Seal(plaintext, [.. "lockbox/v1/index"u8, .. Convert.FromHexString(Name)]);

        var error = Assert.Throws<CorruptObjectException>(() => IndexFile.Open(sealedIndex, new ObjectName(ObjectKind.Index, Name), _keys.Metadata));
        Assert.Contains("out of range", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pack_header_too_short_to_hold_a_version_and_count_is_corrupt()
    {
        byte[] sealedHeader = _keys.Metadata.Seal([1], [.. "lockbox/v1/pack-header"u8, .. Convert.FromHexString(Name)]);

        Assert.Throws<CorruptObjectException>(() => PackHeader.Open(sealedHeader, new ObjectName(ObjectKind.Pack, Name), 1000, _keys.Metadata));
    }

    public void Dispose() => _keys.Dispose();
}
