using Lockbox.Cli;

return await LockboxCommand.RunAsync(args, Terminal.System).ConfigureAwait(false);
