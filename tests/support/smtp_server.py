"""A real SMTP server for casewatch's tests: aiosmtpd (from PyPI) with a
handler that stores each accepted message as JSON and misbehaves on request.

Recipients whose local part starts with
  unknown   are refused with 550 (a permanent failure);
  tempfail  are refused with 451 the first time, accepted afterwards;
  slow      make DATA wait --slow seconds before accepting.

Usage: smtp_server.py PORT OUTDIR [--tls CERT KEY [--implicit] --user NAME --password PW] [--slow S]
                      [--reuse-port]
With --implicit, TLS starts with the connection ("SMTPS") instead of by STARTTLS.
PORT 0 lets the system pick a free port; with --reuse-port the server shares
PORT with a socket the test holds for it (SO_REUSEPORT).
Prints "ready PORT" on standard output once it accepts connections on PORT.
"""

import argparse
import asyncio
import json
import os
import ssl
import sys
import time
import logging

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class AnyPortController(Controller):
    """aiosmtpd's controller, on port 0 or a port shared with the test."""

    def __init__(self, *args, reuse_port=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.reuse_port = reuse_port

    def _create_server(self):
        return self.loop.create_server(
            self._factory_invoker,
            host=self.hostname,
            port=self.port,
            ssl=self.ssl_context,
            reuse_port=self.reuse_port,
        )

    def _trigger_server(self):
        # aiosmtpd connects once to its own port to finish starting: with
        # port 0 that must be the port the system chose.
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class Handler:
    def __init__(self, outdir, slow):
        self.outdir = outdir
        self.slow = slow
        self.refused_once = set()
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0].lower()
        if local.startswith("unknown"):
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        if local.startswith("tempfail") and address not in self.refused_once:
            self.refused_once.add(address)
            return "451 4.3.0 <%s>: Temporary lookup failure" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if any(r.split("@")[0].lower().startswith("slow") for r in envelope.rcpt_tos):
            await asyncio.sleep(self.slow)
        self.count += 1
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "authenticated": bool(session.authenticated),
            "tls": session.ssl is not None,
            "data": envelope.content.decode("utf-8", "replace"),
        }
        name = "%d-%d" % (time.time_ns(), self.count)
        partial = os.path.join(self.outdir, "." + name)
        with open(partial, "w") as f:
            json.dump(record, f)
        os.rename(partial, os.path.join(self.outdir, name + ".json"))
        return "250 2.0.0 Ok: queued as %d" % self.count


def main():
    # aiosmtpd logs a warning about its own deprecated attribute on each AUTH.
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("outdir")
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--implicit", action="store_true")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--slow", type=float, default=0.0)
    parser.add_argument("--reuse-port", action="store_true")
    args = parser.parse_args()

    options = {}
    if args.tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*args.tls)
        if args.implicit:
            options.update(ssl_context=context)
        else:
            options.update(tls_context=context, require_starttls=True)
    if args.user:
        def authenticate(server, session, envelope, mechanism, auth_data):
            # Each attempt is counted, one line each, for the tests that
            # check casewatch does not hammer a mailbox with bad logins.
            with open(os.path.join(args.outdir, "auth-attempts"), "a") as f:
                f.write(mechanism + "\n")
            ok = (
                isinstance(auth_data, LoginPassword)
                and auth_data.login.decode() == args.user
                and auth_data.password.decode() == args.password
            )
            # handled=False: aiosmtpd itself answers 535 on failure.
            return AuthResult(success=ok, handled=False)

        options.update(
            authenticator=authenticate, auth_required=True, auth_require_tls=bool(args.tls)
        )
    controller = AnyPortController(
        Handler(args.outdir, args.slow),
        hostname="127.0.0.1",
        port=args.port,
        reuse_port=args.reuse_port,
        **options,
    )
    controller.start()
    print("ready %d" % controller.port, flush=True)
    try:
        sys.stdin.read()  # runs until the test closes standard input or kills it
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
