# Sourced by test.sh: a throwaway S3 protocol server (npm s3rver 3.7.1) on 127.0.0.1 for the
# integration tests. Defines s3rver_start and s3rver_stop; s3rver_start exports
# LOCKBOX_TEST_S3_ENDPOINT and LOCKBOX_TEST_S3_BUCKET.
#
# s3rver is installed once into .tools/ (git-ignored) and reused afterwards. Node and npm come from
# Debian's packages when missing. Everything s3rver stores goes to a fresh temp folder that
# s3rver_stop deletes.

S3RVER_VERSION=3.7.1
S3RVER_TOOLS="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/.tools"
S3RVER_BIN="$S3RVER_TOOLS/node_modules/.bin/s3rver"
S3RVER_PID=
S3RVER_DIR=

s3rver_install() {
    if ! command -v npm >/dev/null 2>&1; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
    fi
    if [ -x "$S3RVER_BIN" ] && grep -q "\"version\": \"$S3RVER_VERSION\"" "$S3RVER_TOOLS/node_modules/s3rver/package.json" 2>/dev/null; then
        return 0
    fi
    mkdir -p "$S3RVER_TOOLS"
    npm install --prefix "$S3RVER_TOOLS" --no-audit --no-fund --no-save --loglevel=error "s3rver@$S3RVER_VERSION" >&2
}

# A port the kernel reports free right now on 127.0.0.1.
s3rver_free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null \
        || node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'
}

s3rver_start() {
    s3rver_install
    S3RVER_DIR=$(mktemp -d -t lockbox-s3rver-XXXXXX)
    local bucket=lockbox-test port attempt
    for attempt in 1 2 3; do
        port=$(s3rver_free_port)
        # s3rver makes ListObjectsV2 continuation tokens with DES, which OpenSSL 3 keeps in its
        # legacy provider; without it every listing past 1000 keys fails with InternalError.
        NODE_OPTIONS=--openssl-legacy-provider "$S3RVER_BIN" -d "$S3RVER_DIR" -a 127.0.0.1 -p "$port" --configure-bucket "$bucket" --silent \
            >"$S3RVER_DIR/s3rver.log" 2>&1 &
        S3RVER_PID=$!
        # Wait until it answers HTTP (any status) or dies, for at most 30 s.
        local i
        for i in $(seq 1 300); do
            if ! kill -0 "$S3RVER_PID" 2>/dev/null; then
                break
            fi
            if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
                export LOCKBOX_TEST_S3_ENDPOINT="http://127.0.0.1:$port"
                export LOCKBOX_TEST_S3_BUCKET="$bucket"
                echo "s3rver $S3RVER_VERSION listening on $LOCKBOX_TEST_S3_ENDPOINT (bucket $bucket)" >&2
                return 0
            fi
            sleep 0.1
        done
        kill "$S3RVER_PID" 2>/dev/null || true
        wait "$S3RVER_PID" 2>/dev/null || true
        S3RVER_PID=
    done
    echo "s3rver failed to start; its log:" >&2
    cat "$S3RVER_DIR/s3rver.log" >&2 || true
    return 1
}

s3rver_stop() {
    if [ -n "$S3RVER_PID" ]; then
        kill "$S3RVER_PID" 2>/dev/null || true
        wait "$S3RVER_PID" 2>/dev/null || true
        S3RVER_PID=
    fi
    if [ -n "$S3RVER_DIR" ]; then
        rm -rf "$S3RVER_DIR"
        S3RVER_DIR=
    fi
}
