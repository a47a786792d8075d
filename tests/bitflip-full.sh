#!/usr/bin/env bash
# The full bit-flip sweep: every bit of every stored object of a tiny repository flipped once in
# turn, each flip followed by check --read-data and a restore (tests/Lockbox.Tests, BitFlipTests).
# CI runs a fixed-seed sample of the same tests. Prints the flips per object kind and region.
set -euo pipefail
cd "$(dirname "$0")/.."
report=$(mktemp)
trap 'rm -f "$report"' EXIT
flock /tmp/lockbox-build.lock dotnet build tests/Lockbox.Tests -c Release -v q -nologo >/dev/null
LOCKBOX_BITFLIP_FULL=1 LOCKBOX_BITFLIP_REPORT="$report" \
    flock /tmp/lockbox-build.lock dotnet test tests/Lockbox.Tests -c Release --no-build --filter "FullyQualifiedName~BitFlipTests" "$@"
cat "$report"
