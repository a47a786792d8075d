using Lockbox.Repository;

namespace Lockbox.Cli;

/// <summary>The command line itself is wrong (options that exclude each other, a malformed value): exit code 2, like the parser's own errors.</summary>
internal sealed class UsageException(string message) : LockboxException(message);
