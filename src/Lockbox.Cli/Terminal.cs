using Spectre.Console;

namespace Lockbox.Cli;

/// <summary>
/// Where the command writes: Spectre.Console's rich output on a terminal, plain lines when output
/// is redirected (logs, CI), so progress never fills a log with control codes.
/// </summary>
internal sealed class Terminal
{
    public Terminal(TextWriter output, TextWriter error, bool interactive, TextReader? input = null)
    {
        Input = input ?? global::System.Console.In;
        Output = output;
        Error = error;
        Interactive = interactive;
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Interactive = interactive ? InteractionSupport.Yes : InteractionSupport.No,
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
        });
    }

    public static Terminal System { get; } = new(global::System.Console.Out, global::System.Console.Error, !global::System.Console.IsOutputRedirected);

    public TextReader Input { get; }

    public TextWriter Output { get; }

    public TextWriter Error { get; }

    public bool Interactive { get; }

    public IAnsiConsole Console { get; }

    public bool CanPrompt => Interactive && !global::System.Console.IsInputRedirected;

    public void Line(string text) => Output.WriteLine(text);

    public void Fail(string text) => Error.WriteLine($"lockbox: {text}");

    /// <summary>A rollback warning (docs/FORMAT.md §13), on stderr, set off by blank lines; nothing when null.</summary>
    public void Warn(Repository.RollbackWarning? warning)
    {
        if (warning is null)
        {
            return;
        }

        Error.WriteLine();
        foreach (string line in warning.Lines)
        {
            Error.WriteLine($"warning: {line}");
        }

        Error.WriteLine();
    }

    /// <summary>
    /// Goes on only once the user confirmed: <paramref name="yes"/> (--yes), or typing
    /// <paramref name="word"/> at a prompt. Off a terminal without --yes it refuses, changing nothing.
    /// </summary>
    public void RequireConfirmation(bool yes, string word, string action)
    {
        if (yes)
        {
            return;
        }

        if (!CanPrompt)
        {
            throw new Repository.LockboxException($"Not confirmed: pass --yes to {action}. Nothing was changed.");
        }

        string typed = Console.Prompt(new TextPrompt<string>($"Type \"{word}\" to {action}:"));
        if (!string.Equals(typed.Trim(), word, StringComparison.Ordinal))
        {
            throw new Repository.LockboxException("Not confirmed. Nothing was changed.");
        }
    }
}
