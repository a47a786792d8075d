using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Lockbox.Vault.Protocol;
using Net.Pkcs11Interop.Common;
using Net.Pkcs11Interop.HighLevelAPI;
using Net.Pkcs11Interop.HighLevelAPI.MechanismParams;
using ISession = Net.Pkcs11Interop.HighLevelAPI.ISession;

namespace Lockbox.Vault.Server.Secrets;

/// <summary>
/// Wraps secrets with a non-extractable AES-256 key inside a PKCS#11 token (an HSM, or SoftHSM2 in
/// tests), using CKM_AES_GCM in the token: the wrapping key never exists in process memory. The key is
/// generated in the token on first start if no key with the label exists.
/// </summary>
public sealed class Pkcs11KeyProtector : IKeyProtector
{
    private static int s_resolverInstalled;
    private readonly IPkcs11Library _library;
    private readonly ISession _session;
    private readonly IObjectHandle _key;
    private readonly Lock _lock = new();

    /// <summary>Opens <paramref name="libraryPath"/>, logs in to the token labelled <paramref name="tokenLabel"/>, finds or creates the key.</summary>
    public Pkcs11KeyProtector(string libraryPath, string tokenLabel, string userPin, string keyLabel)
    {
        InstallLibdlResolver();
        var factories = new Pkcs11InteropFactories();
        _library = factories.Pkcs11LibraryFactory.LoadPkcs11Library(factories, libraryPath, AppType.MultiThreaded);
        try
        {
            var slot = _library.GetSlotList(SlotsType.WithTokenPresent)
                .FirstOrDefault(s => s.GetTokenInfo().Label.Trim() == tokenLabel)
                ?? throw new InvalidOperationException($"No PKCS#11 token is labelled '{tokenLabel}'.");
            _session = slot.OpenSession(SessionType.ReadWrite);
            _session.Login(CKU.CKU_USER, userPin);
            _key = FindOrCreateKey(_session, keyLabel);
        }
        catch
        {
            _library.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public byte[] Wrap(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        byte[] iv = RandomNumberGenerator.GetBytes(AesGcmBox.IvLength);
        byte[] input = plaintext.ToArray();
        try
        {
            byte[] sealedPart = Run(iv, associatedData, (session, mechanism) => session.Encrypt(mechanism, _key, input));
            return [.. iv, .. sealedPart];
        }
        finally
        {
            CryptographicOperations.ZeroMemory(input);
        }
    }

    /// <inheritdoc />
    public byte[] Unwrap(ReadOnlySpan<byte> wrapped, ReadOnlySpan<byte> associatedData)
    {
        if (wrapped.Length < AesGcmBox.Overhead)
        {
            throw new CryptographicException("The wrapped secret is too short.");
        }

        byte[] iv = wrapped[..AesGcmBox.IvLength].ToArray();
        byte[] body = wrapped[AesGcmBox.IvLength..].ToArray();
        try
        {
            return Run(iv, associatedData, (session, mechanism) => session.Decrypt(mechanism, _key, body));
        }
        catch (Pkcs11Exception e)
        {
            // SoftHSM2 reports a failed GCM tag as CKR_GENERAL_ERROR or CKR_ENCRYPTED_DATA_INVALID.
            throw new CryptographicException($"The token refused to unwrap the secret ({e.RV}).", e);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _session.Dispose();
        _library.Dispose();
    }

    private byte[] Run(byte[] iv, ReadOnlySpan<byte> associatedData, Func<ISession, IMechanism, byte[]> operation)
    {
        var factories = _session.Factories;
        using var parameters = factories.MechanismParamsFactory.CreateCkGcmParams(iv, 96, associatedData.ToArray(), 128);
        var mechanism = factories.MechanismFactory.Create(CKM.CKM_AES_GCM, parameters);
        lock (_lock)
        {
            return operation(_session, mechanism);
        }
    }

    private static IObjectHandle FindOrCreateKey(ISession session, string label)
    {
        var factory = session.Factories.ObjectAttributeFactory;
        var found = session.FindAllObjects(
        [
            factory.Create(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY),
            factory.Create(CKA.CKA_LABEL, label),
        ]);
        if (found.Count > 0)
        {
            return found[0];
        }

        var mechanism = session.Factories.MechanismFactory.Create(CKM.CKM_AES_KEY_GEN);
        return session.GenerateKey(mechanism,
        [
            factory.Create(CKA.CKA_CLASS, CKO.CKO_SECRET_KEY),
            factory.Create(CKA.CKA_KEY_TYPE, CKK.CKK_AES),
            factory.Create(CKA.CKA_VALUE_LEN, 32),
            factory.Create(CKA.CKA_TOKEN, true),
            factory.Create(CKA.CKA_PRIVATE, true),
            factory.Create(CKA.CKA_SENSITIVE, true),
            factory.Create(CKA.CKA_EXTRACTABLE, false),
            factory.Create(CKA.CKA_ENCRYPT, true),
            factory.Create(CKA.CKA_DECRYPT, true),
            factory.Create(CKA.CKA_LABEL, label),
        ]);
    }

    // Pkcs11Interop loads "libdl" to find the module; Debian 12 ships only libdl.so.2.
    private static void InstallLibdlResolver()
    {
        if (Interlocked.Exchange(ref s_resolverInstalled, 1) == 0)
        {
            NativeLibrary.SetDllImportResolver(typeof(IPkcs11Library).Assembly, (name, _, _) =>
                name == "libdl" && NativeLibrary.TryLoad("libdl.so.2", out var handle) ? handle : IntPtr.Zero);
        }
    }
}
