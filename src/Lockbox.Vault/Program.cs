using Lockbox.Vault.Server;

var app = VaultApp.Create(args);
app.Run();

/// <summary>The entry point, visible to WebApplicationFactory.</summary>
public partial class Program;
