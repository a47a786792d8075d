namespace Lockbox.Repository;

/// <summary>What a blob holds.</summary>
internal enum BlobType : byte
{
    /// <summary>A chunk of file content.</summary>
    Data = 0,

    /// <summary>A chunk of a snapshot's manifest (the file list).</summary>
    Tree = 1,
}

/// <summary>How a blob's plaintext was encoded before encryption.</summary>
internal enum BlobEncoding : byte
{
    /// <summary>Stored as is (incompressible data such as media).</summary>
    Raw = 0,

    /// <summary>zstd-compressed.</summary>
    Zstd = 1,
}
