"""A real SMTP server for Gazette's tests: aiosmtpd on 127.0.0.1, on a port the OS chooses.

Usage: smtp_sink.py DIR [--greeting-421] [--silent] [--auth [--tls CERT KEY]] [--close-after N]
Prints "PORT <n>" once listening, then stores each accepted message as DIR/<n>.eml (the
exact bytes received) with DIR/<n>.json holding the envelope. The recipient's local part
scripts the failures:
  reject…    RCPT 550 5.1.1 (refused for good)       later…    RCPT 451 4.3.0 (always)
  flaky…     RCPT 451 the first time, then accepted  throttle… RCPT 451 4.7.1 (slow down)
  full…      RCPT 452 4.5.3 too many recipients      big…      DATA 552 5.3.4 too big
  spam…      DATA 554 5.7.1 rejected                  drop…     connection dropped in DATA
Options: --greeting-421 answers every connection with 421 and closes it; --silent accepts
connections and never answers; --auth (with --tls: after STARTTLS, with this certificate) requires
AUTH and refuses every login (535); --close-after N answers the MAIL command after N
messages on one connection with 421 and closes that connection.
"""
import argparse
import asyncio
import json
import os
import socket

import peer_lifetime  # noqa: F401  (ends this server when the test process ends)

from aiosmtpd.smtp import SMTP, AuthResult


class Handler:
    def __init__(self, folder, close_after):
        self.folder = folder
        self.count = 0
        self.close_after = close_after
        self.seen = set()

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        done = getattr(session, "gazette_messages", 0)
        if self.close_after and done >= self.close_after:
            server.transport.write(b"421 4.7.0 too many messages on one connection, closing\r\n")
            server.transport.close()
            return None
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0]
        if local.startswith("reject"):
            return "550 5.1.1 mailbox unavailable"
        if local.startswith("later"):
            return "451 4.3.0 try again later"
        if local.startswith("throttle"):
            return "451 4.7.1 rate limited, slow down"
        if local.startswith("full"):
            return "452 4.5.3 too many recipients"
        if local.startswith("flaky") and address not in self.seen:
            self.seen.add(address)
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        local = envelope.rcpt_tos[0].split("@")[0]
        if local.startswith("big"):
            return "552 5.3.4 message too big"
        if local.startswith("spam"):
            return "554 5.7.1 message rejected"
        if local.startswith("drop"):
            server.transport.abort()
            return None
        self.count += 1
        session.gazette_messages = getattr(session, "gazette_messages", 0) + 1
        base = os.path.join(self.folder, str(self.count))
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content)
        with open(base + ".json", "w") as f:
            # The client's port tells the tests which connection carried the message.
            json.dump({"from": envelope.mail_from, "to": envelope.rcpt_tos, "port": session.peer[1]}, f)
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 2.0.0 Ok: queued as %d" % self.count


class Silent(asyncio.Protocol):
    """Accepts the connection and never says a word."""


class RefuseAtGreeting(asyncio.Protocol):
    def connection_made(self, transport):
        transport.write(b"421 4.3.2 service not available, try later\r\n")
        transport.close()


def refuse_every_login(server, session, envelope, mechanism, auth_data):
    return AuthResult(success=False, handled=False)


async def main(options):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    handler = Handler(options.folder, options.close_after)
    loop = asyncio.get_running_loop()
    if options.greeting_421:
        factory = RefuseAtGreeting
    elif options.silent:
        factory = Silent
    elif options.auth:
        context = None
        if options.tls:
            import ssl
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(options.tls[0], options.tls[1])

        def factory():
            return SMTP(handler, hostname="sink.test", authenticator=refuse_every_login,
                        auth_required=True, auth_require_tls=context is not None,
                        tls_context=context, require_starttls=context is not None)
    else:
        def factory():
            return SMTP(handler, hostname="sink.test")
    server = await loop.create_server(factory, sock=sock)
    print("PORT %d" % sock.getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--greeting-421", action="store_true")
    parser.add_argument("--auth", action="store_true")
    parser.add_argument("--silent", action="store_true")
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--close-after", type=int, default=0)
    asyncio.run(main(parser.parse_args()))
