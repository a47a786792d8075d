using System.Text.Json;

namespace Lockbox.Opaque.Tests;

/// <summary>Reads the RFC vector files embedded in this assembly.</summary>
internal static class TestVectors
{
    public static JsonDocument Load(string name)
    {
        using Stream stream = typeof(TestVectors).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Missing embedded vector file {name}.");
        return JsonDocument.Parse(stream);
    }

    public static byte[] Hex(this JsonElement element, string name) =>
        Convert.FromHexString(element.GetProperty(name).GetString()!);

    public static bool Has(this JsonElement element, string name) => element.TryGetProperty(name, out _);
}
