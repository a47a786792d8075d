using Lockbox.Backup;
using Lockbox.Crypto;
using Lockbox.Repository;
using Lockbox.Storage;

namespace Lockbox.Repair;

/// <summary>
/// Rewrites the snapshots that reference missing blobs without the files those blobs belong to,
/// and forgets the snapshots nothing can be kept of. Under the exclusive lock, in three phases:
/// <list type="number">
/// <item>It checks that the index agrees with the pack headers (no damaged index file, every pack
/// in the complete listing covered, every indexed blob in its pack's header); otherwise it refuses
/// and offers <c>repair index</c>. A blob is then missing when no readable header of a listed pack
/// holds it, or (with <see cref="SnapshotRepairOptions.ReadData"/>) every stored copy of it fails
/// authentication.</item>
/// <item>It reads every snapshot and file list and plans. Every read is done here: an error that
/// is not a definite answer (an I/O error, a timeout, a listed pack that cannot be found) stops the
/// repair before anything is written.</item>
/// <item>It writes the new file lists and snapshot objects, reads each back and verifies it, and
/// only then deletes the original; then it deletes the snapshots to forget. No pack is deleted, so a
/// crash anywhere leaves every whole snapshot whole; a rerun finds a repaired snapshot already
/// written for an original still there, verifies it and deletes the original.</item>
/// </list>
/// </summary>
internal sealed class SnapshotRepair
{
    /// <summary>The tag a repaired snapshot carries.</summary>
    public const string Tag = "repaired";

    private readonly Repository.Repository _repository;

    public SnapshotRepair(Repository.Repository repository) => _repository = repository;

    private sealed record Plan(SnapshotInfo Original, List<FileEntry> Kept, List<string> Dropped);

    public async Task<SnapshotRepairResult> RunAsync(bool dryRun, SnapshotRepairOptions options, CancellationToken cancellationToken)
    {
        await using var exclusive = await RepositoryLock.AcquireAsync(_repository, exclusive: true, options.Time ?? TimeProvider.System, cancellationToken).ConfigureAwait(false);

        var survey = await PackSurvey.RunAsync(_repository, cancellationToken).ConfigureAwait(false);
        var missingPacks = await CheckIndexAgreesAsync(survey, cancellationToken).ConfigureAwait(false);
        _repository.Index.SetAsideMissingPacks(missingPacks);
        int damagedCopies = options.ReadData ? await ReadDataAsync(survey, cancellationToken).ConfigureAwait(false) : 0;

        var listing = await _repository.ReadSnapshotsAsync(cancellationToken).ConfigureAwait(false);
        var forgotten = listing.Damaged.Select(d => new ForgottenSnapshot(d.Name.Name, null, $"the snapshot object cannot be read: {d.Problem}")).ToList();
        var plans = new List<Plan>();
        int whole = 0;
        using var codec = new BlobCodec(_repository.Keys);
        foreach (var snapshot in listing.Intact)
        {
            var (entries, problem) = await TryReadManifestAsync(snapshot.Snapshot.Manifest, codec, cancellationToken).ConfigureAwait(false);
            if (entries is null)
            {
                forgotten.Add(new ForgottenSnapshot(snapshot.Id, snapshot.Snapshot.Time, $"its file list cannot be read: {problem}"));
                continue;
            }

            var dropped = entries.Where(e => _repository.Index.FirstUnreadable(e) is not null).Select(e => e.Path).ToHashSet(StringComparer.Ordinal);
            if (dropped.Count == 0)
            {
                whole++;
                continue;
            }

            var kept = entries.Where(e => !dropped.Contains(e.Path)).ToList();
            if (!kept.Any(e => e.Type == FileEntry.FileType))
            {
                forgotten.Add(new ForgottenSnapshot(snapshot.Id, snapshot.Snapshot.Time, $"none of its {dropped.Count} file(s) is whole"));
                continue;
            }

            plans.Add(new Plan(snapshot, kept, [.. entries.Where(e => dropped.Contains(e.Path)).Select(e => e.Path)]));
        }

        var result = new SnapshotRepairResult
        {
            DryRun = dryRun,
            ReadData = options.ReadData,
            Whole = whole,
            Repaired = [.. plans.Select(p => new RepairedSnapshot(p.Original.Id, p.Original.Snapshot.Time, p.Dropped, p.Kept.Count(e => e.Type == FileEntry.FileType)))],
            Forgotten = forgotten,
            MissingPacks = missingPacks,
            DamagedCopies = damagedCopies,
        };
        if (dryRun || result.NothingToDo)
        {
            return result;
        }

        if (options.Confirm is { } confirm && !confirm(result))
        {
            throw new LockboxException("Not confirmed. Nothing was changed.");
        }

        var newIds = await ApplyAsync(plans, listing.Intact, codec, cancellationToken).ConfigureAwait(false);
        foreach (var snapshot in forgotten)
        {
            await _repository.Storage.DeleteAsync(new ObjectName(ObjectKind.Snapshot, snapshot.Id), cancellationToken).ConfigureAwait(false);
        }

        return result with { Repaired = [.. result.Repaired.Select((r, i) => r with { NewId = newIds[i] })] };
    }

    /// <summary>Refuses unless the index agrees with the pack headers; returns the indexed packs the listing does not hold.</summary>
    private async Task<List<string>> CheckIndexAgreesAsync(PackSurvey survey, CancellationToken cancellationToken)
    {
        if (_repository.DamagedIndexFiles.Count > 0)
        {
            var damaged = _repository.DamagedIndexFiles[0];
            throw new IndexNeedsRepairException($"index file {damaged.Name.Path} is damaged: {damaged.Problem}");
        }

        var indexed = _repository.Index.ByPack();
        foreach (var (pack, _) in _repository.PacksIndexedFromHeaders)
        {
            throw new IndexNeedsRepairException($"pack {new ObjectName(ObjectKind.Pack, pack).Path} is in no index file");
        }

        var headers = survey.Readable.ToDictionary(p => p.Pack, p => p.Entries.ToHashSet(), StringComparer.Ordinal);
        var damagedHeaders = survey.Damaged.Select(d => d.Name.Name).ToHashSet(StringComparer.Ordinal);
        var missing = new List<string>();
        foreach (var (pack, entries) in indexed.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var name = new ObjectName(ObjectKind.Pack, pack);
            if (damagedHeaders.Contains(pack))
            {
                // The index still locates its blobs: those that verify are whole, the rest set aside.
                var verified = (await PackSurvey.VerifiedIndexEntriesAsync(_repository, pack, survey.Sizes[pack], cancellationToken).ConfigureAwait(false)).ToHashSet();
                _repository.Index.SetAsideDamagedCopies(entries.Where(e => !verified.Contains(e)).Select(e => (pack, e.Id)));
                continue;
            }

            if (!headers.TryGetValue(pack, out var header))
            {
                // "Missing" only when the object itself confirms the listing: a listing that left
                // out a pack that is there would otherwise cost every file in it.
                if (await _repository.Storage.ExistsAsync(name, cancellationToken).ConfigureAwait(false))
                {
                    throw new IOException($"Pack {name.Path} is there, but the storage's listing left it out: the listing is not complete, so nothing was changed.");
                }

                missing.Add(pack);
                continue;
            }

            foreach (var entry in entries.Where(e => !header.Contains(e)))
            {
                throw new IndexNeedsRepairException($"blob {entry.Id} is indexed in pack {name.Path}, whose header does not hold it");
            }
        }

        return missing;
    }

    /// <summary>Downloads every readable pack and authenticates each blob; sets aside the copies that fail.</summary>
    private async Task<int> ReadDataAsync(PackSurvey survey, CancellationToken cancellationToken)
    {
        var damaged = new List<(string Pack, BlobId Id)>();
        using var codec = new BlobCodec(_repository.Keys);
        foreach (var (pack, header) in survey.Readable)
        {
            var name = new ObjectName(ObjectKind.Pack, pack);
            int size = (int)survey.Sizes[pack];
            var buffer = PackBuffers.Rent(size);
            try
            {
                await _repository.Storage.ReadRangeAsync(name, 0, buffer.Memory[..size], cancellationToken).ConfigureAwait(false);
                var (failures, _) = PackScan.Scan(buffer.Span[..size], name, header, codec);
                damaged.AddRange(failures.Select(f => (pack, f.Entry.Id)));
            }
            finally
            {
                PackBuffers.Return(buffer);
            }
        }

        _repository.Index.SetAsideDamagedCopies(damaged);
        return damaged.Count;
    }

    /// <summary>
    /// Reads a file list from the usable copies of its blobs. A copy that fails authentication is a
    /// definite answer, and so is a blob with no usable copy: the list cannot be read (returned as
    /// the problem). Anything else (an I/O error, a listed pack not found) propagates.
    /// </summary>
    private async Task<(List<FileEntry>? Entries, string? Problem)> TryReadManifestAsync(IReadOnlyList<string> manifest, BlobCodec codec, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        foreach (string tree in manifest)
        {
            var id = BlobId.Parse(tree);
            byte[]? part = null;
            string problem = $"manifest blob {id} is missing";
            foreach (var copy in _repository.Index.UsableLocations(id))
            {
                var pack = new ObjectName(ObjectKind.Pack, copy.Pack);
                byte[] stored = await _repository.Storage.ReadRangeAsync(pack, copy.Entry.Offset, (int)copy.Entry.StoredLength, cancellationToken).ConfigureAwait(false);
                try
                {
                    part = codec.Open(stored, copy.Entry, pack);
                    break;
                }
                catch (CorruptObjectException e)
                {
                    problem = e.Message;
                }
            }

            if (part is null)
            {
                return (null, problem);
            }

            buffer.Write(part);
        }

        try
        {
            return (Manifest.Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)), null);
        }
        catch (LockboxException e)
        {
            return (null, e.Message);
        }
    }

    private async Task<List<string>> ApplyAsync(List<Plan> plans, IReadOnlyList<SnapshotInfo> intact, BlobCodec codec, CancellationToken cancellationToken)
    {
        // 1. The new file lists: only their tree blobs are new, the files' data is all stored already.
        var manifests = new List<List<string>>();
        var queued = new HashSet<BlobId>();
        var uploader = new BlobUploader(_repository, cancellationToken);
        try
        {
            foreach (var plan in plans)
            {
                manifests.Add(await ManifestBlobs.StoreAsync(_repository, plan.Kept, (id, plaintext, type) =>
                    !_repository.Index.Contains(id) && queued.Add(id)
                        ? uploader.AddAsync(id, type, BlobBuffers.RentForSealing(plaintext), plaintext.Length)
                        : ValueTask.CompletedTask).ConfigureAwait(false));
            }

            await uploader.CompleteAsync().ConfigureAwait(false);
        }
        catch
        {
            await uploader.AbortAsync().ConfigureAwait(false);
            throw;
        }

        // 2. Each new snapshot, written (or found written by an interrupted run), read back and
        // verified; only then the original goes.
        var newIds = new List<string>();
        for (int i = 0; i < plans.Count; i++)
        {
            var original = plans[i].Original;
            var replacement = Replacement(original.Snapshot, plans[i], manifests[i]);
            string newId = intact.FirstOrDefault(s => s.Id != original.Id && SameSnapshot(s.Snapshot, replacement))?.Id
                ?? await _repository.SaveSnapshotAsync(replacement, cancellationToken).ConfigureAwait(false);
            await VerifyAsync(newId, replacement, plans[i].Kept, codec, cancellationToken).ConfigureAwait(false);
            await _repository.Storage.DeleteAsync(new ObjectName(ObjectKind.Snapshot, original.Id), cancellationToken).ConfigureAwait(false);
            newIds.Add(newId);
        }

        return newIds;
    }

    private static Snapshot Replacement(Snapshot original, Plan plan, List<string> manifest) => original with
    {
        Tags = original.Tags.Contains(Tag, StringComparer.Ordinal) ? original.Tags : [.. original.Tags, Tag],
        Manifest = manifest,
        Summary = original.Summary with
        {
            Files = plan.Kept.Count(e => e.Type == FileEntry.FileType),
            Bytes = plan.Kept.Sum(e => e.Size),
            Skipped = [.. original.Summary.Skipped, .. plan.Dropped.Select(p => $"{p}: lost, its data is missing or damaged (removed by lockbox repair snapshots)")],
        },
    };

    private static bool SameSnapshot(Snapshot a, Snapshot b) =>
        a.Time == b.Time && a.Hostname == b.Hostname && a.Source == b.Source && a.Parent == b.Parent
        && a.Tags.SequenceEqual(b.Tags, StringComparer.Ordinal) && a.Manifest.SequenceEqual(b.Manifest, StringComparer.Ordinal)
        && a.Summary.Files == b.Summary.Files && a.Summary.Bytes == b.Summary.Bytes;

    private async Task VerifyAsync(string id, Snapshot expected, List<FileEntry> kept, BlobCodec codec, CancellationToken cancellationToken)
    {
        var name = new ObjectName(ObjectKind.Snapshot, id);
        var back = await _repository.LoadSnapshotAsync(name, cancellationToken).ConfigureAwait(false);
        var (entries, problem) = await TryReadManifestAsync(back.Manifest, codec, cancellationToken).ConfigureAwait(false);
        if (!SameSnapshot(back, expected) || entries is null
            || !Manifest.Write(entries).WrittenSpan.SequenceEqual(Manifest.Write(kept).WrittenSpan)
            || entries.Any(e => _repository.Index.FirstUnreadable(e) is not null))
        {
            throw new CorruptObjectException(name, $"the repaired snapshot does not read back as written{(problem is null ? "" : $" ({problem})")}; the original was kept.");
        }
    }
}
