using Amazon.S3;
using Amazon.S3.Model;

namespace Lockbox.Storage;

/// <summary>
/// One object uploaded in parts (no TransferUtility: it cannot turn off chunk encoding). The object
/// appears only when the upload completes; on any failure or cancellation the upload is aborted so
/// the bucket keeps no orphaned parts.
/// </summary>
internal sealed class S3MultipartUpload(IAmazonS3 client, S3StorageOptions options, string key)
{
    public async Task RunAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var created = await client.InitiateMultipartUploadAsync(
            new InitiateMultipartUploadRequest { BucketName = options.Bucket, Key = key },
            cancellationToken).ConfigureAwait(false);
        string uploadId = created.UploadId;
        try
        {
            int partCount = checked((int)((data.Length + (long)options.PartSize - 1) / options.PartSize));
            var parts = new PartETag[partCount];
            await Parallel.ForAsync(
                0,
                partCount,
                new ParallelOptions { MaxDegreeOfParallelism = options.UploadConcurrency, CancellationToken = cancellationToken },
                async (index, token) =>
                {
                    int start = index * options.PartSize;
                    var part = data.Slice(start, Math.Min(options.PartSize, data.Length - start));
                    using var body = S3Storage.PartStream(part);
                    var uploaded = await client.UploadPartAsync(
                        new UploadPartRequest
                        {
                            BucketName = options.Bucket,
                            Key = key,
                            UploadId = uploadId,
                            PartNumber = index + 1,
                            InputStream = body,
                            PartSize = part.Length,
                            IsLastPart = index == partCount - 1,
                            UseChunkEncoding = false,
                        },
                        token).ConfigureAwait(false);
                    parts[index] = new PartETag(index + 1, uploaded.ETag);
                }).ConfigureAwait(false);

            await client.CompleteMultipartUploadAsync(
                new CompleteMultipartUploadRequest { BucketName = options.Bucket, Key = key, UploadId = uploadId, PartETags = [.. parts] },
                cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await AbortAsync(uploadId).ConfigureAwait(false);
            throw;
        }
    }

    private async Task AbortAsync(string uploadId)
    {
        try
        {
            // Not the caller's token: a cancelled upload must still be cleaned up.
            await client.AbortMultipartUploadAsync(
                new AbortMultipartUploadRequest { BucketName = options.Bucket, Key = key, UploadId = uploadId },
                CancellationToken.None).ConfigureAwait(false);
        }
        catch (AmazonS3Exception)
        {
            // Keep the original failure; a bucket lifecycle rule reclaims parts that stay behind.
        }
    }
}
