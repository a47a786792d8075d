using Lockbox.Fuzzing;
using Xunit;
using Xunit.Abstractions;

namespace Lockbox.Tests.Fuzzing;

/// <summary>
/// The short, fixed-seed fuzz run of every repository parser (tests/fuzz-long.sh runs millions).
/// Property: a parser returns a usable object or throws its documented format error, never
/// IndexOutOfRange, NullReference, ArgumentOutOfRange, Overflow, out-of-memory or a hang.
/// </summary>
public sealed class RepositoryParserFuzzTests(ITestOutputHelper output)
{
    public const int InputsPerParser = 3000;

    public static TheoryData<string> Parsers() => [.. RepositoryTargets.All.Select(t => t.Name)];

    [Theory]
    [MemberData(nameof(Parsers))]
    public void Every_repository_parser_refuses_fuzzed_bytes_with_its_documented_error_only(string parser)
    {
        var target = RepositoryTargets.All.Single(t => t.Name == parser);
        var report = target.Run(InputsPerParser / target.Cost, Fuzz.DefaultSeed);
        output.WriteLine(report.ToString());
        Assert.Equal(InputsPerParser / target.Cost, report.Inputs);
    }
}
