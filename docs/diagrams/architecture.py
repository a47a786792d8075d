#!/usr/bin/env python3
"""Writes docs/architecture.svg: Lockbox's architecture and key hierarchy.

Standard library only (no graphviz or mermaid on the build machine); every box is placed by hand.
Key names and HKDF labels are those of docs/FORMAT.md section 3 and docs/PROTOCOL.md "Key hierarchy".
Run from anywhere: python3 docs/diagrams/architecture.py
"""
from pathlib import Path
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 1160, 1080
OUT = Path(__file__).resolve().parent.parent / "architecture.svg"

# Fill and stroke per kind of place.
DEVICE = ("#e8f1fb", "#4a7bb7")
CLIENT = ("#dbe9f8", "#2f5f9e")
STORAGE = ("#e8f4e8", "#4d9a4d")
VAULT = ("#fdf0df", "#c98a2b")
DERIVED = ("#f3f3f3", "#8a8a8a")
SECRET = ("#fff5c8", "#a88b00")
FRAME = ("#ffffff", "#9aa5b1")

parts: list[str] = []


def text(x, y, s, size=13, weight="normal", mono=False, anchor="start", color="#1d2733"):
    family = "DejaVu Sans Mono, Menlo, Consolas, monospace" if mono else "DejaVu Sans, Helvetica, Arial, sans-serif"
    parts.append(
        f'<text xml:space="preserve" x="{x}" y="{y}" font-family="{family}" font-size="{size}" font-weight="{weight}" '
        f'text-anchor="{anchor}" fill="{color}">{escape(s)}</text>'
    )


def box(x, y, w, h, colors, title, lines=(), mono_lines=True, stroke_width=1.5, title_size=14, line_size=11):
    fill, stroke = colors
    parts.append(
        f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="8" ry="8" fill="{fill}" '
        f'stroke="{stroke}" stroke-width="{stroke_width}"/>'
    )
    if title:
        text(x + 10, y + 20, title, size=title_size, weight="bold")
    for i, line in enumerate(lines):
        text(x + 10, y + 38 + i * 16, line, size=line_size, mono=mono_lines)


def arrow(points, label=None, label_at=None, both=False, color="#3b4652", dashed=False):
    d = "M " + " L ".join(f"{px} {py}" for px, py in points)
    extra = ' marker-start="url(#head)"' if both else ""
    dash = ' stroke-dasharray="6 4"' if dashed else ""
    parts.append(
        f'<path d="{d}" fill="none" stroke="{color}" stroke-width="1.6"{dash} '
        f'marker-end="url(#head)"{extra}/>'
    )
    if label:
        lx, ly = label_at
        for i, line in enumerate(label.split("\n")):
            text(lx, ly + i * 14, line, size=11, anchor="middle", color="#3b4652")


# ---------------------------------------------------------------- architecture (top half)
text(20, 30, "Architecture", size=18, weight="bold")

# The phone: chat store, device folder and the client library inside the app.
box(20, 45, 560, 330, FRAME, "Phone (the messaging app)", stroke_width=1.2)
box(40, 80, 240, 90, DEVICE, "Chat store", ["msgstore.db  (live SQLite)", "media/"])
box(40, 195, 240, 160, DEVICE, "Device folder", [
    "backup-key  (64 digits, 0600)",
    "state.json  (mode, switch in",
    "             progress; no secret)",
    "cache/      (database base copies",
    "             for page deltas)",
])
box(320, 80, 240, 275, CLIENT, "Lockbox client (SDK)", [
    "copy the database through",
    "  SQLite's online backup API",
    "chunk: database pages and",
    "  page deltas; FastCDC for",
    "  media (keyed boundaries)",
    "dedupe: keyed blob ids",
    "compress: zstd",
    "encrypt: AES-256-GCM",
    "pack, pad (Padme), upload",
    "restore: verify every blob",
])
arrow([(280, 125), (318, 125)])
arrow([(280, 290), (318, 290)], both=True, label="key", label_at=(299, 282))

# Storage.
box(660, 45, 480, 165, STORAGE, "Storage: a local folder or S3", [
    "with end-to-end encryption on, nothing readable:",
    "config       (authenticated; master key sealed)",
    "data/        packs of encrypted blobs",
    "index/  snapshots/  locks/   (encrypted)",
    "standard/    standard backups (readable; deleted",
    "             once end-to-end encryption is on)",
    "rotation/    the new repository during key rotate",
])
arrow([(560, 120), (658, 120)], label="ciphertext", label_at=(609, 112))
arrow([(658, 160), (562, 160)], label="restore", label_at=(609, 152))

# Key vault.
box(660, 235, 480, 140, VAULT, "Key vault (lockbox-vault; password mode only)", [
    "per account: OPAQUE record, wrappedKey,",
    "             possessionKey, guess counter",
    "database:    SQLite or PostgreSQL",
    "server secrets (OPRF seed, AKE key, login-state key)",
    "  sealed under a local key file or a PKCS#11 HSM",
])
arrow([(562, 310), (658, 310)], both=True, label="OPAQUE\n(TLS, token)", label_at=(609, 285))

# ---------------------------------------------------------------- key hierarchy (bottom half)
parts.append(f'<line x1="20" y1="398" x2="{WIDTH - 20}" y2="398" stroke="#c8ced6" stroke-width="1"/>')
text(20, 428, "Key hierarchy", size=18, weight="bold")
text(180, 428, "names and labels as in docs/FORMAT.md §3 and docs/PROTOCOL.md", size=12, color="#5b6672")

C = [20, 305, 590, 875]  # column x
W, H = 265, 78
ROW = [445, 575, 705, 835, 965]


def mid(col):
    return C[col] + W // 2


# Row A: password mode, how the vault holds the backup key.
box(C[0], ROW[0], W, H, DEVICE, "password", ["typed by the user;", "never leaves the device"])
box(C[1], ROW[0], W, H, DERIVED, "export_key (64 B)", ["OPAQUE login: OPRF with the vault,", "Argon2id 64 MiB, 3 passes, p=1"])
box(C[2], ROW[0], W, H, DERIVED, "wrap key (32 B)", ["HKDF-SHA512(export_key,", '"LockboxVault-v1 backup key wrap")'])
box(C[3], ROW[0], W, H, VAULT, "wrappedKey (60 B)", ["AES-256-GCM(wrap key, backup key,", 'aad "LockboxVault-v1 backup key")'])
for col in range(3):
    arrow([(C[col] + W, ROW[0] + H // 2), (C[col + 1] - 2, ROW[0] + H // 2)])

# Row B: the backup key, and the possession key derived from it.
box(C[3], ROW[1], W, H, SECRET, "backup key (32 random bytes)", [
    "shown as 64 hex digits; kept in", "the device folder's backup-key"], stroke_width=2.5)
box(C[2], ROW[1], W, H, VAULT, "possessionKey (Ed25519 public)", [
    'seed = HKDF-SHA512(backup key,', '"LockboxVault-v1 possession key")'])
arrow([(mid(3), ROW[1]), (mid(3), ROW[0] + H + 2)], label="sealed", label_at=(mid(3) + 30, ROW[1] - 20))
arrow([(C[3], ROW[1] + H // 2), (C[2] + W + 2, ROW[1] + H // 2)])

# Row C: the two keys the backup key opens a repository with.
box(C[3], ROW[2], W, H, DERIVED, "wrap key", ["Derive(backup key, repository_id,", '"lockbox/v1/backup-key/wrap")'])
box(C[2], ROW[2], W, H, DERIVED, "check key", ["Derive(backup key, repository_id,", '"lockbox/v1/backup-key/check")'])
arrow([(mid(3), ROW[1] + H), (mid(3), ROW[2] - 2)])
arrow([(C[3] + 40, ROW[1] + H), (C[3] + 40, ROW[1] + H + 24), (mid(2), ROW[1] + H + 24), (mid(2), ROW[2] - 2)])

# Row D: what those keys protect in the config.
box(C[3], ROW[3], W, H, STORAGE, "master key (32 random bytes)", ["stored only sealed under the wrap", "key, in config (bytes 66..125)"])
box(C[2], ROW[3], W, H, STORAGE, "key check (in config)", ["HMAC-SHA256(check key, params):", 'tells "wrong key" from damage'])
arrow([(mid(3), ROW[2] + H), (mid(3), ROW[3] - 2)], label="unwraps", label_at=(mid(3) + 36, ROW[2] + H + 30))
arrow([(mid(2), ROW[2] + H), (mid(2), ROW[3] - 2)])

# Row E: the keys that encrypt the repository's contents.
EH = 96
box(C[0], ROW[4], W, EH, DERIVED, "blob key", ["Derive(master, repository_id,", '"lockbox/v1/master/blob-encryption")', "AES-256-GCM: blobs"], line_size=10)
box(C[1], ROW[4], W, EH, DERIVED, "metadata key", ["Derive(master, repository_id,", '"lockbox/v1/master/metadata-encryption")', "AES-256-GCM: pack headers, index,", "snapshots, locks"], line_size=10)
box(C[2], ROW[4], W, EH, DERIVED, "blob-id key", ["Derive(master, repository_id,", '"lockbox/v1/master/blob-id")', "HMAC-SHA256: blob ids"], line_size=10)
box(C[3], ROW[4], W, EH, DERIVED, "chunker key", ["Derive(master, repository_id,", '"lockbox/v1/master/chunker")', "seeds the chunker's gear table"], line_size=10)
bus_y = ROW[4] - 24
parts.append(
    f'<path d="M {mid(3) - 60} {ROW[3] + H} L {mid(3) - 60} {bus_y} M {mid(0)} {bus_y} L {mid(3) - 60} {bus_y}" '
    f'fill="none" stroke="#3b4652" stroke-width="1.6"/>'
)
for col in range(3):
    arrow([(mid(col), bus_y), (mid(col), ROW[4] - 2)])
arrow([(mid(3) - 60, bus_y), (mid(3) - 60, ROW[4] - 2)])

# Legend and notes in the empty lower left.
lx, ly = C[0], ROW[1]
box(lx, ly, 2 * W + 20, 300, FRAME, "Where each key is", stroke_width=1)
legend = [
    (DEVICE, "on the device, or in the user's head"),
    (SECRET, "the backup key: the device, and the user (key mode)"),
    (VAULT, "kept by the key vault (password mode only)"),
    (STORAGE, "in the storage, inside the config"),
    (DERIVED, "derived when needed, never stored"),
]
for i, (colors, label) in enumerate(legend):
    y = ly + 38 + i * 24
    parts.append(f'<rect x="{lx + 14}" y="{y - 12}" width="22" height="15" rx="3" fill="{colors[0]}" stroke="{colors[1]}"/>')
    text(lx + 46, y, label, size=12)
notes = [
    "Derive(ikm, salt, label) = HKDF-SHA256, 32 bytes (FORMAT.md §1).",
    "Every label is distinct and every repository key is salted with",
    "the repository id, so no two repositories share a key.",
    "The possession key signs the proofs that let the original",
    "device reset the password (password change) or delete the escrow.",
    "Key rotation makes a new backup key and a new master key and",
    "re-encrypts everything, so the old key opens nothing.",
]
for i, line in enumerate(notes):
    text(lx + 14, ly + 172 + i * 18, line, size=12, color="#3b4652")

svg = (
    f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
    f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="Lockbox architecture and key hierarchy">\n'
    '<defs><marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" '
    'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#3b4652"/></marker></defs>\n'
    f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#fbfbf9"/>\n'
    + "\n".join(parts)
    + "\n</svg>\n"
)
OUT.write_text(svg, encoding="utf-8")
print(f"wrote {OUT}")
