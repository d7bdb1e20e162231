#!/usr/bin/env python3
"""A minimal SMTP sink for bench/schleuder.sh, on the loopback only.

usage: schleuder-smtpsink.py DIR PORTFILE

Listens on 127.0.0.1 on a free port (written to PORTFILE once ready) and
writes every message it accepts to DIR/N.eml, its envelope recipients to
DIR/N.rcpt.  It speaks just enough ESMTP for Ruby's Net::SMTP (EHLO/HELO,
MAIL, RCPT, DATA, RSET, NOOP, QUIT); no TLS, no AUTH.
"""
import itertools
import os
import socket
import socketserver
import sys
import threading

COUNTER = itertools.count(1)
LOCK = threading.Lock()


class Handler(socketserver.StreamRequestHandler):
    def setup(self):
        # Each reply goes out at once: with Nagle's algorithm, the second
        # line of a reply waits for the client's delayed ACK (40 ms).
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().setup()

    def send(self, *lines):
        self.wfile.write("".join(line + "\r\n" for line in lines).encode())
        self.wfile.flush()

    def handle(self):
        rcpts = []
        self.send("220 schleuder-bench-sink ESMTP")
        while True:
            raw = self.rfile.readline(65536)
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.send("250-schleuder-bench-sink", "250 8BITMIME")
            elif verb == "HELO":
                self.send("250 schleuder-bench-sink")
            elif verb == "MAIL":
                rcpts = []
                self.send("250 2.1.0 OK")
            elif verb == "RCPT":
                rcpts.append(line.split(":", 1)[1].strip())
                self.send("250 2.1.5 OK")
            elif verb == "DATA":
                self.send("354 end with <CRLF>.<CRLF>")
                data = []
                while True:
                    raw = self.rfile.readline(1 << 20)
                    if not raw:
                        return
                    if raw.rstrip(b"\r\n") == b".":
                        break
                    if raw.startswith(b".."):
                        raw = raw[1:]
                    data.append(raw)
                with LOCK:
                    n = next(COUNTER)
                base = os.path.join(self.server.outdir, "%d" % n)
                with open(base + ".tmp", "wb") as f:
                    f.write(b"".join(data))
                with open(base + ".rcpt", "w") as f:
                    f.write("\n".join(rcpts) + "\n")
                os.rename(base + ".tmp", base + ".eml")
                rcpts = []
                self.send("250 2.0.0 queued as %d" % n)
            elif verb in ("RSET", "NOOP"):
                rcpts = [] if verb == "RSET" else rcpts
                self.send("250 2.0.0 OK")
            elif verb == "QUIT":
                self.send("221 2.0.0 bye")
                return
            else:
                self.send("502 5.5.2 not implemented")


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: schleuder-smtpsink.py DIR PORTFILE")
    srv = Server(("127.0.0.1", 0), Handler)
    srv.outdir = sys.argv[1]
    with open(sys.argv[2] + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(sys.argv[2] + ".tmp", sys.argv[2])
    srv.serve_forever()


if __name__ == "__main__":
    main()
