# Throwaway PostgreSQL for the vault tests: source this file, then postgres_start / postgres_stop.
# Debian 12, root, no systemd; binds 127.0.0.1 on a free port; exports LOCKBOX_TEST_PG.

postgres_start() {
    if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null || true  # its own cluster start fails under policy-rc.d; harmless
    fi
    PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    PG_DIR=$(mktemp -d)
    chown postgres "$PG_DIR"
    PG_PORT=$(postgres_free_port)
    runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 --no-locale >/dev/null
    mkdir -p "$PG_DIR/sock" && chown postgres "$PG_DIR/sock"
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/pg.log" -w -t 30 \
        -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $PG_DIR/sock -c max_connections=200" start >/dev/null
    export LOCKBOX_TEST_PG="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=postgres;Maximum Pool Size=50"
}

# A port nothing listens on (a fresh Debian has no python3 to ask the kernel for one).
postgres_free_port() {
    local port
    while :; do
        port=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return
        fi
    done
}

postgres_stop() {
    if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR" ]; then
        runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
        rm -rf "$PG_DIR"
    fi
}
