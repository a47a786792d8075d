#!/usr/bin/env bash
# Runs every test on a fresh machine and ends with the line "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")"

results=$(mktemp -d)

# --- S3 protocol server for tests/Lockbox.IntegrationTests (see tests/services/s3rver.sh) ---
# shellcheck source=tests/services/s3rver.sh
source tests/services/s3rver.sh
trap 's3rver_stop; rm -rf "$results"' EXIT
s3rver_start
# --- end S3 ---

status=0
dotnet test Lockbox.slnx -c Release --logger "trx" --results-directory "$results" || status=$?

passed=0
failed=0
for trx in "$results"/*.trx; do
    [ -e "$trx" ] || continue
    counters=$(grep -o '<Counters [^>]*>' "$trx")
    p=$(sed -E 's/.* passed="([0-9]+)".*/\1/' <<<"$counters")
    f=$(sed -E 's/.* failed="([0-9]+)".*/\1/' <<<"$counters")
    passed=$((passed + p))
    failed=$((failed + f))
done

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    # The build or the runner failed before any test could report.
    failed=1
fi
echo "$passed passed, $failed failed"
exit "$status"
