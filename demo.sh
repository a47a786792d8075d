#!/usr/bin/env bash
# The main job on embedded defaults: `lockbox demo` generates a sample chat store, starts the key
# vault in-process on 127.0.0.1 (SQLite, a local key file), makes a standard backup, switches on
# end-to-end encryption with a password (deleting the unencrypted copy once the encrypted one has
# verified), backs up a day's changes incrementally, restores on a "new phone" with the password,
# checks the restore is identical, and shows wrong passwords being counted.
set -euo pipefail
cd "$(dirname "$0")"

log=$(mktemp /tmp/lockbox-demo-build-XXXXXX.log)
trap 'rm -f "$log"' EXIT
echo "Building lockbox..."
dotnet build -c Release -v q src/Lockbox.Cli >"$log" 2>&1 || { cat "$log"; exit 1; }
src/Lockbox.Cli/bin/Release/net10.0/Lockbox.Cli demo "$@"
