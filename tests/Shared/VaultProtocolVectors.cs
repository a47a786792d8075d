using System.Reflection;
using System.Text.Json;
using Lockbox.Vault.Protocol;

namespace Lockbox.Tests.Shared;

/// <summary>
/// tests/vectors/vault-protocol-v1.json, the vault protocol's known-answer vectors, embedded in each
/// test project that reads it: the protocol's own tests, the client's and the server's. Byte fields
/// are lowercase hex; each section is one construction of docs/PROTOCOL.md.
/// </summary>
internal sealed class VaultProtocolVectors
{
    public const string ResourceName = "vault-protocol-v1.json";

    private readonly JsonElement _root;

    private VaultProtocolVectors(JsonElement root) => _root = root;

    public static VaultProtocolVectors Load()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"{ResourceName} is not embedded in this test assembly.");
        using var document = JsonDocument.Parse(stream);
        return new VaultProtocolVectors(document.RootElement.Clone());
    }

    public JsonElement Root => _root;

    public Section this[string name] => new(_root.GetProperty(name));

    /// <summary>One construction's inputs and outputs.</summary>
    public readonly struct Section(JsonElement element)
    {
        public JsonElement Element => element;

        public byte[] Bytes(string name) => Convert.FromHexString(element.GetProperty(name).GetString()!);

        public string Text(string name) => element.GetProperty(name).GetString()!;

        public int Int(string name) => element.GetProperty(name).GetInt32();

        public long Long(string name) => element.GetProperty(name).GetInt64();

        public KsfParameters Ksf(string name)
        {
            var ksf = element.GetProperty(name);
            return new KsfParameters(ksf.GetProperty("memory_kib").GetInt32(), ksf.GetProperty("iterations").GetInt32(), ksf.GetProperty("parallelism").GetInt32());
        }

        public Section Child(string name) => new(element.GetProperty(name));

        public IEnumerable<Section> Items(string name) => element.GetProperty(name).EnumerateArray().Select(e => new Section(e));
    }
}
