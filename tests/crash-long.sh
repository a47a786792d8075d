#!/usr/bin/env bash
# The long crash-consistency runs: kill -9 of lockbox during backup, restore and prune, many times;
# then enable, disable and key rotation crashed at every storage call.
# usage: tests/crash-long.sh [KILLS] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
export LOCKBOX_CRASH_KILLS="${1:-500}" LOCKBOX_CRASH_SEED="${2:-$RANDOM}"
echo "kills $LOCKBOX_CRASH_KILLS, seed $LOCKBOX_CRASH_SEED"
dotnet test tests/Lockbox.Cli.Tests -c Release --filter "FullyQualifiedName~CrashConsistencyTests" --logger "console;verbosity=detailed"

# Enable, disable and key rotation, each crashed at every storage call of its run (FORMAT.md §16, §17).
LOCKBOX_SWITCH_CRASHES=all dotnet test tests/Lockbox.Tests -c Release --filter "FullyQualifiedName~CrashSweepTests" --logger "console;verbosity=detailed"
