using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Lockbox.Storage;

/// <summary>
/// A repository in an S3-compatible bucket, below an optional key prefix. Each object is one S3
/// object whose key is the prefix plus <see cref="ObjectName.Path"/>. A PutObject, or a multipart
/// upload once completed, is atomic in S3, so readers never see part of an object.
/// </summary>
/// <remarks>
/// Every upload sets <c>UseChunkEncoding = false</c>: some S3-compatible servers (s3rver among them)
/// do not understand aws-chunked bodies and silently store the signing framing as the data.
/// Checksums are computed and validated only where the service requires them, for the same reason.
/// </remarks>
public sealed class S3Storage : IStorage, IDisposable
{
    private readonly AmazonS3Client _client;
    private readonly S3StorageOptions _options;
    private readonly string _root;
    private int _versioning; // a BucketVersioning; Unknown until the first delete asks

    /// <summary>Opens the repository described by <paramref name="options"/>; the bucket must exist.</summary>
    public S3Storage(S3StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        S3Names.ValidateBucket(options.Bucket);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.PartSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MultipartThreshold, options.PartSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.UploadConcurrency, 1);

        _options = options;
        _root = S3Names.NormalizePrefix(options.Prefix);
        _client = S3ClientFactory.Create(options.Connection);
        Location = S3Names.Describe(options.Bucket, _root, options.Connection.Endpoint);
    }

    /// <inheritdoc />
    public string Location { get; }

    /// <inheritdoc />
    public async Task WriteAsync(ObjectName name, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        string key = Key(name);
        try
        {
            if (data.Length > _options.MultipartThreshold)
            {
                await new S3MultipartUpload(_client, _options, key).RunAsync(data, cancellationToken).ConfigureAwait(false);
                return;
            }

            using var body = ReadOnlyStream(data);
            await _client.PutObjectAsync(
                new PutObjectRequest
                {
                    BucketName = _options.Bucket,
                    Key = key,
                    InputStream = body,
                    AutoCloseStream = false,
                    UseChunkEncoding = false,
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonServiceException e)
        {
            throw Failure("write", name, e);
        }
    }

    /// <inheritdoc />
    public async Task<byte[]> ReadAsync(ObjectName name, CancellationToken cancellationToken = default)
    {
        try
        {
            using var response = await _client.GetObjectAsync(_options.Bucket, Key(name), cancellationToken).ConfigureAwait(false);
            long size = response.ContentLength;
            if (size > Array.MaxLength)
            {
                throw new IOException($"Object {name.Path} is {size} bytes, too large to read whole.");
            }

            byte[] data = new byte[size];
            await response.ResponseStream.ReadExactlyAsync(data, cancellationToken).ConfigureAwait(false);
            return data;
        }
        catch (AmazonS3Exception e) when (IsNotFound(e))
        {
            throw new ObjectNotFoundException(name);
        }
        catch (AmazonServiceException e)
        {
            throw Failure("read", name, e);
        }
    }

    /// <inheritdoc />
    public async Task ReadRangeAsync(ObjectName name, long offset, Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        int length = destination.Length;
        if (length == 0 || (offset < 0 && length > -offset))
        {
            // No HTTP range expresses these; learn the size and check the bounds like a local file.
            long size = await SizeAsync(name, cancellationToken).ConfigureAwait(false);
            long start = offset < 0 ? size + offset : offset;
            if (start < 0 || start + length > size)
            {
                throw TooShort(name, size);
            }

            if (length > 0)
            {
                await ReadRangeAsync(name, start, destination, cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        try
        {
            using var response = await GetRangeAsync(name, offset, length, cancellationToken).ConfigureAwait(false);
            await response.ResponseStream.ReadExactlyAsync(destination, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception e) when (IsNotFound(e))
        {
            throw new ObjectNotFoundException(name);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            throw TooShort(name, null);
        }
        catch (AmazonServiceException e)
        {
            throw Failure("read", name, e);
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<StoredObject> ListAsync(ObjectKind kind, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (kind == ObjectKind.Config)
        {
            long? size = await TrySizeAsync(ObjectName.Config, cancellationToken).ConfigureAwait(false);
            if (size is { } length)
            {
                yield return new StoredObject(ObjectName.Config, length);
            }

            yield break;
        }

        var request = new ListObjectsV2Request { BucketName = _options.Bucket, Prefix = _root + ObjectName.Prefix(kind) };
        while (true)
        {
            ListObjectsV2Response page;
            try
            {
                page = await _client.ListObjectsV2Async(request, cancellationToken).ConfigureAwait(false);
            }
            catch (AmazonServiceException e)
            {
                throw Failure("list", request.Prefix, e);
            }

            // SDK v4 leaves S3Objects null, not empty, when a page has no objects.
            foreach (var item in page.S3Objects ?? [])
            {
                // Only keys the format names (docs/FORMAT.md §2): anything else is not the repository's.
                if (ObjectName.TryFromPath(kind, item.Key[_root.Length..], out var name))
                {
                    // A listing is taken as complete and exact (repair reads "not listed" as
                    // missing), so a size the server left out is an error, never a 0.
                    yield return new StoredObject(name, item.Size ?? throw new IOException($"The storage at {Location} listed {item.Key} without its size; nothing was changed."));
                }
            }

            if (page.IsTruncated != true)
            {
                yield break;
            }

            if (string.IsNullOrEmpty(page.NextContinuationToken))
            {
                throw new IOException($"The storage at {Location} cut the listing of {request.Prefix} short (more to come, but no continuation token); nothing was changed.");
            }

            request.ContinuationToken = page.NextContinuationToken;
        }
    }

    /// <inheritdoc />
    public IStorage Child(string name) => new S3Storage(_options with { Prefix = _root + StorageChildren.Validate(name) });

    /// <inheritdoc />
    public async Task<bool> ExistsAsync(ObjectName name, CancellationToken cancellationToken = default) =>
        await TrySizeAsync(name, cancellationToken).ConfigureAwait(false) is not null;

    /// <summary>
    /// Deletes the object. In a bucket that has ever had versioning enabled, a plain delete only
    /// hides the data behind a delete marker, so every version and marker of the key is deleted
    /// instead (see <see cref="DeleteAllVersionsAsync"/>). Servers that do not implement versioning
    /// (s3rver 3.7.1, for one) get a plain delete.
    /// </summary>
    public async Task DeleteAsync(ObjectName name, CancellationToken cancellationToken = default)
    {
        var versioning = (BucketVersioning)Volatile.Read(ref _versioning);
        if (versioning == BucketVersioning.Unknown)
        {
            versioning = await DetectVersioningAsync(name, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _versioning, (int)versioning);
        }

        if (versioning == BucketVersioning.Versioned)
        {
            await DeleteAllVersionsAsync(name, cancellationToken).ConfigureAwait(false);
            return;
        }

        try
        {
            await _client.DeleteObjectAsync(_options.Bucket, Key(name), cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonServiceException e)
        {
            throw Failure("delete", name, e);
        }
    }

    /// <summary>
    /// Deletes every stored version and delete marker of the object, so that no earlier content of
    /// it remains in a versioned bucket. Returns how many versions were deleted: zero when there were
    /// none, or when the server does not implement versioning, in which case a plain delete is done.
    /// </summary>
    public async Task<int> DeleteAllVersionsAsync(ObjectName name, CancellationToken cancellationToken = default)
    {
        string key = Key(name);
        int deleted = 0;
        try
        {
            // Collect first: deleting while paging would shift the markers under the listing.
            var versions = new List<string>();
            var request = new ListVersionsRequest { BucketName = _options.Bucket, Prefix = key };
            while (true)
            {
                ListVersionsResponse page;
                try
                {
                    page = await _client.ListVersionsAsync(request, cancellationToken).ConfigureAwait(false);
                }
                catch (AmazonS3Exception e) when (IsUnsupported(e))
                {
                    // A server without versioning (s3rver 3.7.1) keeps one copy: a plain delete removes it.
                    await _client.DeleteObjectAsync(_options.Bucket, key, cancellationToken).ConfigureAwait(false);
                    return 0;
                }

                foreach (var version in page.Versions ?? [])
                {
                    if (version.Key == key)
                    {
                        versions.Add(version.VersionId);
                    }
                }

                if (page.IsTruncated != true)
                {
                    break;
                }

                request.KeyMarker = page.NextKeyMarker;
                request.VersionIdMarker = page.NextVersionIdMarker;
            }

            foreach (string versionId in versions)
            {
                await _client.DeleteObjectAsync(
                    new DeleteObjectRequest { BucketName = _options.Bucket, Key = key, VersionId = versionId },
                    cancellationToken).ConfigureAwait(false);
                deleted++;
            }

            return deleted;
        }
        catch (AmazonServiceException e)
        {
            throw Failure("delete every version of", name, e);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _client.Dispose();

    /// <summary>
    /// Asks once per storage whether the bucket keeps versions. Only a success is remembered, so a
    /// transient failure is retried by the next delete.
    /// </summary>
    private async Task<BucketVersioning> DetectVersioningAsync(ObjectName name, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _client.GetBucketVersioningAsync(
                new GetBucketVersioningRequest { BucketName = _options.Bucket },
                cancellationToken).ConfigureAwait(false);
            string? status = response.VersioningConfig?.Status?.Value;

            // "Suspended" buckets still hold the versions written while versioning was on.
            return status == VersionStatus.Enabled.Value || status == VersionStatus.Suspended.Value
                ? BucketVersioning.Versioned
                : BucketVersioning.Unversioned;
        }
        catch (AmazonS3Exception e) when (IsUnsupported(e))
        {
            // The server has no notion of versions, so a plain delete removes the data.
            return BucketVersioning.Unversioned;
        }
        catch (AmazonServiceException e)
        {
            // Not guessed: deleting without knowing could leave old versions readable.
            throw Failure("check bucket versioning before deleting", name, e);
        }
    }

    /// <summary>
    /// Gets the response for <paramref name="length"/> bytes at <paramref name="offset"/>, whose body
    /// starts exactly at the first byte asked for and holds at least <paramref name="length"/> bytes.
    /// </summary>
    private async Task<GetObjectResponse> GetRangeAsync(ObjectName name, long offset, int length, CancellationToken cancellationToken)
    {
        // RFC 9110 §14.1.2: "bytes=first-last" is inclusive; "bytes=-n" is the final n bytes, which
        // saves asking for the size first.
        var range = offset < 0
            ? new ByteRange(string.Create(CultureInfo.InvariantCulture, $"bytes=-{-offset}"))
            : new ByteRange(offset, offset + length - 1);
        var response = await _client.GetObjectAsync(
            new GetObjectRequest { BucketName = _options.Bucket, Key = Key(name), ByteRange = range },
            cancellationToken).ConfigureAwait(false);

        // Check what came back rather than trust the server: a range past the end comes back short,
        // a suffix longer than the object comes back whole, and some servers (s3rver 3.7.1) read
        // "bytes=-n" as "bytes=0-n". RFC 9110 §14.4: Content-Range is "bytes first-last/size".
        if (!ContentRange.TryParse(response.ContentRange, out long first, out long last, out long size))
        {
            response.Dispose();
            throw new IOException($"The S3 server answered a range read of {name.Path} without a valid Content-Range.");
        }

        long start = offset < 0 ? size + offset : offset;
        if (start < 0 || start + length > size)
        {
            response.Dispose();
            throw TooShort(name, size);
        }

        if (first == start && last - first + 1 >= length)
        {
            return response;
        }

        response.Dispose();
        if (offset >= 0)
        {
            throw new IOException($"The S3 server answered a range read of {name.Path} with bytes {first}-{last} instead of {start}-{start + length - 1}.");
        }

        // The suffix was misread; now that the size is known, ask for the absolute range.
        return await GetRangeAsync(name, start, length, cancellationToken).ConfigureAwait(false);
    }

    private async Task<long> SizeAsync(ObjectName name, CancellationToken cancellationToken) =>
        await TrySizeAsync(name, cancellationToken).ConfigureAwait(false) ?? throw new ObjectNotFoundException(name);

    private async Task<long?> TrySizeAsync(ObjectName name, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _client.GetObjectMetadataAsync(_options.Bucket, Key(name), cancellationToken).ConfigureAwait(false);
            return response.ContentLength;
        }
        catch (AmazonS3Exception e) when (IsNotFound(e))
        {
            return null;
        }
        catch (AmazonServiceException e)
        {
            throw Failure("look up", name, e);
        }
    }

    private string Key(ObjectName name) => _root + name.Path;

    private static bool IsNotFound(AmazonS3Exception e) =>
        e.StatusCode == HttpStatusCode.NotFound && e.ErrorCode is not "NoSuchBucket";

    private static bool IsUnsupported(AmazonS3Exception e) =>
        e.StatusCode is HttpStatusCode.NotImplemented or HttpStatusCode.MethodNotAllowed;

    private static MemoryStream ReadOnlyStream(ReadOnlyMemory<byte> data) =>
        MemoryMarshal.TryGetArray(data, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(data.ToArray(), writable: false);

    private static EndOfStreamException TooShort(ObjectName name, long? size) =>
        new(size is { } known
            ? $"Object {name.Path} is {known} bytes, shorter than the range asked for."
            : $"Object {name.Path} is shorter than the range asked for.");

    private S3StorageException Failure(string operation, ObjectName name, AmazonServiceException e) =>
        Failure(operation, name.Path, e);

    private S3StorageException Failure(string operation, string key, AmazonServiceException e) =>
        new($"Could not {operation} {key} in {Location}: {S3StorageException.Describe(e)}", e);

    internal static MemoryStream PartStream(ReadOnlyMemory<byte> data) => ReadOnlyStream(data);

    private enum BucketVersioning
    {
        Unknown,
        Unversioned,
        Versioned,
    }
}
