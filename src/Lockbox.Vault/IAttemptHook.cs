namespace Lockbox.Vault.Server;

/// <summary>
/// Runs right after a login attempt has been durably counted and before KE2 is computed. The default
/// does nothing; tests install one that throws, to show that a crash at this point still costs a guess.
/// </summary>
public interface IAttemptHook
{
    /// <summary>Called once per counted attempt.</summary>
    void AttemptCounted(string account, int attempt);
}

internal sealed class NoAttemptHook : IAttemptHook
{
    public void AttemptCounted(string account, int attempt)
    {
    }
}
