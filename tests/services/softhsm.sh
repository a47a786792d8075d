# SoftHSM2 token for the vault's PKCS#11 tests: source this file, then softhsm_start / softhsm_stop.
# Exports LOCKBOX_TEST_SOFTHSM_CONF (the SOFTHSM2_CONF file) and the token's label and PIN.

softhsm_start() {
    if ! command -v softhsm2-util >/dev/null 2>&1; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq softhsm2 >/dev/null
    fi
    HSM_DIR=$(mktemp -d)
    mkdir "$HSM_DIR/tokens"
    printf 'directories.tokendir = %s/tokens\nobjectstore.backend = file\n' "$HSM_DIR" > "$HSM_DIR/softhsm2.conf"
    SOFTHSM2_CONF="$HSM_DIR/softhsm2.conf" softhsm2-util --init-token --free --label lockbox-vault-test \
        --so-pin 87654321 --pin 12345678 >/dev/null
    export LOCKBOX_TEST_SOFTHSM_CONF="$HSM_DIR/softhsm2.conf"
    export SOFTHSM2_CONF="$LOCKBOX_TEST_SOFTHSM_CONF"  # read by libsofthsm2 itself
    export LOCKBOX_TEST_SOFTHSM_TOKEN=lockbox-vault-test
    export LOCKBOX_TEST_SOFTHSM_PIN=12345678
}

softhsm_stop() {
    if [ -n "${HSM_DIR:-}" ] && [ -d "$HSM_DIR" ]; then
        rm -rf "$HSM_DIR"
    fi
}
