"""A real SMTP server for the tests (aiosmtpd), on 127.0.0.1 only, that keeps
every message it accepts and answers RCPT as a test tells it to."""

from __future__ import annotations

import email
import email.policy
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.data, policy=email.policy.default)


@dataclass
class Handler:
    received: list[Received] = field(default_factory=list)
    rcpt_replies: dict[str, list[str]] = field(default_factory=dict)
    """address -> replies to give RCPT, one per try; an empty list accepts."""
    logins: list[tuple[str, str]] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        queue = self.rcpt_replies.get(address)
        if queue:
            return queue.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                      envelope.original_content or envelope.content))
        return f"250 2.0.0 Ok: queued as Q{len(self.received)}"

    def by_message_id(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for item in self.received:
            key = item.message["Message-ID"]
            counts[key] = counts.get(key, 0) + 1
        return counts


class Server:
    """A running server; ``url`` points at it."""

    def __init__(self, *, tls_context=None, ssl_context=None, password: str | None = None,
                 smtputf8: bool = False) -> None:
        self.handler = Handler()
        self.port = free_port()
        kwargs: dict = {"enable_SMTPUTF8": smtputf8}
        if tls_context is not None:
            kwargs["tls_context"] = tls_context
        if ssl_context is not None:
            kwargs["ssl_context"] = ssl_context
        if password is not None:
            kwargs["authenticator"] = self._authenticator(password)
            kwargs["auth_require_tls"] = False
            kwargs["auth_required"] = True
        self.controller = Controller(self.handler, hostname=HOST, port=self.port, **kwargs)
        self.scheme = "smtps" if ssl_context is not None else "smtp"

    def _authenticator(self, password: str):
        def check(server, session, envelope, mechanism, data):
            login = data.login.decode() if isinstance(data.login, bytes) else data.login
            given = data.password.decode() if isinstance(data.password, bytes) \
                else data.password
            self.handler.logins.append((login, given))
            return AuthResult(success=given == password, handled=False)
        return check

    def url(self, user: str | None = None) -> str:
        return f"{self.scheme}://{user + '@' if user else ''}{HOST}:{self.port}"

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def start(self) -> Server:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, and its key, made with openssl."""
    import shutil

    import pytest

    if shutil.which("openssl") is None:
        pytest.skip("TLS tests skipped: no openssl command to make a certificate with")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert),
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


SETTINGS = ("SCHEDTUI_SMTP_URL", "SCHEDTUI_FROM", "SCHEDTUI_SMTP_PASSWORD",
            "SCHEDTUI_SMTP_CAFILE")


def no_mail_settings(monkeypatch, config: Path) -> None:
    """Never the user's own config file, server or password: ``config`` (which
    need not exist) is the config file, and no mail setting is in the environment."""
    monkeypatch.setenv("SCHEDTUI_CONFIG", str(config))
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
