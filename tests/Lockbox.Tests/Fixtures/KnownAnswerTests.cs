using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Lockbox.Chunking;
using Lockbox.Crypto;
using Lockbox.Keys;
using Lockbox.Repository;
using Lockbox.Storage;
using Xunit;

namespace Lockbox.Tests.Fixtures;

/// <summary>Every key derivation, blob id, chunk boundary, sealed blob and config field recomputed against tests/fixtures/kat.</summary>
public sealed class KnownAnswerTests
{
    private static byte[] Hex(JsonElement element) => Convert.FromHexString(element.GetString()!);

    private static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(bytes);

    [Fact]
    public void Key_derivations_from_the_backup_key_and_the_master_key_match_their_known_answers()
    {
        using var kat = FrozenFixtures.Json("kat", "key-derivation.json");
        var root = kat.RootElement;
        byte[] backupKey = Hex(root.GetProperty("backupKey"));
        byte[] repositoryId = Hex(root.GetProperty("repositoryId"));
        byte[] masterKey = Hex(root.GetProperty("masterKey"));

        var fromBackupKey = root.GetProperty("fromBackupKey");
        Assert.Equal(fromBackupKey.GetProperty("lockbox/v1/backup-key/wrap").GetString(), Hex(KeyDerivation.Derive(backupKey, repositoryId, KeyDerivation.WrapLabel)));
        Assert.Equal(fromBackupKey.GetProperty("lockbox/v1/backup-key/check").GetString(), Hex(KeyDerivation.Derive(backupKey, repositoryId, KeyDerivation.CheckLabel)));

        var fromMasterKey = root.GetProperty("fromMasterKey");
        Assert.Equal(fromMasterKey.GetProperty("lockbox/v1/master/blob-encryption").GetString(), Hex(KeyDerivation.Derive(masterKey, repositoryId, KeyDerivation.BlobEncryptionLabel)));
        Assert.Equal(fromMasterKey.GetProperty("lockbox/v1/master/metadata-encryption").GetString(), Hex(KeyDerivation.Derive(masterKey, repositoryId, KeyDerivation.MetadataEncryptionLabel)));
        Assert.Equal(fromMasterKey.GetProperty("lockbox/v1/master/blob-id").GetString(), Hex(KeyDerivation.Derive(masterKey, repositoryId, KeyDerivation.BlobIdLabel)));
        Assert.Equal(fromMasterKey.GetProperty("lockbox/v1/master/chunker").GetString(), Hex(KeyDerivation.Derive(masterKey, repositoryId, KeyDerivation.ChunkerLabel)));

        // Each label is the one named: the derivation is plain HKDF-SHA256 (RFC 5869) over it.
        foreach (var property in fromBackupKey.EnumerateObject().Concat(fromMasterKey.EnumerateObject()))
        {
            byte[] ikm = property.Name.StartsWith("lockbox/v1/backup-key/", StringComparison.Ordinal) ? backupKey : masterKey;
            byte[] expected = new byte[32];
            HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, expected, repositoryId, Encoding.ASCII.GetBytes(property.Name));
            Assert.Equal(property.Value.GetString(), Hex(expected));
        }

        // MasterKeys uses exactly these keys: the chunker key is exposed, the metadata key opens what it sealed.
        using var keys = new MasterKeys(masterKey, repositoryId);
        Assert.Equal(fromMasterKey.GetProperty("lockbox/v1/master/chunker").GetString(), Hex(keys.ChunkerKey));
        byte[] aad = "lockbox/v1/index"u8.ToArray();
        using var metadata = new Aead(Hex(fromMasterKey.GetProperty("lockbox/v1/master/metadata-encryption")));
        byte[] sealedIndex = metadata.Seal("an index body"u8, aad);
        byte[] opened = new byte[sealedIndex.Length - Aead.Overhead];
        Assert.True(keys.Metadata.TryOpen(sealedIndex, aad, opened));
        Assert.Equal("an index body"u8.ToArray(), opened);
    }

    [Fact]
    public void Blob_ids_are_the_keyed_hmac_of_their_known_answers()
    {
        using var kat = FrozenFixtures.Json("kat", "blob-id.json");
        var root = kat.RootElement;
        using var keys = new MasterKeys(Hex(root.GetProperty("masterKey")), Hex(root.GetProperty("repositoryId")));
        using var derivations = FrozenFixtures.Json("kat", "key-derivation.json");
        byte[] blobIdKey = Hex(derivations.RootElement.GetProperty("fromMasterKey").GetProperty("lockbox/v1/master/blob-id"));
        Assert.Equal(derivations.RootElement.GetProperty("masterKey").GetString(), root.GetProperty("masterKey").GetString());

        var ids = root.GetProperty("ids").EnumerateArray().ToList();
        Assert.Equal(4, ids.Count);
        foreach (var vector in ids)
        {
            byte[] plaintext = Hex(vector.GetProperty("plaintext"));
            Assert.Equal(vector.GetProperty("id").GetString(), keys.ComputeId(plaintext).ToString());
            Assert.Equal(vector.GetProperty("id").GetString(), Hex(HMACSHA256.HashData(blobIdKey, plaintext)));
        }
    }

    [Fact]
    public void Chunker_cuts_seeded_bytes_where_its_known_answers_say()
    {
        using var kat = FrozenFixtures.Json("kat", "chunker.json");
        var root = kat.RootElement;
        using var keys = new MasterKeys(Hex(root.GetProperty("masterKey")), Hex(root.GetProperty("repositoryId")));
        foreach (var vector in root.GetProperty("cases").EnumerateArray())
        {
            var parameters = new ChunkerParameters(vector.GetProperty("min").GetInt32(), vector.GetProperty("avg").GetInt32(), vector.GetProperty("max").GetInt32());
            var chunker = new FastCdc(parameters, keys.ChunkerKey);
            byte[] data = new byte[vector.GetProperty("length").GetInt32()];
            new Random(vector.GetProperty("seed").GetInt32()).NextBytes(data);
            var cuts = new List<int>();
            for (int at = 0; at < data.Length;)
            {
                int length = chunker.NextChunkLength(data.AsSpan(at), isFinal: true);
                cuts.Add(length);
                at += length;
            }

            var expected = vector.GetProperty("chunks").EnumerateArray().Select(c => c.GetInt32()).ToList();
            Assert.True(expected.Count > 2);
            Assert.Equal(expected, cuts);
        }
    }

    [Fact]
    public void Sealed_blobs_from_the_known_answers_open_to_their_plaintext_and_only_under_their_own_id()
    {
        using var kat = FrozenFixtures.Json("kat", "blob.json");
        var root = kat.RootElement;
        using var keys = new MasterKeys(Hex(root.GetProperty("masterKey")), Hex(root.GetProperty("repositoryId")));
        using var codec = new BlobCodec(keys);
        var pack = new ObjectName(ObjectKind.Pack, new string('0', 64));
        var blobs = root.GetProperty("blobs").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2], blobs.Select(b => b.GetProperty("type").GetInt32()));
        Assert.Contains(blobs, b => b.GetProperty("encoding").GetInt32() == (int)BlobEncoding.Zstd);
        foreach (var blob in blobs)
        {
            byte[] stored = Hex(blob.GetProperty("stored"));
            byte[] plaintext = Hex(blob.GetProperty("plaintext"));
            var id = BlobId.Parse(blob.GetProperty("id").GetString()!);
            var entry = new PackEntry(id, (BlobType)blob.GetProperty("type").GetInt32(), (BlobEncoding)blob.GetProperty("encoding").GetInt32(), 0, (uint)stored.Length, (uint)plaintext.Length);
            Assert.Equal(plaintext, codec.Open(stored, entry, pack));

            // The associated data binds the type: the same bytes relabelled do not open.
            var relabelled = entry with { Type = (BlobType)(((int)entry.Type + 1) % 3) };
            Assert.Throws<CorruptObjectException>(() => codec.Open(stored, relabelled, pack));
        }
    }

    [Fact]
    public async Task Config_known_answer_gives_its_repository_id_parameters_and_master_key()
    {
        using var kat = FrozenFixtures.Json("kat", "config.json");
        var root = kat.RootElement;
        byte[] config = Hex(root.GetProperty("config"));
        Assert.Equal(File.ReadAllBytes(FrozenFixtures.PathOf("repo-v1", "config")), config);
        Assert.Equal(RepositoryConfig.Length, config.Length);
        Assert.Equal(root.GetProperty("formatVersion").GetInt32(), BinaryPrimitives.ReadUInt16LittleEndian(config.AsSpan(8)));
        using var key = BackupKey.FromBytes(Hex(root.GetProperty("backupKey")));
        using (var fileKey = FrozenFixtures.Key("repo-v1.key"))
        {
            Assert.Equal(Hex(key.Bytes), Hex(fileKey.Bytes));
        }

        var (opened, masterKey) = RepositoryConfig.Open(config, key);
        Assert.Equal(root.GetProperty("repositoryId").GetString(), Hex(opened.RepositoryId));
        Assert.Equal(root.GetProperty("chunkerMin").GetInt32(), opened.Chunker.MinSize);
        Assert.Equal(root.GetProperty("chunkerAverage").GetInt32(), opened.Chunker.AverageSize);
        Assert.Equal(root.GetProperty("chunkerMax").GetInt32(), opened.Chunker.MaxSize);
        Assert.Equal(root.GetProperty("packTarget").GetInt32(), opened.PackTargetSize);
        Assert.Equal(root.GetProperty("created").GetInt64(), opened.Created.ToUnixTimeSeconds());
        Assert.Equal(root.GetProperty("masterKey").GetString(), Hex(masterKey));
        Assert.Equal(root.GetProperty("wrapKey").GetString(), Hex(KeyDerivation.Derive(key.Bytes, opened.RepositoryId, KeyDerivation.WrapLabel)));
        Assert.Equal(root.GetProperty("checkKey").GetString(), Hex(KeyDerivation.Derive(key.Bytes, opened.RepositoryId, KeyDerivation.CheckLabel)));

        // Serialized again with the same fields and key, the config is the same bytes.
        Assert.Equal(config, opened.Serialize(key));

        // The repository the config belongs to reports the same id.
        string copy = FrozenFixtures.CopyTo("repo-v1", Path.Combine(Path.GetTempPath(), "lockbox-kat-" + Guid.NewGuid().ToString("N")));
        try
        {
            Assert.Equal(root.GetProperty("repositoryId").GetString(), await Repository.Repository.CheckKeyAsync(new LocalStorage(copy), key));
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }
}
