#!/usr/bin/env bash
# Runs every test on a fresh machine and ends with the line "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")"

results=$(mktemp -d)

# Real servers the tests need, each on 127.0.0.1 and a free port, each stopped on exit:
# s3rver (S3 protocol) for tests/Lockbox.IntegrationTests; PostgreSQL and a SoftHSM2 token for
# tests/Lockbox.Vault.Tests. See tests/services/.
# The live-database test drives a second writer process through Python's sqlite3.
command -v python3 >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 >/dev/null; }
source tests/services/s3rver.sh
source tests/services/postgres.sh
source tests/services/softhsm.sh
source tests/services/opaque-ke.sh
trap 's3rver_stop; postgres_stop; softhsm_stop; opaque_ke_stop; rm -rf "$results"' EXIT
s3rver_start
postgres_start
softhsm_start
opaque_ke_start

status=0
# The benchmarks are no test projects, so dotnet test leaves them out: build them, so they keep compiling.
for project in bench/Lockbox.Benchmarks bench/DbUploadStrategies bench/vault-load; do
    dotnet build "$project" -c Release -v q -nologo || status=$?
done
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
