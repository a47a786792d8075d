using System.Diagnostics;
using FsCheck;
using FsCheck.Fluent;

namespace Lockbox.Fuzzing;

/// <summary>
/// The fuzzing engine shared by the test projects (short, fixed-seed runs) and tests/Lockbox.Fuzz
/// (long runs). Inputs come from FsCheck generators: random byte strings, and structure-aware
/// mutations of valid objects (bit flips, byte overwrites with boundary values, inserts, deletes,
/// truncation, extension, chunk duplication and splices of two valid objects).
/// </summary>
public static class Fuzz
{
    /// <summary>The fixed seed of every short run; a long run takes its own.</summary>
    public const ulong DefaultSeed = 0x10c4b0c5_2026_0006;

    /// <summary>The longest any single input may take before the run counts as a hang.</summary>
    public static readonly TimeSpan HangLimit = TimeSpan.FromSeconds(5);

    private static readonly int[] Interesting32 = [0, 1, -1, 0x7f, 0x80, 0xff, 0x7fff, 0xffff, int.MaxValue, int.MinValue, 1 << 30, 46, 36, 28, 5];

    /// <summary>One mutation step; <see cref="Apply"/> interprets it against any input length.</summary>
    public readonly record struct Mutation(int Kind, int Position, int Value);

    /// <summary>An input: a seed (or none) and the mutations applied to it, or raw random bytes.</summary>
    public sealed record Input(int Seed, Mutation[] Mutations, byte[]? Random)
    {
        /// <inheritdoc />
        public override string ToString() => Random is not null
            ? $"random {Convert.ToHexString(Random)}"
            : $"seed {Seed} with {string.Join(", ", Mutations.Select(m => $"{m.Kind}@{m.Position}:{m.Value}"))}";
    }

    /// <summary>Random byte strings up to <paramref name="maxLength"/>, and mutations of <paramref name="seeds"/>.</summary>
    public static Gen<Input> Inputs(int seedCount, int maxLength)
    {
        var mutation = Gen.Choose(0, 9).SelectMany(kind => Gen.Choose(0, int.MaxValue), (kind, position) => (kind, position))
            .SelectMany(kp => Gen.Choose(0, 1 << 20), (kp, value) => new Mutation(kp.kind, kp.position, value));
        var mutated = Gen.Choose(0, Math.Max(0, seedCount - 1))
            .SelectMany(seed => Gen.Frequency((1, Gen.Constant(0)), (3, Gen.Constant(1)), (3, Gen.Choose(2, 8))).SelectMany(n => Gen.ArrayOf(mutation, n)), (seed, m) => new Input(seed, m, null));
        var random = Gen.Choose(0, maxLength)
            .SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), n), (_, bytes) => new Input(-1, [], bytes));
        return seedCount == 0 ? random : Gen.Frequency((1, random), (6, mutated));
    }

    /// <summary>The bytes of <paramref name="input"/>.</summary>
    public static byte[] Materialize(Input input, IReadOnlyList<byte[]> seeds)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(seeds);
        if (input.Random is not null)
        {
            return input.Random;
        }

        var bytes = new List<byte>(seeds[input.Seed]);
        foreach (var m in input.Mutations)
        {
            Apply(bytes, m, seeds);
        }

        return [.. bytes];
    }

    private static void Apply(List<byte> bytes, Mutation m, IReadOnlyList<byte[]> seeds)
    {
        int at = bytes.Count == 0 ? 0 : m.Position % bytes.Count;
        int small = (m.Value % 16) + 1;
        switch (m.Kind)
        {
            case 0 when bytes.Count > 0: // flip one bit
                bytes[at] ^= (byte)(1 << (m.Value & 7));
                break;
            case 1 when bytes.Count > 0: // overwrite a byte
                bytes[at] = (byte)m.Value;
                break;
            case 2: // insert bytes
                bytes.InsertRange(Math.Min(at, bytes.Count), Enumerable.Range(0, small).Select(i => (byte)(m.Value >> (i % 3))));
                break;
            case 3 when bytes.Count > 0: // delete a run
                bytes.RemoveRange(at, Math.Min(small, bytes.Count - at));
                break;
            case 4: // truncate
                bytes.RemoveRange(at, bytes.Count - at);
                break;
            case 5: // extend
                bytes.AddRange(Enumerable.Range(0, m.Value % 64).Select(i => (byte)(i * 31 + m.Value)));
                break;
            case 6 when seeds.Count > 0: // splice: our head, another valid object's tail
                var other = seeds[m.Value % seeds.Count];
                int from = other.Length == 0 ? 0 : m.Position % other.Length;
                bytes.RemoveRange(at, bytes.Count - at);
                bytes.AddRange(other.AsSpan(from).ToArray());
                break;
            case 7 when bytes.Count >= 4: // a boundary integer, little-endian
                int value = Interesting32[m.Value % Interesting32.Length];
                at = Math.Min(at, bytes.Count - 4);
                for (int i = 0; i < 4; i++)
                {
                    bytes[at + i] = (byte)(value >> (8 * i));
                }

                break;
            case 8 when bytes.Count > 0: // duplicate a chunk
                var chunk = bytes.GetRange(at, Math.Min(small * 4, bytes.Count - at));
                bytes.InsertRange(at, chunk);
                break;
            case 9 when bytes.Count > 0: // a boundary byte
                bytes[at] = (byte)Interesting32[m.Value % Interesting32.Length];
                break;
            default:
                break;
        }
    }

    /// <summary>
    /// Runs <paramref name="count"/> inputs through <paramref name="target"/> with FsCheck, from
    /// <paramref name="seed"/>. The target returns normally or throws an exception
    /// <paramref name="allowed"/> accepts; anything else (or an input that takes longer than
    /// <see cref="HangLimit"/>) fails the run with the input that caused it.
    /// </summary>
    public static FuzzReport Run(
        string name, IReadOnlyList<byte[]> seeds, int maxRandomLength, int count, ulong seed, Action<byte[]> target, Func<Exception, bool> allowed)
    {
        ArgumentNullException.ThrowIfNull(target);
        return RunOver(name, Inputs(seeds.Count, maxRandomLength).Select(input => new Materialized(input, Materialize(input, seeds))), count, seed, m => target(m.Bytes), allowed);
    }

    /// <summary>An input and the bytes it makes; printed as both, so a failure can be replayed by hand.</summary>
    private sealed record Materialized(Input Input, byte[] Bytes)
    {
        public override string ToString() => $"{Input} = {Convert.ToHexString(Bytes)}";
    }

    /// <summary>Like <see cref="Run"/>, over values from any generator (strings, JSON documents, materialized byte inputs).</summary>
    public static FuzzReport RunOver<T>(string name, Gen<T> inputs, int count, ulong seed, Action<T> target, Func<Exception, bool> allowed)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(allowed);
        long accepted = 0;
        long rejected = 0;
        var current = new InputClock();
        var watch = Stopwatch.StartNew();
        var property = Prop.ForAll(inputs.ToArbitrary(), input =>
        {
            long started = current.Start();
            try
            {
                target(input);
                accepted++;
            }
            catch (Exception e) when (allowed(e))
            {
                rejected++;
            }
            catch (Exception e)
            {
                throw new FuzzFailureException($"{name}: {e.GetType().Name} ({e.Message}) on input {input}", e);
            }

            var took = Stopwatch.GetElapsedTime(started);
            if (took > HangLimit)
            {
                throw new FuzzFailureException($"{name}: an input took {took.TotalSeconds:F1} s: {input}");
            }
        });

        RunWithWatchdog(name, current, () => property.Check(Config.QuickThrowOnFailure.WithMaxTest(count).WithQuietOnSuccess(true).WithReplay(seed, 0x9e3779b97f4a7c15)));
        return new FuzzReport(name, accepted + rejected, accepted, rejected, watch.Elapsed);
    }

    /// <summary>Fails instead of hanging when one input never returns.</summary>
    private static void RunWithWatchdog(string name, InputClock current, Action run)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                run();
            }
            catch (Exception e)
            {
                failure = e;
            }
        }, 64 * 1024 * 1024) { IsBackground = true, Name = "fuzz " + name };
        thread.Start();
        while (!thread.Join(TimeSpan.FromMilliseconds(200)))
        {
            if (current.Running > 2 * HangLimit)
            {
                throw new FuzzFailureException($"{name}: an input has not returned after {current.Running.TotalSeconds:F0} s (a hang).");
            }
        }

        if (failure is not null)
        {
            throw new FuzzFailureException($"{name} failed: {failure.Message}", failure);
        }
    }
}

/// <summary>A fuzz target: the parser's name, a run of so many inputs from a seed, and its cost per input relative to a plain parse.</summary>
public sealed record FuzzTarget(string Name, Func<int, ulong, FuzzReport> Run, int Cost = 1);

/// <summary>When the input under test started, for the hang watchdog.</summary>
internal sealed class InputClock
{
    private long _started = Stopwatch.GetTimestamp();

    public TimeSpan Running => Stopwatch.GetElapsedTime(Interlocked.Read(ref _started));

    public long Start()
    {
        long now = Stopwatch.GetTimestamp();
        Interlocked.Exchange(ref _started, now);
        return now;
    }
}

/// <summary>How many inputs a run fed one parser, and how many it accepted or refused.</summary>
public sealed record FuzzReport(string Parser, long Inputs, long Accepted, long Rejected, TimeSpan Elapsed)
{
    /// <summary>What the target saw, when counting parsed and refused says too little (HTTP statuses).</summary>
    public string? Detail { get; init; }

    /// <inheritdoc />
    public override string ToString() => Detail is null
        ? $"{Parser}: {Inputs:N0} inputs ({Accepted:N0} parsed or returned, {Rejected:N0} refused with a documented error) in {Elapsed.TotalSeconds:F1} s"
        : $"{Parser}: {Inputs:N0} inputs ({Detail}) in {Elapsed.TotalSeconds:F1} s";
}

/// <summary>A parser broke its contract on some input.</summary>
public sealed class FuzzFailureException : Exception
{
    /// <summary>Creates the failure.</summary>
    public FuzzFailureException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
