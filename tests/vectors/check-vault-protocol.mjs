// An independent check of vault-protocol-v1.json: recomputes every output from the file's inputs
// with Node's own crypto module, following docs/PROTOCOL.md, and shares no code with Lockbox.
// The one step it takes as given is the ristretto255 Diffie-Hellman (Node has no ristretto255):
// the C# tests check that shared secret against the scalars, and this script everything after it.
// Usage: node check-vault-protocol.mjs vault-protocol-v1.json   (prints "ok: N checks" or fails)
import { readFileSync } from "node:fs";
import crypto from "node:crypto";

const v = JSON.parse(readFileSync(process.argv[2], "utf8"));
const hex = (s) => Buffer.from(s, "hex");
const ascii = (s) => Buffer.from(s, "ascii");
const utf8 = (s) => Buffer.from(s, "utf8");
let checks = 0;
function expect(name, actual, expected) {
  if (!Buffer.from(actual).equals(Buffer.from(expected))) {
    throw new Error(`${name}: got ${Buffer.from(actual).toString("hex")}, want ${Buffer.from(expected).toString("hex")}`);
  }
  checks++;
}

const u16 = (n) => { const b = Buffer.alloc(2); b.writeUInt16BE(n); return b; };
const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
const i64 = (n) => { const b = Buffer.alloc(8); b.writeBigInt64BE(BigInt(n)); return b; };
const lp = (bytes) => Buffer.concat([u16(bytes.length), bytes]);
const ksf = (k) => Buffer.concat([u32(k.memory_kib), u32(k.iterations), u32(k.parallelism)]);
const hkdf = (hash, ikm, info, length) => Buffer.from(crypto.hkdfSync(hash, ikm, Buffer.alloc(0), info, length));
const sha256 = (...parts) => crypto.createHash("sha256").update(Buffer.concat(parts)).digest();
const hmac512 = (key, ...parts) => crypto.createHmac("sha512", key).update(Buffer.concat(parts)).digest();
// The box: iv ‖ AES-256-GCM ciphertext ‖ 16-byte tag.
function seal(key, iv, plaintext, aad) {
  const cipher = crypto.createCipheriv("aes-256-gcm", key, iv, { authTagLength: 16 });
  cipher.setAAD(aad);
  return Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}
// Ed25519 from a 32-byte seed (RFC 8032 §5.1.5), through PKCS#8 (RFC 8410).
function ed25519(seed) {
  const privateKey = crypto.createPrivateKey({ key: Buffer.concat([hex("302e020100300506032b657004220420"), seed]), format: "der", type: "pkcs8" });
  const publicKey = crypto.createPublicKey(privateKey).export({ format: "der", type: "spki" }).subarray(-32);
  return { publicKey, sign: (message) => crypto.sign(null, message, privateKey) };
}

// credential_identifier = lp(account) ‖ record id
{
  const c = v.credential_identifier;
  expect("credential_identifier", Buffer.concat([lp(utf8(c.account)), hex(c.record_id)]), hex(c.credential_identifier));
}

// KSF: u32be(memory KiB) ‖ u32be(iterations) ‖ u32be(parallelism)
for (const k of v.ksf_encoding) expect(`ksf ${k.memory_kib}`, ksf(k), hex(k.encoded));

// The wrapped backup key
{
  const w = v.backup_key_wrap;
  const key = hkdf("sha512", hex(w.export_key), ascii("LockboxVault-v1 backup key wrap"), 32);
  expect("backup_key_wrap.wrap_key", key, hex(w.wrap_key));
  expect("backup_key_wrap.wrapped_key", seal(key, hex(w.iv), hex(w.backup_key), ascii("LockboxVault-v1 backup key")), hex(w.wrapped_key));
}

// The released key: under HKDF-SHA512(session_key, "LockboxVault-v1 key release"), login id as associated data
{
  const r = v.key_release;
  const key = hkdf("sha512", hex(r.session_key), ascii("LockboxVault-v1 key release"), 32);
  expect("key_release.release_key", key, hex(r.release_key));
  expect("key_release.sealed_key", seal(key, hex(r.iv), hex(r.wrapped_key), hex(r.login_id)), hex(r.sealed_key));
}

// The possession key and its proofs
const possession = v.possession;
const seed = hkdf("sha512", hex(possession.backup_key), ascii("LockboxVault-v1 possession key"), 32);
const signer = ed25519(seed);
{
  expect("possession.seed", seed, hex(possession.seed));
  expect("possession.public_key", signer.publicKey, hex(possession.public_key));
  const r = possession.replacement;
  expect("possession.replacement.payload",
    Buffer.concat([hex(r.record_id), hex(r.record), hex(r.wrapped_key), hex(r.possession_key), ksf(r.ksf)]), hex(r.payload));
  for (const p of possession.proofs) {
    const message = Buffer.concat([ascii("LockboxVault-v1 possession"), Buffer.from([p.purpose]), hex(possession.nonce),
      lp(utf8(possession.account)), sha256(hex(p.payload))]);
    expect(`possession.proofs[${p.purpose}].message`, message, hex(p.message));
    expect(`possession.proofs[${p.purpose}].signature`, signer.sign(message), hex(p.signature));
  }
}

// The registration channel
{
  const c = v.registration_channel;
  const info = Buffer.concat([ascii("LockboxVault-v1 registration channel"), lp(utf8(c.context)), hex(c.client_public_key), hex(c.server_public_key)]);
  const key = hkdf("sha512", hex(c.shared_secret), info, 64);
  expect("registration_channel.key", key, hex(c.key));
  const head = (label) => [ascii(label), lp(utf8(c.account)), hex(c.record_id)];
  expect("registration_channel.start_mac",
    hmac512(key, ...head("LockboxVault-v1 registration start"), hex(c.blinded_element), hex(c.evaluated_element), hex(c.server_public_key), ksf(c.ksf)),
    hex(c.start_mac));
  const digest = sha256(hex(c.record), hex(c.wrapped_key), hex(c.possession_key), ksf(c.ksf));
  expect("registration_channel.escrow_digest", digest, hex(c.escrow_digest));
  expect("registration_channel.finish_mac", hmac512(key, ...head("LockboxVault-v1 registration finish"), digest, Buffer.from([0])), hex(c.finish_mac));
  expect("registration_channel.finish_mac_with_proof",
    hmac512(key, ...head("LockboxVault-v1 registration finish"), digest, Buffer.from([1]), hex(c.proof_nonce), hex(c.proof_signature)),
    hex(c.finish_mac_with_proof));
  expect("registration_channel.stored_mac", hmac512(key, ...head("LockboxVault-v1 registration stored"), digest), hex(c.stored_mac));
  // The proof the finish carries is the replacement proof of the possession section.
  expect("registration_channel.proof_signature", hex(c.proof_signature), hex(possession.proofs.find((p) => p.purpose === 1).signature));
}

// The vault's sealed login state
{
  const s = v.login_state;
  // HKDF-Expand only (RFC 5869 §2.3), the state key as PRK: for 32 bytes, T(1) = HMAC-SHA256(PRK, info ‖ 0x01).
  const info = Buffer.concat([ascii("LockboxVault-v1 login state"), hex(s.login_id)]);
  const key = crypto.createHmac("sha256", hex(s.state_key)).update(Buffer.concat([info, Buffer.from([1])])).digest();
  expect("login_state.state_box_key", key, hex(s.state_box_key));
  const plain = Buffer.concat([hex(s.record_id), u32(s.attempt), i64(s.expires_at_ms), hex(s.server_state)]);
  expect("login_state.sealed_state", seal(key, hex(s.iv), plain, utf8(s.account)), hex(s.sealed_state));
}

// The vault's secrets under the key file
{
  const s = v.vault_secrets;
  expect("vault_secrets.ake_private_key", hex(s.ake_private_key), hex(v.registration_channel.server_private_key));
  const plain = Buffer.concat([hex(s.oprf_seed), hex(s.ake_private_key), hex(s.state_key)]);
  expect("vault_secrets.box", seal(hex(s.key_file), hex(s.iv), plain, ascii(s.aad)), hex(s.box));
}

console.log(`ok: ${checks} checks`);
