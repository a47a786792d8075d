using Lockbox.Storage;

namespace Lockbox.Repository;

/// <summary>
/// Downloads one pack whole and authenticates each of the given blobs in it, reporting every one
/// that fails instead of stopping at the first: check's <c>--read-data</c> and a restore that met a
/// damaged blob both need to know all the damage in a pack at once.
/// </summary>
internal static class PackScan
{
    /// <summary>A blob of the pack that could not be read, and why.</summary>
    public readonly record struct Failure(PackEntry Entry, string Problem);

    /// <summary>
    /// Opens every entry of <paramref name="pack"/>, the whole pack as read from <paramref name="name"/>;
    /// returns those that fail and how many opened. A blob past the pack's end is damaged (truncated).
    /// </summary>
    public static (List<Failure> Failures, long Verified) Scan(ReadOnlySpan<byte> pack, ObjectName name, IEnumerable<PackEntry> entries, BlobCodec codec)
    {
        var failures = new List<Failure>();
        long verified = 0;
        byte[] plaintext = [];
        foreach (var entry in entries)
        {
            if ((long)entry.Offset + entry.StoredLength > pack.Length)
            {
                failures.Add(new Failure(entry, $"Corrupt object {name.Path}, blob {entry.Id}: it lies past the pack's end (truncated)."));
                continue;
            }

            try
            {
                if (plaintext.Length < entry.RawLength)
                {
                    plaintext = new byte[Math.Max(entry.RawLength, 1 << 20)];
                }

                codec.OpenInto(pack.Slice((int)entry.Offset, (int)entry.StoredLength), entry, name, plaintext.AsSpan(0, (int)entry.RawLength));
                verified++;
            }
            catch (CorruptObjectException e)
            {
                failures.Add(new Failure(entry, e.Message));
            }
        }

        return (failures, verified);
    }
}
