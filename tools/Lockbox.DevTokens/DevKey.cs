using System.Security.Cryptography;
using System.Text;

namespace Lockbox.DevTokens;

/// <summary>
/// The tool's own ES256 (P-256) key pair, kept in one file it creates with mode 0600. It is a
/// development key: a real messaging service keeps its signing key in its own key store.
/// </summary>
internal sealed class DevKey : IDisposable
{
    /// <summary>The file, in the tool's folder, that holds the private key (PKCS#8 PEM).</summary>
    public const string FileName = "es256-private-key.pem";

    private readonly ECDsa _key;

    private DevKey(ECDsa key)
    {
        _key = key;
        byte[] spki = key.ExportSubjectPublicKeyInfo();
        PublicKeyBase64 = Convert.ToBase64String(spki);
        PublicKeyPem = key.ExportSubjectPublicKeyInfoPem();
        // Named after the key itself, so a second key (a rotation) gets another kid by construction.
        // Letters, digits and "_" only, so it can be part of an environment variable's name.
        Kid = "dev_" + Convert.ToHexStringLower(SHA256.HashData(spki).AsSpan(0, 8));
    }

    /// <summary>The key's id, as tokens carry it in <c>kid</c> and the vault's configuration names it.</summary>
    public string Kid { get; }

    /// <summary>The public key as base64 of its SubjectPublicKeyInfo (DER): one line, for a setting or an environment variable.</summary>
    public string PublicKeyBase64 { get; }

    /// <summary>The public key as a PEM "PUBLIC KEY" block.</summary>
    public string PublicKeyPem { get; }

    public static string PathIn(string folder) => Path.Combine(folder, FileName);

    /// <summary>Makes a new key pair in <paramref name="folder"/> (created 0700 if missing); refuses to replace one.</summary>
    public static DevKey Create(string folder)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else
        {
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            // Set at creation, so the private key is never readable by others, not even for a moment.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        byte[] der = key.ExportPkcs8PrivateKey();
        char[] pem = PemEncoding.Write("PRIVATE KEY", der);
        byte[] bytes = Encoding.ASCII.GetBytes(pem);
        try
        {
            using var file = new FileStream(PathIn(folder), options);
            file.Write(bytes);
            file.Write("\n"u8);
            file.Flush(flushToDisk: true);
            return new DevKey(key);
        }
        catch
        {
            key.Dispose();
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(der);
            CryptographicOperations.ZeroMemory(bytes);
            Array.Clear(pem);
        }
    }

    /// <summary>Reads the key pair <see cref="Create"/> made in <paramref name="folder"/>.</summary>
    public static DevKey Load(string folder)
    {
        string path = PathIn(folder);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} does not exist: run 'lockbox-dev-tokens init' first.");
        }

        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(File.ReadAllText(path));
            if (key.KeySize != 256)
            {
                throw new CryptographicException();
            }

            return new DevKey(key);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            key.Dispose();
            throw new InvalidDataException($"{path} does not hold a P-256 private key.");
        }
    }

    /// <summary>True when others than the owner may read the key file: the tool then warns.</summary>
    public static bool IsExposed(string folder) =>
        !OperatingSystem.IsWindows()
        && (File.GetUnixFileMode(PathIn(folder)) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0;

    /// <summary>An ES256 signature over <paramref name="data"/>, as JWS has it (r ‖ s, 64 bytes).</summary>
    public byte[] Sign(byte[] data) => _key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

    public void Dispose() => _key.Dispose();
}
