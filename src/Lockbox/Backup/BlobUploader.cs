using System.Buffers;
using System.Threading.Channels;
using Lockbox.Crypto;
using Lockbox.Repository;
using Lockbox.Storage;

namespace Lockbox.Backup;

/// <summary>
/// The back half of the backup pipeline: worker threads compress and encrypt new blobs in
/// parallel, one packer fills packs of the target size, and each full pack uploads while the next
/// fills. An index file follows every few packs, so an interrupted backup leaves its uploaded packs
/// indexed for the next one to reuse. Memory is bounded by the channel capacities and two packs; on a local folder, packs are written out as they fill, so each costs a few MiB.
/// </summary>
internal sealed class BlobUploader
{
    private const int PacksPerIndexFile = 4;
    private const int ConcurrentUploads = 1;

    private readonly Repository.Repository _repository;
    private readonly Channel<(BlobId Id, BlobType Type, byte[] Buffer, int Length)> _plain;
    private readonly Channel<BlobCodec.SealedBlob> _sealed;
    private readonly CancellationTokenSource _cancellation;
    private readonly Task[] _workers;
    private readonly Task _packer;
    private readonly List<(string Pack, IReadOnlyList<PackEntry> Entries)> _unindexed = [];
    private long _uploadedBytes;
    private long _newBlobs;
    private long _newBytes;

    private readonly BlobIndex? _alsoIndex;
    private readonly IStreamingStorage? _writer;

    /// <param name="repository">Where packs go; their entries join its index as they upload.</param>
    /// <param name="cancellationToken">Stops the pipeline.</param>
    /// <param name="alsoIndex">A second index to record new packs in (prune tracks what it wrote).</param>
    public BlobUploader(Repository.Repository repository, CancellationToken cancellationToken, BlobIndex? alsoIndex = null)
    {
        _repository = repository;
        _alsoIndex = alsoIndex;
        _writer = repository.Storage as IStreamingStorage;
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        int workers = Math.Max(1, Environment.ProcessorCount);
        _plain = Channel.CreateBounded<(BlobId, BlobType, byte[], int)>(new BoundedChannelOptions(workers) { SingleWriter = true });
        _sealed = Channel.CreateBounded<BlobCodec.SealedBlob>(new BoundedChannelOptions(workers) { SingleReader = true });
        _workers = Enumerable.Range(0, workers).Select(_ => Task.Run(SealLoopAsync, CancellationToken.None)).ToArray();
        _packer = Task.Run(PackLoopAsync, CancellationToken.None);
    }

    public long UploadedBytes => Interlocked.Read(ref _uploadedBytes);

    public long NewBlobs => Interlocked.Read(ref _newBlobs);

    public long NewBytes => Interlocked.Read(ref _newBytes);

    /// <summary>Queues a new blob; takes ownership of the pooled <paramref name="buffer"/>, from <see cref="BlobBuffers.RentForSealing"/>.</summary>
    public async ValueTask AddAsync(BlobId id, BlobType type, byte[] buffer, int length)
    {
        try
        {
            await _plain.Writer.WriteAsync((id, type, buffer, length), _cancellation.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            BlobBuffers.Pool.Return(buffer);
            await ThrowFirstFailureAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Flushes the last pack and index; everything added is stored when this returns.</summary>
    public async Task CompleteAsync()
    {
        _plain.Writer.TryComplete();
        await ThrowFirstFailureAsync().ConfigureAwait(false);
    }

    /// <summary>Stops after a failure elsewhere; packs already uploaded stay indexed for the next backup.</summary>
    public async Task AbortAsync()
    {
        await _cancellation.CancelAsync().ConfigureAwait(false);
        _plain.Writer.TryComplete();
        try
        {
            await ThrowFirstFailureAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task ThrowFirstFailureAsync()
    {
        try
        {
            await Task.WhenAll(_workers).ConfigureAwait(false);
        }
        finally
        {
            _sealed.Writer.TryComplete();
        }

        await _packer.ConfigureAwait(false);
    }

    private async Task SealLoopAsync()
    {
        using var codec = new BlobCodec(_repository.Keys);
        try
        {
            await foreach (var (id, type, buffer, length) in _plain.Reader.ReadAllAsync(_cancellation.Token).ConfigureAwait(false))
            {
                var blob = codec.Seal(id, type, buffer, length);

                Interlocked.Increment(ref _newBlobs);
                Interlocked.Add(ref _newBytes, length);
                await _sealed.Writer.WriteAsync(blob, _cancellation.Token).ConfigureAwait(false);
            }
        }
        catch
        {
            await _cancellation.CancelAsync().ConfigureAwait(false);
            _plain.Writer.TryComplete();
            throw;
        }
    }

    private async Task PackLoopAsync()
    {
        int target = _repository.Config.PackTargetSize;
        int maxBlob = _repository.Config.Chunker.MaxSize + 1024;
        PackBuilder? builder = null;
        var uploads = new Queue<(Task Write, PackBuilder Pack)>();
        try
        {
            await foreach (var blob in _sealed.Reader.ReadAllAsync(_cancellation.Token).ConfigureAwait(false))
            {
                builder ??= NewBuilder(target, maxBlob);
                builder.Add(blob);
                BlobBuffers.Pool.Return(blob.Sealed);
                if (builder.IsFull)
                {
                    if (uploads.Count == ConcurrentUploads)
                    {
                        await FinishUploadAsync(uploads.Dequeue()).ConfigureAwait(false);
                    }

                    uploads.Enqueue((StartUpload(builder), builder));
                    builder = null;
                }
            }

            if (builder is { Count: > 0 })
            {
                uploads.Enqueue((StartUpload(builder), builder));
                builder = null;
            }

            while (uploads.Count > 0)
            {
                await FinishUploadAsync(uploads.Dequeue()).ConfigureAwait(false);
            }

            await WriteIndexAsync().ConfigureAwait(false);
        }
        catch
        {
            await _cancellation.CancelAsync().ConfigureAwait(false);
            foreach (var (write, pack) in uploads)
            {
                await Task.WhenAny(write).ConfigureAwait(false);
                pack.Dispose();
            }

            throw;
        }
        finally
        {
            builder?.Dispose();
        }
    }

    /// <summary>Starts writing a full pack; uploads overlap each other and the filling of the next pack.</summary>
    private Task StartUpload(PackBuilder builder)
    {
        var data = builder.Finish(_repository.Keys.Metadata);
        if (_writer is not null)
        {
            // Already written out as it filled: only the flush to disk and the rename are left.
            builder.ReleaseBuffer();
            return builder.CommitAsync(_cancellation.Token);
        }

        return _repository.Storage.WriteAsync(new ObjectName(ObjectKind.Pack, builder.Name), data, _cancellation.Token);
    }

    /// <summary>A local folder takes packs in pieces as they fill; other storages get each pack whole.</summary>
    private PackBuilder NewBuilder(int target, int maxBlob) => new(target, maxBlob, _writer);

    /// <summary>Waits for an upload, in order, and only then indexes the pack.</summary>
    private async Task FinishUploadAsync((Task Write, PackBuilder Pack) upload)
    {
        try
        {
            await upload.Write.ConfigureAwait(false);
            var entries = upload.Pack.Entries.ToArray();
            Interlocked.Add(ref _uploadedBytes, upload.Pack.Length);
            _repository.Index.AddPack(upload.Pack.Name, entries);
            _alsoIndex?.AddPack(upload.Pack.Name, entries);
            _unindexed.Add((upload.Pack.Name, entries));
            if (_unindexed.Count >= PacksPerIndexFile)
            {
                await WriteIndexAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            upload.Pack.Dispose();
        }
    }

    private async Task WriteIndexAsync()
    {
        long written = await _repository.WriteIndexAsync(_unindexed, _cancellation.Token).ConfigureAwait(false);
        Interlocked.Add(ref _uploadedBytes, written);
        _unindexed.Clear();
    }
}
