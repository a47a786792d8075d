using Lockbox.Fuzzing;
using Xunit;
using Xunit.Abstractions;

namespace Lockbox.Opaque.Tests.Fuzzing;

/// <summary>
/// The short, fixed-seed fuzz run of every OPAQUE message parser and of client and server
/// processing of mutated messages (tests/fuzz-long.sh runs millions). Property: only
/// <see cref="OpaqueException"/>, and no mutated message ever completes a login.
/// </summary>
public sealed class OpaqueFuzzTests(ITestOutputHelper output)
{
    public const int InputsPerParser = 3000;

    public static TheoryData<string> Targets() => [.. OpaqueTargets.All.Select(t => t.Name)];

    [Theory]
    [MemberData(nameof(Targets))]
    public void Every_OPAQUE_parser_and_step_refuses_fuzzed_messages_with_an_OpaqueException_only(string target)
    {
        var fuzz = OpaqueTargets.All.Single(t => t.Name == target);
        int count = Math.Max(60, InputsPerParser / fuzz.Cost);
        var report = fuzz.Run(count, Fuzz.DefaultSeed);
        output.WriteLine(report.ToString());
        Assert.Equal(count, report.Inputs);
    }
}
