namespace Lockbox.Cli.Tests;

/// <summary>A fresh folder for one test's repository, key file, device folder and chat store, and a way to run lockbox there.</summary>
public abstract class CliSession : IDisposable
{
    protected string Root { get; } = Directory.CreateTempSubdirectory("lockbox-cli-test-").FullName;

    protected string Repo => Path.Combine(Root, "repo");

    protected string KeyFile => Path.Combine(Root, "key.txt");

    protected string Device => Path.Combine(Root, "device");

    /// <summary>Runs lockbox on this test's device folder unless the arguments name another.</summary>
    protected async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        string[] withDevice = args.Contains("--device") ? args : [.. args, "--device", Device];
        int exit = await LockboxCommand.RunAsync(withDevice, new Terminal(output, error, interactive: false, new StringReader("")));
        return (exit, output.ToString(), error.ToString());
    }

    protected string Store(string text = "hello")
    {
        string source = Path.Combine(Root, "store");
        Directory.CreateDirectory(Path.Combine(source, "media"));
        File.WriteAllText(Path.Combine(source, "media", "note.txt"), text);
        return source;
    }

    public void Dispose()
    {
        Directory.Delete(Root, recursive: true);
        GC.SuppressFinalize(this);
    }
}
