namespace Lockbox.Cli;

/// <summary>The lockbox command's exit codes (documented in README.md, "Exit codes").</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int Usage = 2;
    public const int WrongKey = 3;
    public const int DamagedRepository = 4;
    public const int MissingData = 5;
    public const int WrongPassword = 6;
    public const int KeyDestroyed = 7;
    public const int VaultUnreachable = 8;
    public const int VaultConfiguration = 9;
    public const int RateLimited = 10;
    public const int PartialRestore = 11;
    public const int Unsupported = 12;
    public const int Interrupted = 130;
}
