using Lockbox.Vault.Server;

try
{
    var app = VaultApp.Create(args);
    DiagnosticsPort.WarnIfOpen(app.Logger);
    app.Run();
    return 0;
}
catch (Exception e) when (e is InvalidOperationException or Microsoft.Extensions.Options.OptionsValidationException)
{
    // A setting refused at start (VaultStartupException, or an options check or token key rule
    // that throws InvalidOperationException): the message names what to fix and never holds a
    // secret; a stack trace would tell an operator nothing more.
    Console.Error.WriteLine($"lockbox-vault: {e.Message}");
    return 2;
}

/// <summary>The entry point, visible to WebApplicationFactory.</summary>
public partial class Program;
