// The opaque-ke side of OpaqueKeInteropTests: @serenity-kit/opaque (opaque-ke compiled to
// WebAssembly) driven over stdin/stdout with one JSON object per line.
//
//   node opaque-ke-peer.mjs <node_modules folder that holds @serenity-kit/opaque>
//
// First line out: {"ready":true,"package":"@serenity-kit/opaque","version":"..."}.
// Each request {"id":N,"call":"client.startRegistration","params":{...}} is answered with
// {"id":N,"result":...} or {"id":N,"error":"..."}. "params" goes to the package function unchanged,
// so messages, states and keys stay in the package's own encoding (base64url without padding).
// A failed client.finishLogin answers {"id":N,"result":null}: the package returns undefined.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";

const modulesDir = process.argv[2];
if (!modulesDir) {
    process.stderr.write("usage: node opaque-ke-peer.mjs <node_modules folder>\n");
    process.exit(2);
}

const packageDir = join(modulesDir, "@serenity-kit", "opaque");
const require = createRequire(import.meta.url);
const opaque = require(packageDir);
const { version } = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8"));
await opaque.ready;

const calls = {
    "client.startRegistration": opaque.client.startRegistration,
    "client.finishRegistration": opaque.client.finishRegistration,
    "client.startLogin": opaque.client.startLogin,
    "client.finishLogin": opaque.client.finishLogin,
    "server.createSetup": opaque.server.createSetup,
    "server.getPublicKey": opaque.server.getPublicKey,
    "server.createRegistrationResponse": opaque.server.createRegistrationResponse,
    "server.startLogin": opaque.server.startLogin,
    "server.finishLogin": opaque.server.finishLogin,
};

const send = (reply) => process.stdout.write(JSON.stringify(reply) + "\n");
send({ ready: true, package: "@serenity-kit/opaque", version });

for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
    if (line.trim() === "") {
        continue;
    }

    let id = null;
    try {
        const request = JSON.parse(line);
        id = request.id;
        const fn = calls[request.call];
        if (!fn) {
            throw new Error(`unknown call ${request.call}`);
        }

        const result = fn(request.params);
        send({ id, result: result === undefined ? null : result });
    } catch (e) {
        send({ id, error: String(e?.message ?? e) });
    }
}
