# Sourced by test.sh: opaque-ke, the Rust OPAQUE implementation, as the npm package
# @serenity-kit/opaque 1.1.0 (opaque-ke 4.0.1 compiled to WebAssembly), the peer of
# tests/Lockbox.Opaque.Tests/OpaqueKeInteropTests. Defines opaque_ke_start and opaque_ke_stop;
# opaque_ke_start exports LOCKBOX_TEST_OPAQUE_KE_DIR (the node_modules folder holding the package)
# and LOCKBOX_TEST_NODE (the node binary). Nothing runs in the background: each test starts its own
# node process.
#
# The package is installed once into .tools/opaque-ke/ (git-ignored; its own prefix, so it and
# s3rver's install do not prune each other) and reused afterwards. Node and npm come from Debian's
# packages when missing.

OPAQUE_KE_VERSION=1.1.0
OPAQUE_KE_TOOLS="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/.tools/opaque-ke"

opaque_ke_install() {
    if ! command -v npm >/dev/null 2>&1; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
    fi
    if grep -q "\"version\": \"$OPAQUE_KE_VERSION\"" "$OPAQUE_KE_TOOLS/node_modules/@serenity-kit/opaque/package.json" 2>/dev/null; then
        return 0
    fi
    mkdir -p "$OPAQUE_KE_TOOLS"
    npm install --prefix "$OPAQUE_KE_TOOLS" --no-audit --no-fund --no-save --loglevel=error \
        "@serenity-kit/opaque@$OPAQUE_KE_VERSION" >&2
}

opaque_ke_start() {
    opaque_ke_install
    export LOCKBOX_TEST_OPAQUE_KE_DIR="$OPAQUE_KE_TOOLS/node_modules"
    LOCKBOX_TEST_NODE="$(command -v node)"
    export LOCKBOX_TEST_NODE
    echo "@serenity-kit/opaque $OPAQUE_KE_VERSION in $LOCKBOX_TEST_OPAQUE_KE_DIR (node $("$LOCKBOX_TEST_NODE" --version))" >&2
}

opaque_ke_stop() {
    # Nothing to stop: the tests end the node processes they start.
    :
}
