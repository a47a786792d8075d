#!/usr/bin/env bash
# The long fuzz run: every parser of untrusted bytes (repository objects, OPAQUE messages, vault
# request bodies) with millions of inputs. Prints how many inputs each parser ran.
#   tests/fuzz-long.sh [INPUTS_PER_PARSER (default 1000000)] [SEED (default: time)] [--only TEXT]
set -euo pipefail
cd "$(dirname "$0")/.."
inputs=${1:-1000000}
seed=${2:-$(date +%s)}
shift $(( $# > 2 ? 2 : $# )) || true
flock /tmp/lockbox-build.lock dotnet build tests/Lockbox.Fuzz -c Release -v q -nologo >/dev/null
flock /tmp/lockbox-build.lock dotnet tests/Lockbox.Fuzz/bin/Release/net10.0/Lockbox.Fuzz.dll --inputs "$inputs" --seed "$seed" "$@"
