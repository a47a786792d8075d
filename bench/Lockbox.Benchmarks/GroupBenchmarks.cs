using BenchmarkDotNet.Attributes;
using Lockbox.Opaque.Group;

namespace Lockbox.Benchmarks;

/// <summary>The libsodium ristretto255 primitives that bound the server's cost per login.</summary>
public class GroupBenchmarks
{
    private readonly byte[] _scalar = new byte[32];
    private readonly byte[] _element = new byte[32];
    private readonly byte[] _result = new byte[32];

    [GlobalSetup]
    public void Setup()
    {
        Ristretto255.RandomScalar(_scalar);
        Ristretto255.MultiplyBase(_scalar, _element);
    }

    [Benchmark]
    public bool ValidateElement() => Ristretto255.IsValidElement(_element);

    [Benchmark]
    public void ScalarMult() => Ristretto255.Multiply(_scalar, _element, _result);

    [Benchmark]
    public void ScalarMultBase() => Ristretto255.MultiplyBase(_scalar, _result);
}
