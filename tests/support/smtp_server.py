"""A real SMTP server for casewatch's tests: aiosmtpd (from PyPI) with a
handler that stores each accepted message as JSON and misbehaves on request.

Recipients whose local part starts with
  unknown   are refused with 550 (a permanent failure);
  tempfail  are refused with 451 the first time, accepted afterwards;
  slow      make DATA wait --slow seconds before accepting.

Usage: smtp_server.py PORT OUTDIR [--tls CERT KEY [--implicit] --user NAME --password PW] [--slow S]
                      [--reuse-port] [--tls CERT KEY --xoauth2 USER TOKENS]
With --xoauth2, the only login is SASL XOAUTH2 as USER (Microsoft 365's form,
"user=USER^Aauth=Bearer TOKEN^A^A" in base64), with a token listed in the file
TOKENS, read at each login; a refusal is "535 5.7.3", as Exchange Online's.
With --implicit, TLS starts with the connection ("SMTPS") instead of by STARTTLS.
PORT 0 lets the system pick a free port; with --reuse-port the server shares
PORT with a socket the test holds for it (SO_REUSEPORT).
Prints "ready PORT" on standard output once it accepts connections on PORT.
"""

import argparse
import base64
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


def count_login(outdir, mechanism):
    """Each attempt is counted, one line each, for the tests that check
    casewatch does not hammer a mailbox with bad logins."""
    with open(os.path.join(outdir, "auth-attempts"), "a") as f:
        f.write(mechanism + "\n")


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


class XOAuth2Handler(Handler):
    def __init__(self, outdir, slow, user, tokens):
        super().__init__(outdir, slow)
        self.user = user
        self.tokens = tokens

    async def auth_XOAUTH2(self, server, args):
        count_login(self.outdir, "XOAUTH2")
        if len(args) == 2:
            response = args[1]
        else:
            response = await server.challenge_auth("", encode_to_b64=False)
            response = response.decode() if isinstance(response, bytes) else response
        try:
            text = base64.b64decode(response).decode()
        except Exception:
            text = ""
        with open(self.tokens) as f:
            valid = {line.strip() for line in f if line.strip()}
        ok = any(text == "user=%s\x01auth=Bearer %s\x01\x01" % (self.user, t) for t in valid)
        if ok:
            return AuthResult(success=True, handled=False)
        return AuthResult(success=False, handled=False, message="535 5.7.3 Authentication unsuccessful")


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
    parser.add_argument("--xoauth2", nargs=2, metavar=("USER", "TOKENS"))
    # Exchange Online's answer to a password once basic authentication is off.
    parser.add_argument("--basic-auth-off", action="store_true")
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
            count_login(args.outdir, mechanism)
            ok = (
                isinstance(auth_data, LoginPassword)
                and auth_data.login.decode() == args.user
                and auth_data.password.decode() == args.password
            )
            if args.basic_auth_off:
                return AuthResult(
                    success=False,
                    handled=False,
                    message="550 5.7.30 Basic authentication is not supported for Client Submission.",
                )
            # handled=False: aiosmtpd itself answers 535 on failure.
            return AuthResult(success=ok, handled=False)

        options.update(
            authenticator=authenticate, auth_required=True, auth_require_tls=bool(args.tls)
        )
    if args.xoauth2:
        handler = XOAuth2Handler(args.outdir, args.slow, *args.xoauth2)
        options.update(
            auth_required=True,
            auth_require_tls=bool(args.tls),
            auth_exclude_mechanism=["LOGIN", "PLAIN"],
        )
    else:
        handler = Handler(args.outdir, args.slow)
    controller = AnyPortController(
        handler,
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
