using Lockbox.Crypto;

namespace Lockbox.Repository;

/// <summary>
/// One element of a file's content list in a manifest (docs/FORMAT.md, "Database pages"). Either a
/// whole blob, written as its id, or a database page stored as a delta against the same page of an
/// earlier full copy, written "page=delta+base": the page's own id, the delta blob, and the base
/// blob it decompresses against.
/// </summary>
internal readonly record struct ContentElement(BlobId Page, BlobId? Delta, BlobId? Base)
{
    public bool IsDelta => Delta is not null;

    public static ContentElement Whole(BlobId id) => new(id, null, null);

    public static ContentElement Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (BlobId.IsHex(text))
        {
            return Whole(BlobId.Parse(text));
        }

        if (text.Length == 3 * 64 + 2 && text[64] == '=' && text[129] == '+' 
            && BlobId.IsHex(text.AsSpan(0, 64)) && BlobId.IsHex(text.AsSpan(65, 64)) && BlobId.IsHex(text.AsSpan(130)))
        {
            return new ContentElement(BlobId.Parse(text.AsSpan(0, 64)), BlobId.Parse(text.AsSpan(65, 64)), BlobId.Parse(text.AsSpan(130)));
        }

        throw new LockboxException($"A manifest content element is malformed ({text.Length} characters).");
    }

    /// <summary>The blobs that must be stored for this element to restore.</summary>
    public IEnumerable<BlobId> StoredBlobs => IsDelta ? [Delta!.Value, Base!.Value] : [Page];

    public override string ToString() => IsDelta ? $"{Page}={Delta}+{Base}" : Page.ToString();
}
