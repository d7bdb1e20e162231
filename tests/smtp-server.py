#!/usr/bin/env python3
"""A small SMTP submission server for tests, on the loopback only.

It speaks EHLO, optional STARTTLS (--cert/--key), optional AUTH PLAIN and
LOGIN (--user/--password), MAIL, RCPT, DATA, RSET, NOOP and QUIT, and
writes each message it accepts to DIR/N.eml with its envelope in N.env.
The port it listens on is written to --port-file once it is ready.
"""
import argparse
import base64
import os
import socket
import socketserver
import ssl
import sys


class Handler(socketserver.StreamRequestHandler):
    def setup(self):
        super().setup()
        self.tls = False
        self.authed = None

    def send(self, line):
        self.wfile.write((line + "\r\n").encode())
        self.wfile.flush()

    def readline(self):
        line = self.rfile.readline(65536)
        if not line:
            raise EOFError
        return line.decode("utf-8", "replace").rstrip("\r\n")

    def ehlo(self):
        caps = ["confidant-test-smtp", "8BITMIME"]
        if self.server.opts.cert and not self.tls:
            caps.append("STARTTLS")
        if self.server.opts.user:
            caps.append("AUTH PLAIN LOGIN")
        for i, c in enumerate(caps):
            self.send(("250 " if i == len(caps) - 1 else "250-") + c)

    def check_auth(self, user, password):
        o = self.server.opts
        if user == o.user and password == o.password:
            self.authed = user
            self.send("235 2.7.0 Authentication successful")
        else:
            self.send("535 5.7.8 Authentication credentials invalid")

    def handle(self):
        opts = self.server.opts
        sender, rcpts = None, []
        self.send("220 confidant-test-smtp ESMTP")
        try:
            while True:
                line = self.readline()
                verb = line.split(" ", 1)[0].upper()
                arg = line[len(verb):].strip()
                if verb in ("EHLO", "HELO"):
                    self.ehlo() if verb == "EHLO" else self.send("250 hello")
                elif verb == "STARTTLS" and opts.cert and not self.tls:
                    self.send("220 2.0.0 go ahead")
                    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                    ctx.load_cert_chain(opts.cert, opts.key)
                    conn = ctx.wrap_socket(self.request, server_side=True)
                    self.request = conn
                    self.rfile = conn.makefile("rb")
                    self.wfile = conn.makefile("wb")
                    self.tls = True
                elif verb == "AUTH" and opts.user:
                    parts = arg.split()
                    mech = parts[0].upper() if parts else ""
                    if mech == "PLAIN":
                        data = parts[1] if len(parts) > 1 else None
                        if data is None:
                            self.send("334 ")
                            data = self.readline()
                        fields = base64.b64decode(data).split(b"\0")
                        self.check_auth(fields[1].decode(), fields[2].decode())
                    elif mech == "LOGIN":
                        self.send("334 " + base64.b64encode(b"Username:").decode())
                        user = base64.b64decode(self.readline()).decode()
                        self.send("334 " + base64.b64encode(b"Password:").decode())
                        self.check_auth(user, base64.b64decode(self.readline()).decode())
                    else:
                        self.send("504 5.5.4 unknown mechanism")
                elif verb == "MAIL":
                    if opts.user and not self.authed:
                        self.send("530 5.7.0 Authentication required")
                        continue
                    sender, rcpts = arg.split(":", 1)[1].strip(), []
                    self.send("250 2.1.0 ok")
                elif verb == "RCPT":
                    if opts.fail_rcpt:
                        self.send("451 4.3.0 try again later")
                        continue
                    rcpts.append(arg.split(":", 1)[1].strip())
                    self.send("250 2.1.5 ok")
                elif verb == "DATA":
                    self.send("354 end with .")
                    lines = []
                    while True:
                        l = self.rfile.readline(1 << 20)
                        if not l or l in (b".\r\n", b".\n"):
                            break
                        lines.append(l[1:] if l.startswith(b"..") else l)
                    n = len([f for f in os.listdir(opts.dir) if f.endswith(".eml")]) + 1
                    with open(os.path.join(opts.dir, "%d.eml" % n), "wb") as f:
                        f.write(b"".join(lines))
                    with open(os.path.join(opts.dir, "%d.env" % n), "w") as f:
                        f.write("from %s\nto %s\ntls %s\nauth %s\n"
                                % (sender, " ".join(rcpts), "yes" if self.tls else "no", self.authed))
                    self.send("250 2.0.0 queued as %d" % n)
                elif verb == "RSET":
                    sender, rcpts = None, []
                    self.send("250 ok")
                elif verb == "NOOP":
                    self.send("250 ok")
                elif verb == "QUIT":
                    self.send("221 bye")
                    return
                else:
                    self.send("502 5.5.2 not implemented")
        except (EOFError, ConnectionError, ssl.SSLError, OSError):
            return


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--fail-rcpt", action="store_true")
    opts = p.parse_args()
    os.makedirs(opts.dir, exist_ok=True)
    srv = Server(("127.0.0.1", 0), Handler)
    srv.opts = opts
    with open(opts.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(opts.port_file + ".tmp", opts.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
