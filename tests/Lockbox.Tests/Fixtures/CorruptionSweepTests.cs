using System.Text.Json;
using Lockbox.Crypto;
using Lockbox.Repository;
using Lockbox.Restore;
using Lockbox.Storage;
using Xunit;
using Xunit.Abstractions;

namespace Lockbox.Tests.Fixtures;

/// <summary>
/// docs/RELIABILITY.md §2's sweep over the frozen repository: every object but the config, in turn
/// truncated, bit-flipped and deleted. Every snapshot that does not use the damaged object still
/// lists, checks whole and restores byte-identical. Every snapshot that does is either unharmed
/// (the damage fell on padding, a header the index makes redundant, or data stored twice) and then
/// restores byte-identical too, or is reported by check with the files it costs, and a partial
/// restore brings back every other file byte-identical and lists exactly those.
/// </summary>
public sealed class CorruptionSweepTests(ITestOutputHelper output) : IDisposable
{
    private const string Fixture = "repo-v1";
    private static readonly string[] Damages = ["truncated", "bit-flipped", "deleted"];

    private readonly TempFolder _temp = new();

    [Fact]
    public async Task Every_object_of_the_frozen_repository_truncated_bit_flipped_or_deleted_costs_only_the_snapshots_and_files_that_use_it()
    {
        string pristine = FrozenFixtures.CopyTo(Fixture, _temp.Combine("pristine"));
        using var key = FrozenFixtures.Key(Fixture + ".key");
        using var expected = FrozenFixtures.Json(Fixture + ".expected.json");
        var snapshots = expected.RootElement.GetProperty("snapshots").EnumerateArray().ToDictionary(s => s.GetProperty("id").GetString()!);
        var uses = await UsesAsync(pristine, key);
        var objects = Directory.EnumerateFiles(pristine, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(pristine, f).Replace('\\', '/'))
            .Where(f => f != "config")
            .Order(StringComparer.Ordinal)
            .ToList();

        int cases = 0, untouched = 0, unharmed = 0, reported = 0, files = 0, gone = 0;
        foreach (string damagedObject in objects)
        {
            foreach (string damage in Damages)
            {
                cases++;
                string copy = FrozenFixtures.CopyTo(Fixture, _temp.Combine($"case-{cases}"));
                Damage(Path.Combine(copy, damagedObject), damage, cases);
                string context = $"{damagedObject} {damage}";

                using var repository = await Repository.Repository.OpenAsync(new LocalStorage(copy), key);
                var check = await repository.CheckAsync(readData: true);
                var listing = await repository.ReadSnapshotsAsync();
                foreach (var (id, snapshot) in snapshots)
                {
                    var hit = HitFiles(uses[id], damagedObject, id);
                    var found = check.DamagedSnapshots.SingleOrDefault(d => d.Id == id);
                    if (damage == "deleted" && damagedObject == $"snapshots/{id}")
                    {
                        // Indistinguishable from a forget here; the device's memory of its newest
                        // snapshot is what notices a hidden one (docs/FORMAT.md §13).
                        Assert.DoesNotContain(listing.Intact, s => s.Id == id);
                        gone++;
                    }
                    else if (hit is null)
                    {
                        Assert.True(found is null, $"{context}: check reported snapshot {id[..8]}, which does not use it");
                        Assert.Contains(listing.Intact, s => s.Id == id);
                        await AssertRestoresAsync(repository, id, snapshot, [], context);
                        untouched++;
                    }
                    else if (found is null)
                    {
                        await AssertRestoresAsync(repository, id, snapshot, [], context);
                        unharmed++;
                    }
                    else
                    {
                        reported++;
                        Assert.True(check.Errors.Count > 0, context);
                        if (found.WholeSnapshot)
                        {
                            Assert.True(hit.Contains(ManifestUse) || damagedObject == $"snapshots/{id}", $"{context}: snapshot {id[..8]} reported whole, but its file list is not in it");
                            continue;
                        }

                        Assert.Subset(hit, found.Files.ToHashSet(StringComparer.Ordinal));
                        if (damage == "deleted")
                        {
                            Assert.Equal(hit.Order(StringComparer.Ordinal), found.Files.Order(StringComparer.Ordinal));
                        }

                        files += found.Files.Count;
                        await AssertRestoresAsync(repository, id, snapshot, found.Files, context);
                    }
                }
            }
        }

        string summary = $"{cases} cases over {objects.Count} objects: {untouched} snapshot restores untouched by the damage, byte-identical; {unharmed} of snapshots using the damaged object unharmed, byte-identical; {reported} reported damaged ({files} files named), every other file restored partially, byte-identical; {gone} deleted snapshots simply gone";
        output.WriteLine(summary);
        Assert.True(reported > 0 && untouched > 0);
    }

    private const string ManifestUse = "(file list)";

    /// <summary>
    /// The files of a snapshot that lose data when <paramref name="damagedObject"/> is damaged (its
    /// only copy of some blob is there), <see cref="ManifestUse"/> for the file list; null when the
    /// snapshot does not use the object at all.
    /// </summary>
    private static HashSet<string>? HitFiles(Dictionary<string, HashSet<string>> uses, string damagedObject, string id)
    {
        if (damagedObject == $"snapshots/{id}")
        {
            return [ManifestUse];
        }

        if (!damagedObject.StartsWith("data/", StringComparison.Ordinal))
        {
            return null;
        }

        string pack = Path.GetFileName(damagedObject);
        var hit = uses.Where(u => u.Value.Contains(pack)).Select(u => u.Key).ToHashSet(StringComparer.Ordinal);
        return hit.Count == 0 ? null : hit;
    }

    /// <summary>For each snapshot, each file (and its file list) and the packs that hold the only copy of one of its blobs.</summary>
    private static async Task<Dictionary<string, Dictionary<string, HashSet<string>>>> UsesAsync(string root, Lockbox.Keys.BackupKey key)
    {
        using var repository = await Repository.Repository.OpenAsync(new LocalStorage(root), key);
        using var codec = new BlobCodec(repository.Keys);
        var result = new Dictionary<string, Dictionary<string, HashSet<string>>>(StringComparer.Ordinal);
        foreach (var snapshot in await repository.ListSnapshotsAsync())
        {
            var files = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal)
            {
                [ManifestUse] = OnlyPacks(repository, snapshot.Snapshot.Manifest.Select(BlobId.Parse)),
            };
            foreach (var entry in await repository.ReadManifestAsync(snapshot.Snapshot, codec, CancellationToken.None))
            {
                files[entry.Path] = OnlyPacks(repository, (entry.Content ?? []).SelectMany(e => ContentElement.Parse(e).StoredBlobs));
            }

            result[snapshot.Id] = files;
        }

        return result;
    }

    private static HashSet<string> OnlyPacks(Repository.Repository repository, IEnumerable<BlobId> blobs) =>
        blobs.Select(b => repository.Index.Locations(b)).Where(l => l.Select(c => c.Pack).Distinct().Count() == 1).Select(l => l[0].Pack).ToHashSet(StringComparer.Ordinal);

    private static void Damage(string path, string damage, int seed)
    {
        byte[] bytes = File.ReadAllBytes(path);
        switch (damage)
        {
            case "truncated":
                File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
                break;
            case "bit-flipped":
                long bit = new Random(seed).NextInt64(bytes.Length * 8L);
                bytes[bit / 8] ^= (byte)(1 << (int)(bit % 8));
                File.WriteAllBytes(path, bytes);
                break;
            default:
                File.Delete(path);
                break;
        }
    }

    /// <summary>Restores a snapshot, partially when files are expected to be lost, and compares every other file with the record.</summary>
    private async Task AssertRestoresAsync(Repository.Repository repository, string id, JsonElement snapshot, IReadOnlyList<string> lost, string context)
    {
        string target = _temp.Combine("restore-" + Guid.NewGuid().ToString("N"));
        var result = await repository.RestoreAsync(new RestoreRequest(id, target) { Partial = lost.Count > 0 });
        Assert.True(lost.Order(StringComparer.Ordinal).SequenceEqual(result.NotRestored.Select(f => f.Path)), $"{context}: snapshot {id[..8]} left out {string.Join(", ", result.NotRestored.Select(f => f.Path))}, check said {string.Join(", ", lost)}");
        var wanted = FrozenFixtures.ExpectedListing(snapshot, withModes: true).Where(line => !lost.Any(f => line.StartsWith(f + " ", StringComparison.Ordinal))).ToList();
        Assert.True(wanted.SequenceEqual(FrozenFixtures.Listing(target, withModes: true)), $"{context}: snapshot {id[..8]} did not restore byte-identical");
        Directory.Delete(target, recursive: true);
    }

    public void Dispose() => _temp.Dispose();
}
