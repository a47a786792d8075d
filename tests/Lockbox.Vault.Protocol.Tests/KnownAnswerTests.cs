using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lockbox.Tests.Shared;
using Xunit;

namespace Lockbox.Vault.Protocol.Tests;

/// <summary>
/// tests/vectors/vault-protocol-v1.json is what the protocol assembly computes, and what an
/// independent implementation (Node's crypto module, check-vault-protocol.mjs) computes from the
/// file's inputs alone. Set LOCKBOX_REGENERATE_VECTORS=1 to rewrite the file after a deliberate
/// protocol change (the test then fails once, so the diff is reviewed).
/// </summary>
public class KnownAnswerTests
{
    private const string FileName = "vault-protocol-v1.json";

    [Fact]
    public void The_committed_vectors_are_what_the_protocol_computes()
    {
        JsonObject generated = VectorGenerator.Generate();
        if (Environment.GetEnvironmentVariable("LOCKBOX_REGENERATE_VECTORS") == "1")
        {
            string path = Path.Combine(RepositoryRoot(), "tests", "vectors", FileName);
            File.WriteAllText(path, generated.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
            Assert.Fail($"Rewrote {path}; review the diff and run the tests again.");
        }

        JsonNode committed = JsonNode.Parse(VaultProtocolVectors.Load().Root.GetRawText())!;

        Assert.True(JsonNode.DeepEquals(generated, committed), $"tests/vectors/{FileName} differs from what the protocol computes: a wire-visible change. Regenerate only if the change is deliberate and versioned.");
    }

    [Fact]
    public async Task An_independent_implementation_recomputes_every_vector_from_its_inputs()
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("LOCKBOX_TEST_NODE") ?? "node")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "check-vault-protocol.mjs"));
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, FileName));
        using var node = Process.Start(start)!;
        Task<string> output = node.StandardOutput.ReadToEndAsync();
        Task<string> errors = node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync();

        Assert.True(node.ExitCode == 0, $"check-vault-protocol.mjs failed:\n{await output}\n{await errors}");
        Assert.Matches(@"^ok: \d+ checks", await output);
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Lockbox.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Lockbox.slnx not found above the test's output folder.");
    }
}
