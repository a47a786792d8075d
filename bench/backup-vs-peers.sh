#!/usr/bin/env bash
# Lockbox, restic and borg side by side on one generated chat store, in one run:
# initial backup time and peak RSS, repository size, the time and bytes an incremental backup adds
# after the store grows by 1% (1% new messages, 0.5% edits, 20 MB of media), and restore time.
#
#   bench/backup-vs-peers.sh                 # default store: 1,000,000 messages, 1.5 GB of media
#   bench/backup-vs-peers.sh --small         # 100,000 messages, 150 MB of media
#   bench/backup-vs-peers.sh --runs 5        # median of 5 runs of each timed step
#   bench/backup-vs-peers.sh --messages N --media-mb M --work DIR
set -euo pipefail
cd "$(dirname "$0")/.."

messages=1000000
media_mb=1500
runs=1
work=""
while [ $# -gt 0 ]; do
    case "$1" in
        --small) messages=100000; media_mb=150 ;;
        --messages) messages="$2"; shift ;;
        --media-mb) media_mb="$2"; shift ;;
        --runs) runs="$2"; shift ;;
        --work) work="$2"; shift ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

if ! command -v restic >/dev/null || ! command -v borg >/dev/null; then
    echo "Installing restic and borgbackup from Debian's packages..." >&2
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q restic borgbackup >/dev/null
fi

work=${work:-$(mktemp -d /tmp/lockbox-bench-XXXXXX)}
mkdir -p "$work"
echo "Working in $work" >&2

# The CLI as published for this machine's runtime: compiled natively (NativeAOT), as a release ships it.
rid=linux-$(case "$(uname -m)" in aarch64) echo arm64 ;; *) echo x64 ;; esac)
dotnet publish -c Release -v q -r "$rid" -o "$work/lockbox-cli" src/Lockbox.Cli >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
dotnet build -c Release -v q tools/Lockbox.StoreGen >>"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
lockbox="$work/lockbox-cli/Lockbox.Cli"
storegen="$PWD/tools/Lockbox.StoreGen/bin/Release/net10.0/lockbox-storegen"

export RESTIC_PASSWORD=bench BORG_PASSPHRASE=bench BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes BORG_RELOCATED_REPO_ACCESS_IS_OK=yes

# run LABEL CMD... : runs a command, records "seconds peak_rss_kib" in $work/LABEL.time
run() {
    local label=$1; shift
    /usr/bin/time -f "%e %M" -o "$work/$label.time" "$@" >"$work/$label.log" 2>&1 || { echo "$label failed:" >&2; tail -20 "$work/$label.log" >&2; exit 1; }
}
seconds() { cut -d' ' -f1 "$work/$1.time"; }
rss_mb() { echo $(( $(cut -d' ' -f2 "$work/$1.time") / 1024 )); }
size_mb() { du -sb "$1" | awk '{printf "%.0f", $1 / 1000000}'; }
median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

init_repo() {
    local tool=$1 repo=$2
    rm -rf "$repo"
    case $tool in
        # enable --key on an empty store creates the repository and the key, as init did.
        lockbox) rm -rf "$repo.key" "$repo.device" "$repo.empty"; mkdir "$repo.empty"
                 LOCKBOX_DEVICE="$repo.device" "$lockbox" enable --key "$repo.empty" -r "$repo" --key-file "$repo.key" >/dev/null ;;
        restic) restic init -q -r "$repo" >/dev/null ;;
        borg) borg init -e repokey "$repo" >/dev/null 2>&1 ;;
    esac
}

# Each timed step starts with nothing dirty in the page cache: otherwise the write-back of whatever
# came before (the generated store, the copy of it, the last restore) runs during the step and
# slows whichever tool happens to go next.
backup() {
    local tool=$1 repo=$2 label=$3 name=$4
    sync
    case $tool in
        lockbox) LOCKBOX_DEVICE="$repo.device" run "$label" "$lockbox" backup "$work/store" -r "$repo" ;;
        restic) run "$label" restic backup -q -r "$repo" "$work/store" ;;
        borg) run "$label" borg create "$repo::$name" "$work/store" ;;
    esac
}

restore() {
    local tool=$1 repo=$2 label=$3 target=$4
    rm -rf "$target"
    sync
    case $tool in
        lockbox) LOCKBOX_DEVICE="$repo.device" run "$label" "$lockbox" restore latest --target "$target" -r "$repo" --key-file "$repo.key" ;;
        restic) run "$label" restic restore latest -q -r "$repo" --target "$target" ;;
        borg) mkdir -p "$target"; (cd "$target" && run "$label" borg extract "$repo::day1") ;;
    esac
}

echo "Generating the store: $messages messages, $media_mb MB of media..." >&2
rm -rf "$work/store"
"$storegen" generate "$work/store" --seed 1 --messages "$messages" --media-mb "$media_mb" >/dev/null
store_mb=$(size_mb "$work/store")
rm -rf "$work/store-day0"; cp -a "$work/store" "$work/store-day0"

tools=(lockbox restic borg)
declare -A initial initial_rss repo_size incr_time incr_added restore_time restore_synced_time cold_restore_time
for tool in "${tools[@]}"; do
    echo "Initial backups: $tool" >&2
    times=()
    for r in $(seq 1 "$runs"); do
        init_repo "$tool" "$work/repo-$tool"
        backup "$tool" "$work/repo-$tool" "$tool-initial-$r" day0
        times+=("$(seconds "$tool-initial-$r")")
    done
    initial[$tool]=$(printf '%s\n' "${times[@]}" | median)
    initial_rss[$tool]=$(rss_mb "$tool-initial-$runs")
    repo_size[$tool]=$(size_mb "$work/repo-$tool")
done

echo "Growing the store by 1%..." >&2
"$storegen" grow "$work/store" --seed 2 >/dev/null

for tool in "${tools[@]}"; do
    echo "Incremental backup and restore: $tool" >&2
    before=$(du -sb "$work/repo-$tool" | cut -f1)
    backup "$tool" "$work/repo-$tool" "$tool-incremental" day1
    after=$(du -sb "$work/repo-$tool" | cut -f1)
    incr_time[$tool]=$(seconds "$tool-incremental")
    incr_added[$tool]=$(( (after - before) / 1000000 ))
    # Lockbox flushes every restored file to disk before it swaps the folder in; restic and borg
    # leave theirs to the kernel's write-back. "Restore, then sync" times each until the restored
    # files are on disk: the restore, then a sync(1) right after it.
    times=()
    synced=()
    for r in $(seq 1 "$runs"); do
        restore "$tool" "$work/repo-$tool" "$tool-restore-$r" "$work/restore-$tool"
        run "$tool-restore-sync-$r" sync
        times+=("$(seconds "$tool-restore-$r")")
        synced+=("$(echo "$(seconds "$tool-restore-$r") + $(seconds "$tool-restore-sync-$r")" | bc -l)")
    done
    restore_time[$tool]=$(printf '%s\n' "${times[@]}" | median)
    restore_synced_time[$tool]=$(printf '%s\n' "${synced[@]}" | median)

    # A new phone restores from storage that is in no page cache: drop the caches before each run
    # (root only), then warm the store again for the next tool's backup.
    cold_restore_time[$tool]=n/a
    if [ -w /proc/sys/vm/drop_caches ]; then
        times=()
        for r in $(seq 1 "$runs"); do
            rm -rf "$work/restore-$tool"; sync; echo 3 > /proc/sys/vm/drop_caches
            restore "$tool" "$work/repo-$tool" "$tool-cold-restore-$r" "$work/restore-$tool"
            times+=("$(seconds "$tool-cold-restore-$r")")
        done
        cold_restore_time[$tool]=$(printf '%s\n' "${times[@]}" | median)
        tar -cf - -C "$work" store | cat >/dev/null
    fi
done

# Lockbox's restore must equal the grown store: media byte for byte; the database, copied through
# SQLite's online backup API, by content (the live file may still hold pages in its -wal).
diff -r -x 'msgstore.db*' "$work/store" "$work/restore-lockbox" >/dev/null && echo "lockbox restore: media identical to the store" >&2
python3 - "$work/store/msgstore.db" "$work/restore-lockbox/msgstore.db" <<'PY' >&2
import sqlite3, sys
live, restored = (sqlite3.connect(f"file:{p}?mode=ro", uri=True) for p in sys.argv[1:])
assert restored.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
assert list(live.iterdump()) == list(restored.iterdump()), "database contents differ"
print("lockbox restore: database identical in content, integrity ok")
PY

printf '\nStore: %s messages, %s MB of media, %s MB in all. Median of %s run(s). Machine: %s cores.\n\n' "$messages" "$media_mb" "$store_mb" "$runs" "$(nproc)"
printf '| tool | initial backup | peak RSS | repository | incremental after 1%% growth | restore | restore, then sync | restore, caches dropped |\n|---|---|---|---|---|---|---|---|\n'
for tool in "${tools[@]}"; do
    printf '| %s | %s s | %s MB | %s MB | %s s, %s MB added | %s s | %.2f s | %s s |\n' "$tool" "${initial[$tool]}" "${initial_rss[$tool]}" "${repo_size[$tool]}" "${incr_time[$tool]}" "${incr_added[$tool]}" "${restore_time[$tool]}" "${restore_synced_time[$tool]}" "${cold_restore_time[$tool]}"
done
printf '\nRatios (restic / lockbox): initial backup %.2fx, restore %.2fx, restore then sync %.2fx, restore with caches dropped %s, incremental bytes %.2fx; peak RSS lockbox/restic %.2f\n' \
    "$(echo "${initial[restic]} / ${initial[lockbox]}" | bc -l)" \
    "$(echo "${restore_time[restic]} / ${restore_time[lockbox]}" | bc -l)" \
    "$(echo "${restore_synced_time[restic]} / ${restore_synced_time[lockbox]}" | bc -l)" \
    "$([ "${cold_restore_time[lockbox]}" = n/a ] && echo n/a || printf '%.2fx' "$(echo "${cold_restore_time[restic]} / ${cold_restore_time[lockbox]}" | bc -l)")" \
    "$(echo "${incr_added[restic]} / (${incr_added[lockbox]} + 0.001)" | bc -l)" \
    "$(echo "${initial_rss[lockbox]} / ${initial_rss[restic]}" | bc -l)"
