using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;
using Lockbox.Device;
using Lockbox.Keys;
using Lockbox.Repository;
using Lockbox.Storage;
using Xunit;

namespace Lockbox.Tests.Fixtures;

/// <summary>The device's state.json examples, the damaged repositories and the fixtures' own checksums.</summary>
public sealed class FrozenFileTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public static TheoryData<string, BackupMode, string?, BackupMode?, string?> States => new()
    {
        { "standard", BackupMode.Standard, null, null, null },
        { "key", BackupMode.Key, null, null, null },
        { "password", BackupMode.Password, null, null, null },
        { "pending-enable", BackupMode.Standard, "enable", BackupMode.Password, "ImportingSnapshots" },
        { "pending-disable", BackupMode.Key, "disable", BackupMode.Standard, "ExportingSnapshots" },
        { "pending-rotate", BackupMode.Password, "rotate", BackupMode.Password, "MovingRepository" },
    };

    [Theory]
    [MemberData(nameof(States))]
    public void State_json_examples_parse_to_their_mode_and_pending_operation_and_are_written_back_byte_for_byte(
        string name, BackupMode mode, string? operation, BackupMode? endsIn, string? step)
    {
        byte[] frozen = File.ReadAllBytes(FrozenFixtures.PathOf("state", name + ".json"));
        var device = new DeviceFolder(_temp.Combine(name));
        Directory.CreateDirectory(device.Path);
        File.WriteAllBytes(Path.Combine(device.Path, "state.json"), frozen);

        var state = device.LoadState();
        Assert.Equal(mode, state.Mode);
        if (operation is null)
        {
            Assert.Null(state.Pending);
        }
        else
        {
            Assert.Equal(new PendingOperation(operation, endsIn!.Value, step!), state.Pending);
            Assert.Contains(step, Enum.GetNames<global::Lockbox.Client.LockboxStep>());
        }

        // The same fields as FORMAT.md §18 names them, read without Lockbox's serializer.
        using (var json = JsonDocument.Parse(frozen))
        {
            Assert.Equal(mode.ToString(), json.RootElement.GetProperty("mode").GetString());
            var pending = json.RootElement.GetProperty("pending");
            Assert.Equal(operation is null ? JsonValueKind.Null : JsonValueKind.Object, pending.ValueKind);
            if (operation is not null)
            {
                Assert.Equal(operation, pending.GetProperty("operation").GetString());
                Assert.Equal(endsIn.ToString(), pending.GetProperty("mode").GetString());
                Assert.Equal(step, pending.GetProperty("step").GetString());
            }
        }

        var again = new DeviceFolder(_temp.Combine(name + "-again"));
        again.SaveState(state);
        Assert.Equal(frozen, File.ReadAllBytes(Path.Combine(again.Path, "state.json")));
    }

    public static TheoryData<string> DamagedFixtures => new(DamagedFixtureNames());

    private static List<string> DamagedFixtureNames() =>
        [.. Directory.EnumerateDirectories(FrozenFixtures.Root, "fail_*").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal)];

    [Fact]
    public void Damaged_fixtures_cover_config_damage_a_newer_version_and_a_wrong_key()
    {
        var names = DamagedFixtureNames();
        Assert.Contains("fail_config_bitflip", names);
        Assert.Contains("fail_config_truncated", names);
        Assert.Contains("fail_config_newer_version", names);
        Assert.Contains("fail_wrong_key", names);
    }

    [Theory]
    [MemberData(nameof(DamagedFixtures))]
    public async Task Damaged_config_fixtures_give_the_error_named_beside_them(string name)
    {
        using var expected = FrozenFixtures.Json(name, "expected-error.json");
        string exception = expected.RootElement.GetProperty("exception").GetString()!;
        string message = expected.RootElement.GetProperty("message").GetString()!;

        // Only what differs is stored: it overlays a copy of repo-v1.
        string repository = FrozenFixtures.CopyTo("repo-v1", _temp.Combine(name));
        string config = FrozenFixtures.PathOf(name, "config");
        if (File.Exists(config))
        {
            File.Copy(config, Path.Combine(repository, "config"), overwrite: true);
        }

        string keyFile = File.Exists(FrozenFixtures.PathOf(name, "key")) ? FrozenFixtures.PathOf(name, "key") : FrozenFixtures.PathOf("repo-v1.key");
        var error = await Record.ExceptionAsync(async () =>
        {
            using var key = BackupKey.Parse(await File.ReadAllTextAsync(keyFile));
            using var opened = await Repository.Repository.OpenAsync(new LocalStorage(repository), key);
        });

        Assert.NotNull(error);
        Assert.Equal(exception, error.GetType().Name);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        if (File.Exists(config))
        {
            // A damaged or newer config is never taken for a wrong key, with this key or another.
            Assert.IsNotType<WrongKeyException>(error);
            if (error is ConfigDamagedException)
            {
                Assert.StartsWith("Config damaged", error.Message, StringComparison.Ordinal);
            }

            using var other = BackupKey.Generate();
            var withOther = await Record.ExceptionAsync(() => Repository.Repository.OpenAsync(new LocalStorage(repository), other));
            Assert.True(withOther is WrongKeyException || withOther?.GetType() == error.GetType(), $"{name} with another key: {withOther?.GetType().Name}");
            if (error is not ConfigDamagedException { Message: var m } || !m.Contains("key check", StringComparison.Ordinal))
            {
                // Only damage the key decides (the key check, outside the checksum) may read as a wrong key with another key.
                Assert.Equal(error.GetType(), withOther!.GetType());
            }
        }
    }

    [Fact]
    public void A_config_of_a_newer_format_version_says_upgrade_whatever_its_length_and_a_damaged_version_field_is_config_damaged()
    {
        byte[] config = File.ReadAllBytes(FrozenFixtures.PathOf("repo-v1", "config"));
        using var key = FrozenFixtures.Key("repo-v1.key");
        foreach (ushort version in new ushort[] { 2, 3, 0xffff })
        {
            foreach (int length in new[] { 10, 100, RepositoryConfig.Length, 300 })
            {
                byte[] newer = new byte[length];
                config.AsSpan(0, Math.Min(length, config.Length)).CopyTo(newer);
                BinaryPrimitives.WriteUInt16LittleEndian(newer.AsSpan(8), version);
                if (length >= RepositoryConfig.Length)
                {
                    SHA256.HashData(newer.AsSpan(0, RepositoryConfig.ParametersLength), newer.AsSpan(RepositoryConfig.ParametersLength, 32));
                }

                var error = Assert.Throws<UnsupportedVersionException>(() => RepositoryConfig.Open(newer, key));
                Assert.Equal(version, error.Version);
                Assert.Equal($"This repository was made by a newer Lockbox (format version {version}); upgrade Lockbox to open it.", error.Message);
            }
        }

        // Every single-bit flip of the version field of a version-1 config is damage, whichever value it gives.
        for (int bit = 0; bit < 16; bit++)
        {
            byte[] flipped = (byte[])config.Clone();
            flipped[8 + (bit / 8)] ^= (byte)(1 << (bit % 8));
            Assert.Throws<ConfigDamagedException>(() => RepositoryConfig.Open(flipped, key));
        }

        // A config too short to hold a version, or with another magic, is damaged, not newer.
        Assert.Throws<ConfigDamagedException>(() => RepositoryConfig.Open(config.AsSpan(0, 9), key));
        byte[] magic = (byte[])config.Clone();
        magic[1] ^= 0x20;
        BinaryPrimitives.WriteUInt16LittleEndian(magic.AsSpan(8), 2);
        Assert.Throws<ConfigDamagedException>(() => RepositoryConfig.Open(magic, key));
    }

    [Fact]
    public void Every_fixture_file_matches_SHA256SUMS_and_none_is_missing_from_it()
    {
        var sums = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in File.ReadAllLines(FrozenFixtures.PathOf("SHA256SUMS")))
        {
            var match = System.Text.RegularExpressions.Regex.Match(line, "^([0-9a-f]{64})  (.+)$");
            Assert.True(match.Success, $"not a sha256sum line: {line}");
            Assert.True(sums.TryAdd(match.Groups[2].Value, match.Groups[1].Value), $"listed twice: {match.Groups[2].Value}");
        }

        // README.md documents the fixtures and may be edited; SHA256SUMS cannot list itself.
        var files = Directory.EnumerateFiles(FrozenFixtures.Root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(FrozenFixtures.Root, f).Replace('\\', '/'))
            .Where(f => f is not ("SHA256SUMS" or "README.md"))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Equal(sums.Keys.Order(StringComparer.Ordinal), files);
        foreach (string file in files)
        {
            using var stream = File.OpenRead(FrozenFixtures.PathOf(file));
            Assert.True(sums[file] == Convert.ToHexStringLower(SHA256.HashData(stream)), $"{file} differs from SHA256SUMS: fixtures are never rewritten (tests/fixtures/README.md)");
        }
    }

    public void Dispose() => _temp.Dispose();
}
