namespace Lockbox.Vault.Server;

/// <summary>
/// A setting that stops the vault from starting. Its message names the option, file or folder at fault
/// and the fix, never a secret's value, so lockbox-vault prints it as it is, without a stack trace.
/// </summary>
public sealed class VaultStartupException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public VaultStartupException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the I/O error behind it.</summary>
    public VaultStartupException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
