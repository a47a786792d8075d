#!/usr/bin/env python3
"""A network attacker between a Lockbox client and its vault: an HTTP proxy on 127.0.0.1 that
forwards every request to the vault and rewrites what the attack needs.

usage: rewriting_proxy.py UPSTREAM MODE LOG
  UPSTREAM  the vault, e.g. http://127.0.0.1:5000
  MODE      pass                 forward everything unchanged (a passive listener)
            swap-evaluation      answer registration/start and login/start with its own OPRF
                                 evaluation: the blinded element itself, i.e. the OPRF key 1, which
                                 would let it test passwords offline against the record uploaded next
            swap-server-key      answer registration/start with its own server key in the response
                                 (the envelope would bind it, and the record would never open)
            swap-possession-key  replace the possession key in registration/finish with its own
            forge-confirmation   replace the vault's MAC in registration/finish's reply
  LOG       every request is appended as "METHOD PATH STATUS", and every body the vault sent back
            for registration/finish and login/finish as "BODY PATH JSON"

Prints "PORT n" once it listens.
"""
import base64
import http.client
import http.server
import json
import os
import sys
import threading
import urllib.parse

UPSTREAM = urllib.parse.urlsplit(sys.argv[1])
MODE = sys.argv[2]
LOG = sys.argv[3]
LOCK = threading.Lock()


def log(line):
    with LOCK, open(LOG, "a", encoding="utf-8") as f:
        f.write(line + "\n")


def rewrite_request(path, body):
    if MODE == "swap-possession-key" and path.endswith("/registration/finish"):
        doc = json.loads(body)
        doc["possessionKey"] = base64.b64encode(bytes([1] * 32)).decode()
        return json.dumps(doc).encode()
    return body


def rewrite_reply(path, request, reply):
    if MODE == "swap-evaluation" and path.endswith("/registration/start"):
        blinded = base64.b64decode(json.loads(request)["request"])
        doc = json.loads(reply)
        response = base64.b64decode(doc["response"])
        doc["response"] = base64.b64encode(blinded + response[32:]).decode()
        return json.dumps(doc).encode()
    if MODE == "swap-server-key" and path.endswith("/registration/start"):
        blinded = base64.b64decode(json.loads(request)["request"])
        doc = json.loads(reply)
        response = base64.b64decode(doc["response"])
        doc["response"] = base64.b64encode(response[:32] + blinded).decode()
        return json.dumps(doc).encode()
    if MODE == "swap-evaluation" and path.endswith("/login/start"):
        blinded = base64.b64decode(json.loads(request)["ke1"])[:32]
        doc = json.loads(reply)
        ke2 = base64.b64decode(doc["ke2"])
        doc["ke2"] = base64.b64encode(blinded + ke2[32:]).decode()
        return json.dumps(doc).encode()
    if MODE == "forge-confirmation" and path.endswith("/registration/finish"):
        doc = json.loads(reply)
        doc["mac"] = base64.b64encode(os.urandom(64)).decode()
        return json.dumps(doc).encode()
    return reply


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            body = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return body
                body += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def forward(self):
        request = self.read_body()
        sent = rewrite_request(self.path, request) if request else request
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length", "connection", "transfer-encoding")}
        headers["Content-Length"] = str(len(sent))
        upstream = http.client.HTTPConnection(UPSTREAM.hostname, UPSTREAM.port, timeout=60)
        upstream.request(self.command, self.path, body=sent, headers=headers)
        answer = upstream.getresponse()
        reply = answer.read()
        if answer.status == 200 and reply:
            reply = rewrite_reply(self.path, request, reply)
        log(f"{self.command} {self.path} {answer.status}")
        if self.path.endswith(("/registration/finish", "/login/finish")):
            log(f"BODY {self.path} {reply.decode(errors='replace')}")
        self.send_response(answer.status)
        for k, v in answer.getheaders():
            if k.lower() not in ("content-length", "transfer-encoding", "connection", "date", "server"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)
        upstream.close()

    do_GET = forward
    do_POST = forward


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
print(f"PORT {server.server_address[1]}", flush=True)
server.serve_forever()
