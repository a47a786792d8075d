using Lockbox.Vault.Server.Storage;

namespace Lockbox.Vault.Tests;

/// <summary>How tests look at the store.</summary>
internal static class StoreViews
{
    /// <summary>The account's live record, or null when it has none (no row, a phantom, or a tombstone).</summary>
    public static async Task<EscrowRecord?> GetRecordAsync(this IVaultStore store, string account, CancellationToken cancellationToken) =>
        await store.GetEscrowAsync(account, cancellationToken) is { IsTombstone: false } record ? record : null;
}
