using System.Security.Cryptography;
using System.Text;
using Lockbox.Client;
using Lockbox.Device;
using Lockbox.Keys;
using Lockbox.Storage;
using Lockbox.StoreGen;
using Microsoft.Data.Sqlite;

namespace Lockbox.Tests.Client;

/// <summary>
/// A phone with a small generated chat store, a local folder as the cloud, and clients for any
/// number of devices. Time is a manual clock, so snapshots have fixed, distinct times.
/// </summary>
public sealed class ClientFixture : IDisposable
{
    private readonly TempFolder _folder = new();

    public ClientFixture()
    {
        Storage = new LocalStorage(Cloud);
    }

    public string Cloud => _folder.Combine("cloud");

    public string Phone => _folder.Combine("phone");

    public IStorage Storage { get; set; }

    public ManualClock Clock { get; } = new(new DateTimeOffset(2026, 11, 1, 9, 0, 0, TimeSpan.Zero));

    public string Combine(params string[] parts) => _folder.Combine(parts);

    public Task GenerateAsync() =>
        ChatStoreGenerator.GenerateAsync(Phone, new GenerateOptions { Seed = 1, Messages = 3_000, Chats = 8, MediaBytes = 1 << 20 });

    /// <summary>The next day: new messages, edits, a new photo; the clock moves a day on.</summary>
    public async Task NextDayAsync(int seed)
    {
        await ChatStoreGenerator.GrowAsync(Phone, new GrowOptions { Seed = seed, MediaBytes = 256 << 10 });
        Clock.Now = Clock.Now.AddDays(1);
    }

    /// <summary>The phone's device folder (what <see cref="Client"/> uses by default).</summary>
    public DeviceFolder PhoneDevice => new(Combine("phone-device"));

    /// <summary>The backup key the phone holds.</summary>
    public BackupKey PhoneKey() => PhoneDevice.LoadKey() ?? throw new InvalidOperationException("The phone holds no key.");

    public LockboxClient Client(string device = "phone-device", string? chatStore = null, Vault.Client.VaultClient? vault = null, string hostname = "test-phone") =>
        new(new LockboxClientOptions
        {
            Storage = Storage,
            DeviceFolder = Combine(device),
            ChatStore = chatStore ?? Phone,
            Vault = vault,
            Hostname = hostname,
            Time = Clock,
        });

    /// <summary>Types the shown key back correctly.</summary>
    public static ValueTask<string> TypeBack(BackupKey key, CancellationToken cancellationToken) => ValueTask.FromResult(key.ToDisplayString());

    /// <summary>Objects the storage provider can read, by listing the storage.</summary>
    public async Task<int> UnencryptedObjectsAsync() => (await new Standard.StandardBackups(Storage).CountAsync()).Objects;

    /// <summary>A digest of a chat store's content: every message row through SQLite, every media file's bytes.</summary>
    public static string Digest(string store)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(store, "msgstore.db"), Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString()))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT _id, chat_row_id, timestamp, COALESCE(text_data, ''), edit_version FROM messages ORDER BY _id";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                hash.AppendData(Encoding.UTF8.GetBytes($"{reader.GetInt64(0)}|{reader.GetInt64(1)}|{reader.GetInt64(2)}|{reader.GetString(3)}|{reader.GetInt64(4)}\n"));
            }
        }

        string media = Path.Combine(store, "media");
        foreach (string file in Directory.EnumerateFiles(media, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            hash.AppendData(Encoding.UTF8.GetBytes(Path.GetRelativePath(media, file)));
            hash.AppendData(SHA256.HashData(File.ReadAllBytes(file)));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    public void Dispose()
    {
        (Storage as IDisposable)?.Dispose();
        _folder.Dispose();
    }
}

/// <summary>A clock the test sets.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>Cancels the operation when it reports <paramref name="step"/>: the interruption lands right at that step's start.</summary>
public sealed class InterruptAt(LockboxStep step, CancellationTokenSource cancellation, int occurrence = 1) : IProgress<LockboxProgress>
{
    private int _seen;

    public List<LockboxStep> Steps { get; } = [];

    public void Report(LockboxProgress value)
    {
        Steps.Add(value.Step);
        if (value.Step == step && ++_seen == occurrence)
        {
            cancellation.Cancel();
        }
    }
}
