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

# The natively compiled CLI (what `dotnet publish -r <rid>` gives, and what the benchmarks time)
# runs the whole demo: vault over HTTP, OPAQUE, backup, switch to E2EE, restore. One test.
native=$(mktemp -d)
rid=linux-$(case "$(uname -m)" in aarch64) echo arm64 ;; *) echo x64 ;; esac)
if dotnet publish -c Release -v q -nologo -r "$rid" -o "$native/cli" src/Lockbox.Cli >"$native/build.log" 2>&1 \
    && (cd "$native" && ./cli/Lockbox.Cli demo >"$native/demo.log" 2>&1); then
    passed=$((passed + 1))
    echo "Passed: the native CLI ran the demo."
else
    failed=$((failed + 1))
    status=1
    echo "Failed: the native CLI did not build or run the demo:"
    tail -30 "$native/build.log" "$native/demo.log" 2>/dev/null || true
fi
rm -rf "$native"

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    # The build or the runner failed before any test could report.
    failed=1
fi
echo "$passed passed, $failed failed"
exit "$status"
