#!/usr/bin/env bash
# Upload/download throughput of S3Storage against s3rver on 127.0.0.1 (16 MiB objects).
# Usage: bench/s3.sh [extra BenchmarkDotNet arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/services/s3rver.sh
trap s3rver_stop EXIT
s3rver_start
dotnet run -c Release --project bench/Lockbox.Benchmarks -- --filter '*S3StorageBenchmarks*' "$@"
