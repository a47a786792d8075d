#!/usr/bin/env bash
# Runs every test on a fresh machine and ends with the line "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")"

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

# --- lockbox-vault services (issue 4): throwaway PostgreSQL and SoftHSM2 token ---
source tests/services/postgres.sh
source tests/services/softhsm.sh
trap 'postgres_stop; softhsm_stop; rm -rf "$results"' EXIT
postgres_start
softhsm_start
# --- end lockbox-vault services ---

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
