using System.Security.Cryptography;

namespace Lockbox.Repository;

/// <summary>Names of packs, index files and snapshots: 32 random bytes as 64 lowercase hex digits.</summary>
internal static class ObjectIds
{
    public static string NewName() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    public static bool IsValidName(string name) =>
        name.Length == 64 && name.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');
}
