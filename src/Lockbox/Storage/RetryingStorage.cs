using System.Net;
using System.Runtime.CompilerServices;
using Amazon.Runtime;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Lockbox.Storage;

/// <summary>
/// Retries transient storage faults with exponential backoff and jitter, and cuts every attempt that
/// hangs past <see cref="StorageRetryOptions.AttemptTimeout"/> (Polly). Lasting faults, a missing
/// object and a short object are not retried: they surface at once as the inner storage reports them.
/// Every retried operation is safe to repeat: writes are whole-object and idempotent, and reads
/// refill the caller's buffer from the start.
/// </summary>
public class RetryingStorage : IStorage, IDisposable
{
    private readonly IStorage _inner;
    private readonly ResiliencePipeline _pipeline;
    private readonly StorageRetryOptions _options;

    /// <summary>
    /// Wraps <paramref name="inner"/>, keeping what it can do: storage that takes objects in pieces
    /// (a local folder) still does, so packs need not be held in memory whole.
    /// </summary>
    public static RetryingStorage Over(IStorage inner, StorageRetryOptions? options = null) =>
        inner is IStreamingStorage ? new RetryingStreamingStorage(inner, options) : new RetryingStorage(inner, options);

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    public RetryingStorage(IStorage inner, StorageRetryOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        options ??= new StorageRetryOptions();
        _inner = inner;
        _options = options;
        _pipeline = new ResiliencePipelineBuilder { TimeProvider = options.TimeProvider }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
                MaxRetryAttempts = options.MaxRetries,
                Delay = options.BaseDelay,
                MaxDelay = options.MaxDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
            })
            .AddTimeout(options.AttemptTimeout)
            .Build();
    }

    /// <inheritdoc />
    public string Location => _inner.Location;

    /// <summary>The storage this retries.</summary>
    public IStorage Inner => _inner;

    /// <summary>
    /// Whether <paramref name="error"/> may go away if the operation is repeated: an I/O error, a
    /// network error, an attempt that timed out, or an S3 answer of 5xx or 429. A missing object, a
    /// short object, a refused request (4xx) and cancellation by the caller are final.
    /// </summary>
    public static bool IsTransient(Exception error) => error switch
    {
        ObjectNotFoundException or EndOfStreamException or FileNotFoundException or DirectoryNotFoundException => false,
        OperationCanceledException => false,
        TimeoutRejectedException or HttpRequestException => true,
        S3StorageException s3 => s3.InnerException switch
        {
            AmazonServiceException service when service.StatusCode != 0 => IsTransientStatus(service.StatusCode),
            AmazonServiceException service => service.InnerException is not null && IsTransient(service.InnerException),
            { } inner => IsTransient(inner),
            null => false,
        },
        AmazonServiceException service => IsTransientStatus(service.StatusCode),
        IOException => true,
        _ => false,
    };

    /// <inheritdoc />
    public Task WriteAsync(ObjectName name, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) =>
        _pipeline.ExecuteAsync(
            static async (state, token) => await state.Inner.WriteAsync(state.Name, state.Data, token).ConfigureAwait(false),
            (Inner: _inner, Name: name, Data: data),
            cancellationToken).AsTask();

    /// <inheritdoc />
    public Task<byte[]> ReadAsync(ObjectName name, CancellationToken cancellationToken = default) =>
        _pipeline.ExecuteAsync(
            static async (state, token) => await state.Inner.ReadAsync(state.Name, token).ConfigureAwait(false),
            (Inner: _inner, Name: name),
            cancellationToken).AsTask();

    /// <inheritdoc />
    public Task ReadRangeAsync(ObjectName name, long offset, Memory<byte> destination, CancellationToken cancellationToken = default) =>
        _pipeline.ExecuteAsync(
            static async (state, token) => await state.Inner.ReadRangeAsync(state.Name, state.Offset, state.Destination, token).ConfigureAwait(false),
            (Inner: _inner, Name: name, Offset: offset, Destination: destination),
            cancellationToken).AsTask();

    /// <summary>
    /// Lists the objects of one kind. The listing is collected whole within one attempt, so a retry
    /// never repeats or skips an object the caller has already seen.
    /// </summary>
    public async IAsyncEnumerable<StoredObject> ListAsync(ObjectKind kind, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var listing = await _pipeline.ExecuteAsync(
            static async (state, token) =>
            {
                var objects = new List<StoredObject>();
                await foreach (var item in state.Inner.ListAsync(state.Kind, token).ConfigureAwait(false))
                {
                    objects.Add(item);
                }

                return objects;
            },
            (Inner: _inner, Kind: kind),
            cancellationToken).ConfigureAwait(false);
        foreach (var item in listing)
        {
            yield return item;
        }
    }

    /// <inheritdoc />
    public Task<bool> ExistsAsync(ObjectName name, CancellationToken cancellationToken = default) =>
        _pipeline.ExecuteAsync(
            static async (state, token) => await state.Inner.ExistsAsync(state.Name, token).ConfigureAwait(false),
            (Inner: _inner, Name: name),
            cancellationToken).AsTask();

    /// <inheritdoc />
    public IStorage Child(string name) => Over(_inner.Child(name), _options);

    /// <inheritdoc />
    public Task DeleteAsync(ObjectName name, CancellationToken cancellationToken = default) =>
        _pipeline.ExecuteAsync(
            static async (state, token) => await state.Inner.DeleteAsync(state.Name, token).ConfigureAwait(false),
            (Inner: _inner, Name: name),
            cancellationToken).AsTask();

    /// <summary>Disposes the inner storage if it holds resources (an S3 client).</summary>
    public void Dispose()
    {
        (_inner as IDisposable)?.Dispose();
        GC.SuppressFinalize(this);
    }

    private static bool IsTransientStatus(HttpStatusCode status) =>
        (int)status >= 500 || status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout;
}

/// <summary>
/// A retrying local folder: whole objects are retried, and packs streamed to disk as they fill go
/// straight to the folder, where a failure fails that pack and the next backup writes it again.
/// </summary>
internal sealed class RetryingStreamingStorage(IStorage inner, StorageRetryOptions? options) : RetryingStorage(inner, options), IStreamingStorage
{
    public ObjectWriter CreateWriter(ObjectName name, long expectedLength) => ((IStreamingStorage)Inner).CreateWriter(name, expectedLength);
}

/// <summary>How <see cref="RetryingStorage"/> retries.</summary>
public sealed record StorageRetryOptions
{
    /// <summary>Retries after the first attempt; then the last error surfaces.</summary>
    public int MaxRetries { get; init; } = 6;

    /// <summary>The first backoff; each retry doubles it, with jitter.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest backoff.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long one attempt may take before it is abandoned and retried; a 16 MiB pack over a slow link fits well inside.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The clock for backoff and timeouts; tests pass a fake one.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
