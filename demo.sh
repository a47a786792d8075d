#!/usr/bin/env bash
# The main job on embedded defaults: a sample chat store backed up end-to-end encrypted to a local
# folder, grown by a day, backed up incrementally, then restored on a "new phone" and verified.
set -euo pipefail
cd "$(dirname "$0")"

work=$(mktemp -d /tmp/lockbox-demo-XXXXXX)
trap 'rm -rf "$work"' EXIT
say() { printf '\n== %s\n' "$*"; }

say "Building"
for project in src/Lockbox.Cli tools/Lockbox.StoreGen; do
    dotnet build -c Release -v q "$project" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
done
lockbox=src/Lockbox.Cli/bin/Release/net10.0/Lockbox.Cli
storegen=tools/Lockbox.StoreGen/bin/Release/net10.0/lockbox-storegen
export LOCKBOX_REPO="$work/cloud"
# The device cache (the database's base copy for page deltas) lives with the demo and goes with it.
export XDG_CACHE_HOME="$work/cache"

say "A phone's chat store: 50,000 messages and 60 MB of media"
"$storegen" generate "$work/phone" --messages 50000 --media-mb 60

say "lockbox init: a new repository and its 64-digit key"
"$lockbox" init --key-file "$work/backup-key.txt"

say "First backup"
"$lockbox" backup "$work/phone" --key-file "$work/backup-key.txt"

say "A day passes: new messages, edits, new photos"
"$storegen" grow "$work/phone"

say "Incremental backup: only what changed is uploaded"
"$lockbox" backup "$work/phone" --key-file "$work/backup-key.txt"
"$lockbox" snapshots --key-file "$work/backup-key.txt"

say "What the storage provider sees: random names, sizes, ciphertext"
find "$work/cloud" -type f | sed "s|$work/cloud/||" | sort | head -8
grep -rl "SQLite format 3" "$work/cloud" >/dev/null && { echo "plaintext found in storage!"; exit 1; } || echo "(no plaintext, no file names, no database header anywhere in storage)"

say "A wrong key is told apart from damage"
printf '0000 1111 2222 3333 4444 5555 6666 7777 8888 9999 aaaa bbbb cccc dddd eeee ffff\n' > "$work/wrong-key.txt"
"$lockbox" snapshots --key-file "$work/wrong-key.txt" && exit 1 || echo "(exit code $? = wrong key)"

say "The phone is lost: restore on a new one with the 64-digit key"
"$lockbox" restore latest --target "$work/new-phone" --key-file "$work/backup-key.txt"
ls "$work/new-phone" | grep -E -- '-(wal|shm)$' && { echo "stale -wal/-shm beside the restored database!"; exit 1; } || echo "No -wal or -shm file beside the restored database."
diff -r -x 'msgstore.db*' "$work/phone" "$work/new-phone" && echo "Media: identical, file for file."
# The database was copied through SQLite's online backup API, so compare its contents, not its bytes
# (the live file's pages may still sit in its -wal file).
python3 - "$work/phone/msgstore.db" "$work/new-phone/msgstore.db" <<'PY'
import sqlite3, sys
live, restored = (sqlite3.connect(f"file:{p}?mode=ro", uri=True) for p in sys.argv[1:])
assert restored.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
assert list(live.iterdump()) == list(restored.iterdump()), "database contents differ"
count = restored.execute("SELECT COUNT(*) FROM messages").fetchone()[0]
print(f"Database: integrity ok, all {count} messages and every table identical to the phone's.")
PY

say "check --read-data: every blob downloaded and authenticated"
"$lockbox" check --read-data --key-file "$work/backup-key.txt"
