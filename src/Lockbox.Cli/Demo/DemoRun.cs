using System.Diagnostics;
using Lockbox.Client;
using Lockbox.Storage;
using Lockbox.StoreGen;
using Lockbox.Vault.Client;

namespace Lockbox.Cli.Demo;

/// <summary>
/// The demo's script. Everything is real: the vault is lockbox-vault over HTTP on 127.0.0.1, the
/// storage a local folder standing for the cloud, and the phone and the new phone each a
/// <see cref="LockboxClient"/> with a device folder of its own.
/// </summary>
internal sealed class DemoRun(Terminal terminal, string folder, int messages)
{
    private const string Account = "demo-user";
    private const string Password = "purple elephant sunrise 42";

    private string Phone => Path.Combine(folder, "phone", "chat-store");

    private string NewPhone => Path.Combine(folder, "new-phone", "chat-store");

    private string Cloud => Path.Combine(folder, "cloud");

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        Section("A phone's chat store");
        var store = await ChatStoreGenerator.GenerateAsync(Phone, new GenerateOptions { Seed = 1, Messages = messages, Chats = 40, MediaBytes = 48L << 20 }, cancellationToken)
            .ConfigureAwait(false);
        terminal.Line($"{store.Messages} messages in {store.Chats} chats (database {Units.Bytes(store.DatabaseBytes)}), {store.MediaFiles} photos and videos ({Units.Bytes(store.MediaBytes)}).");
        string sample = SampleMessage();

        Section("The key vault: lockbox-vault on 127.0.0.1, SQLite, secrets under a local key file");
        await using var vault = await DemoVault.StartAsync(Path.Combine(folder, "vault"), cancellationToken).ConfigureAwait(false);
        terminal.Line($"Listening on {vault.Address}; the phone pins its public key {Convert.ToBase64String(vault.PublicKey)[..16]}…");

        using var storage = (IDisposable)RepositoryLocation.Parse(Cloud);
        var (phoneVault, phoneHttp) = vault.ClientFor(Account);
        using var disposePhoneHttp = phoneHttp;
        var phone = Client((IStorage)storage, Path.Combine(folder, "phone", "device"), Phone, phoneVault);

        Section("A standard backup, as before end-to-end encryption");
        var standard = await phone.BackupAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        terminal.Line($"Standard backup {standard.SnapshotId[..8]}: {standard.Files} files, {Units.Bytes(standard.UploadedBytes)} uploaded.");
        ShowProvider("The storage provider can read it", sample);

        Section("Switching on end-to-end encryption with a password");
        var clock = Stopwatch.StartNew();
        await phone.EnableWithPasswordAsync(Password, new StepReporter(terminal), cancellationToken).ConfigureAwait(false);
        var switchTime = clock.Elapsed;
        ShowProvider("Now the storage provider sees", sample);

        Section("A day passes: new messages, edits, photos; an incremental backup");
        await ChatStoreGenerator.GrowAsync(Phone, new GrowOptions { Seed = 2, MediaBytes = 2L << 20 }, cancellationToken).ConfigureAwait(false);
        clock.Restart();
        var incremental = await phone.BackupAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var incrementalTime = clock.Elapsed;
        terminal.Line($"Snapshot {incremental.SnapshotId[..8]}: {incremental.Files} files, {Units.Bytes(incremental.Bytes)}; only {Units.Bytes(incremental.UploadedBytes)} uploaded, in {incrementalTime.TotalSeconds:F1} s.");

        Section("The phone is lost. On a new phone, with an empty device folder: restore with the password");
        var (newVault, newHttp) = vault.ClientFor(Account);
        using var disposeNewHttp = newHttp;
        var newPhone = Client((IStorage)storage, Path.Combine(folder, "new-phone", "device"), NewPhone, newVault);
        clock.Restart();
        var restored = await newPhone.RestoreWithPasswordAsync(Password, NewPhone, cancellationToken: cancellationToken).ConfigureAwait(false);
        var restoreTime = clock.Elapsed;
        terminal.Line($"Restored snapshot {restored.SnapshotId[..8]}: {restored.Files} files, {Units.Bytes(restored.Bytes)} in {restoreTime.TotalSeconds:F1} s (including the OPAQUE login).");
        if (!Compare())
        {
            return ExitCodes.Failure;
        }

        Section("Someone else tries to guess the password");
        var (thiefVault, thiefHttp) = vault.ClientFor(Account);
        using var disposeThiefHttp = thiefHttp;
        var thief = Client((IStorage)storage, Path.Combine(folder, "thief", "device"), null, thiefVault);
        foreach (string guess in new[] { "123456", "password1" })
        {
            try
            {
                await thief.RestoreWithPasswordAsync(guess, Path.Combine(folder, "thief", "restore"), cancellationToken: cancellationToken).ConfigureAwait(false);
                terminal.Fail("a wrong password opened the key!");
                return ExitCodes.Failure;
            }
            catch (VaultWrongPasswordException e)
            {
                terminal.Line($"\"{guess}\": wrong password, counted by the vault. {e.TriesLeft} tries left before it destroys the key for good.");
            }
        }

        Summary(store, standard, incremental, switchTime, restoreTime, total.Elapsed, sample);
        return ExitCodes.Success;
    }

    private static LockboxClient Client(IStorage storage, string device, string? chatStore, VaultClient vault) =>
        new(new LockboxClientOptions { Storage = storage, DeviceFolder = device, ChatStore = chatStore, Vault = vault, Hostname = "demo-phone" });

    private bool Compare()
    {
        var live = StoreComparison.DescribeDatabase(ChatStoreGenerator.DatabasePath(Phone));
        var copy = StoreComparison.DescribeDatabase(ChatStoreGenerator.DatabasePath(NewPhone));
        var media = StoreComparison.DifferingFiles(ChatStoreGenerator.MediaPath(Phone), ChatStoreGenerator.MediaPath(NewPhone));
        bool same = live.Digest == copy.Digest && copy.Integrity == "ok" && media.Count == 0;
        terminal.Line(same
            ? $"Identical: the database passes integrity_check and all {copy.Messages} messages and every table match the phone's; every media file matches byte for byte."
            : $"MISMATCH: database {(live.Digest == copy.Digest ? "same" : "differs")} ({copy.Integrity}), {media.Count} media file(s) differ.");
        return same;
    }

    private void ShowProvider(string heading, string sample)
    {
        var (objects, bytes, readable) = ProviderView.Scan(Cloud, sample);
        terminal.Line($"{heading}: {objects} object(s), {Units.Bytes(bytes)}; {readable} of them show the database header or a message's text in the clear.");
        foreach (string path in ProviderView.Sample(Cloud, 4))
        {
            terminal.Line($"    {path}");
        }
    }

    private void Summary(StoreSummary store, LockboxBackupResult standard, LockboxBackupResult incremental, TimeSpan switchTime, TimeSpan restoreTime, TimeSpan total, string sample)
    {
        var (objects, bytes, readable) = ProviderView.Scan(Cloud, sample);
        long storeBytes = store.DatabaseBytes + store.MediaBytes;
        Section("Summary");
        terminal.Line($"Chat store:           {Units.Bytes(incremental.Bytes)} ({store.Messages} messages at first, then a day's more)");
        terminal.Line($"Standard backup:      {Units.Bytes(standard.UploadedBytes)} uploaded, readable by the provider; deleted once the encrypted copy verified");
        terminal.Line($"Switch to E2EE:       {switchTime.TotalSeconds:F1} s ({Units.Bytes(storeBytes)} imported, backed up, verified blob by blob: {storeBytes / 1048576.0 / switchTime.TotalSeconds:F0} MB/s)");
        terminal.Line($"Incremental backup:   {Units.Bytes(incremental.UploadedBytes)} uploaded of {Units.Bytes(incremental.Bytes)}");
        terminal.Line($"Restore, new phone:   {restoreTime.TotalSeconds:F1} s ({incremental.Bytes / 1048576.0 / restoreTime.TotalSeconds:F0} MB/s)");
        terminal.Line($"The provider now sees {objects} object(s), {Units.Bytes(bytes)}: random names and ciphertext; {readable} readable, no file names, no database header, no message text.");
        terminal.Line("The vault holds an OPAQUE record and the key wrapped under a key only the password gives: it never saw the password.");
        terminal.Line($"Demo done in {total.TotalSeconds:F0} s.");
    }

    private string SampleMessage()
    {
        using var connection = DatabaseContent.OpenReadOnly(ChatStoreGenerator.DatabasePath(Phone));
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT text_data FROM messages WHERE length(text_data) >= 24 ORDER BY _id LIMIT 1";
        return (string?)command.ExecuteScalar() ?? "";
    }

    private void Section(string title)
    {
        terminal.Line("");
        terminal.Line($"== {title}");
    }
}
