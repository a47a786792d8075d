namespace Lockbox.StoreGen;

/// <summary>What <see cref="ChatStoreGenerator.GenerateAsync"/> builds. The defaults are the bench's default store.</summary>
public sealed record GenerateOptions
{
    public int Seed { get; init; } = 1;
    public long Messages { get; init; } = 1_000_000;
    public int Chats { get; init; } = 600;
    public long MediaBytes { get; init; } = 1_500L * 1024 * 1024;
}

/// <summary>One simulated day of use, applied by <see cref="ChatStoreGenerator.GrowAsync"/>.</summary>
public sealed record GrowOptions
{
    /// <summary>Seed for this day; the same seed on the same store gives the same day.</summary>
    public int Seed { get; init; } = 2;
    public double NewMessagesPercent { get; init; } = 1.0;
    public double EditsPercent { get; init; } = 0.5;
    /// <summary>Share of the edits that delete the message instead of changing its text.</summary>
    public double DeletedShareOfEdits { get; init; } = 0.2;
    public long MediaBytes { get; init; } = 20L * 1024 * 1024;
}

public sealed record StoreSummary(long Messages, int Chats, int MediaFiles, long MediaBytes, long DatabaseBytes);

public sealed record GrowSummary(long AddedMessages, long EditedMessages, long DeletedMessages, int AddedMediaFiles, long AddedMediaBytes);
