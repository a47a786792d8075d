using System.Reflection;
using System.Text;
using System.Text.Json.Serialization;
using Lockbox.Vault.Protocol.Contracts;
using Xunit;

namespace Lockbox.Vault.Protocol.Tests;

/// <summary>
/// Every name the client and the server must agree on (contract members, error codes, paths, escrow
/// states, labels) is defined once, in this assembly, and frozen in Golden/wire-names.txt: a renamed
/// member or code fails here, not in the field. Set LOCKBOX_REGENERATE_VECTORS=1 to rewrite the file
/// after a deliberate, versioned change.
/// </summary>
public class WireNamesTests
{
    private static readonly Assembly Protocol = typeof(VaultJson).Assembly;

    [Fact]
    public void The_wire_names_are_the_frozen_ones()
    {
        string actual = WireNames();
        string golden = Path.Combine(AppContext.BaseDirectory, "Golden", "wire-names.txt");
        if (Environment.GetEnvironmentVariable("LOCKBOX_REGENERATE_VECTORS") == "1")
        {
            string source = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "Golden", "wire-names.txt");
            File.WriteAllText(source, actual);
            Assert.Fail($"Rewrote {Path.GetFullPath(source)}; review the diff and run the tests again.");
        }

        Assert.Equal(File.ReadAllText(golden), actual);
    }

    [Fact]
    public void Every_contract_is_in_the_one_json_context_and_every_member_is_nullable_on_the_wire()
    {
        foreach (var type in ContractTypes())
        {
            var info = VaultJson.Default.GetTypeInfo(type);
            Assert.True(info is not null, $"{type.Name} is not in VaultJson.");
            foreach (var property in info!.Properties)
            {
                Assert.False(property.IsRequired, $"{type.Name}.{property.Name} is required; a missing member must reach the side's own check.");
            }
        }
    }

    [Fact]
    public void Every_error_code_and_every_path_is_in_protocol_md()
    {
        string protocol = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "PROTOCOL.md"));

        foreach (string code in Constants(typeof(VaultErrorCodes)))
        {
            Assert.True(protocol.Contains($"`{code}`", StringComparison.Ordinal), $"docs/PROTOCOL.md does not list the error code {code}.");
        }

        foreach (string path in Constants(typeof(VaultPaths)))
        {
            Assert.True(protocol.Contains($"/{path}", StringComparison.Ordinal), $"docs/PROTOCOL.md does not list the path /{path}.");
        }
    }

    [Fact]
    public void Error_codes_paths_and_labels_are_each_distinct()
    {
        foreach (var type in new[] { typeof(VaultErrorCodes), typeof(VaultPaths), typeof(VaultLabels) })
        {
            var values = Constants(type).ToList();
            Assert.Equal(values.Count, values.Distinct(StringComparer.Ordinal).Count());
        }
    }

    [Theory]
    [InlineData(typeof(Lockbox.Repository.LockboxException))]      // the client SDK
    [InlineData(typeof(Lockbox.Vault.Server.VaultOptions))]         // the server
    public void Neither_side_defines_the_protocol_again(Type side)
    {
        var assembly = side.Assembly;
        foreach (var type in assembly.GetTypes())
        {
            Assert.False(type.Namespace?.StartsWith("Lockbox.Vault.Protocol", StringComparison.Ordinal) == true, $"{assembly.GetName().Name} defines {type.FullName}.");
            if (!typeof(JsonSerializerContext).IsAssignableFrom(type))
            {
                continue;
            }

            foreach (var serializable in type.GetCustomAttributesData().Where(a => a.AttributeType == typeof(JsonSerializableAttribute)))
            {
                var covered = (Type)serializable.ConstructorArguments[0].Value!;
                Assert.False(covered.Assembly == Protocol, $"{type.FullName} serialises the contract {covered.Name} with a JSON context of its own; use VaultJson.");
            }
        }
    }

    private static string WireNames()
    {
        var text = new StringBuilder();
        foreach (var type in ContractTypes().OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            var names = VaultJson.Default.GetTypeInfo(type)!.Properties.Select(p => p.Name);
            text.Append("contract ").Append(type.Name).Append(':');
            foreach (string name in names)
            {
                text.Append(' ').Append(name);
            }

            text.Append('\n');
        }

        foreach (var (kind, type) in new[] { ("error", typeof(VaultErrorCodes)), ("path", typeof(VaultPaths)), ("state", typeof(EscrowStates)), ("label", typeof(VaultLabels)) })
        {
            foreach (string value in Constants(type))
            {
                text.Append(kind).Append(' ').Append(value).Append('\n');
            }
        }

        foreach (var (name, value) in typeof(VaultLengths).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).Select(f => (f.Name, f.GetRawConstantValue())))
        {
            text.Append("length ").Append(name).Append(' ').Append(value).Append('\n');
        }

        foreach (var purpose in Enum.GetValues<PossessionProof.Purpose>())
        {
            text.Append("purpose ").Append(purpose).Append(' ').Append((int)purpose).Append('\n');
        }

        return text.ToString();
    }

    private static IEnumerable<Type> ContractTypes() =>
        Protocol.GetTypes().Where(t => t.Namespace == typeof(VaultJson).Namespace && t.IsPublic && !t.IsAbstract && t != typeof(VaultJson));

    private static IEnumerable<string> Constants(Type type) =>
        type.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral && f.FieldType == typeof(string)).Select(f => (string)f.GetRawConstantValue()!);
}
