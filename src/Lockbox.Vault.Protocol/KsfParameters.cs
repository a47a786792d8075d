using System.Buffers.Binary;
using Lockbox.Vault.Protocol.Contracts;

namespace Lockbox.Vault.Protocol;

/// <summary>Argon2id parameters, public, chosen by the client at registration; libsodium's Argon2id always has parallelism 1.</summary>
public sealed record KsfParameters(int MemoryKiB, int Iterations, int Parallelism)
{
    /// <summary>Smallest memory libsodium accepts, in KiB.</summary>
    public const int MinMemoryKiB = 8;

    /// <summary>Largest memory the vault accepts, in KiB (4 GiB).</summary>
    public const int MaxMemoryKiB = 4 * 1024 * 1024;

    /// <summary>Most passes the vault accepts.</summary>
    public const int MaxIterations = 64;

    /// <summary>Length of the encoding the MACs and the proof bind: u32be(memoryKiB) ‖ u32be(iterations) ‖ u32be(parallelism).</summary>
    public const int EncodedLength = 12;

    /// <summary>Lockbox's default, also what an unknown account is answered with: 64 MiB, 3 passes, 1 lane.</summary>
    public static KsfParameters Default { get; } = new(64 * 1024, 3, 1);

    /// <summary>Whether the vault accepts these: parallelism 1, 1–64 passes, 8 KiB–4 GiB.</summary>
    public bool IsAllowed => Parallelism == 1 && Iterations is >= 1 and <= MaxIterations && MemoryKiB is >= MinMemoryKiB and <= MaxMemoryKiB;

    /// <summary>From the wire; null when absent.</summary>
    public static KsfParameters? From(KsfContract? contract) => contract is null ? null : new(contract.MemoryKiB, contract.Iterations, contract.Parallelism);

    /// <summary>For the wire.</summary>
    public KsfContract ToContract() => new(MemoryKiB, Iterations, Parallelism);

    /// <summary>Writes the <see cref="EncodedLength"/>-byte encoding.</summary>
    public void Encode(Span<byte> destination)
    {
        BinaryPrimitives.WriteInt32BigEndian(destination, MemoryKiB);
        BinaryPrimitives.WriteInt32BigEndian(destination[4..], Iterations);
        BinaryPrimitives.WriteInt32BigEndian(destination[8..], Parallelism);
    }
}
