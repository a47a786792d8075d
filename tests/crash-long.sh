#!/usr/bin/env bash
# The long crash-consistency run: kill -9 of lockbox during backup, restore and prune, many times.
# usage: tests/crash-long.sh [KILLS] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
export LOCKBOX_CRASH_KILLS="${1:-500}" LOCKBOX_CRASH_SEED="${2:-$RANDOM}"
echo "kills $LOCKBOX_CRASH_KILLS, seed $LOCKBOX_CRASH_SEED"
dotnet test tests/Lockbox.Cli.Tests -c Release --filter "FullyQualifiedName~CrashConsistencyTests" --logger "console;verbosity=detailed"
