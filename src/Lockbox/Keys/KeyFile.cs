using System.Security.Cryptography;
using Lockbox.Device;

namespace Lockbox.Keys;

/// <summary>A backup key saved as its 64 digits in a file only its owner can read.</summary>
public static class KeyFile
{
    /// <summary>
    /// Saves <paramref name="key"/> at <paramref name="path"/>, whole or not at all, durably.
    /// Without <paramref name="replace"/>, an existing file is left as it is and the call fails.
    /// </summary>
    public static void Write(string path, BackupKey key, bool replace)
    {
        ArgumentNullException.ThrowIfNull(key);
        byte[] text = System.Text.Encoding.ASCII.GetBytes(key.ToDisplayString() + "\n");
        try
        {
            AtomicFile.Write(path, text, replace);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(text);
        }
    }
}
