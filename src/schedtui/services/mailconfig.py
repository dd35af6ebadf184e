"""Where the outbox sends from: the SMTP server, the sender, and the password.

Settings come from the command line first, then the environment, then the
config file (``config.toml`` in the user's config folder, or the file named by
``SCHEDTUI_CONFIG``)::

    [mail]
    smtp = "smtp://ada@smtp.example.org:587"
    from = "Yoga desk <desk@example.org>"
    timeout = 30                         # seconds, for each step of the conversation
    cafile = "/etc/ssl/private-ca.pem"   # extra certificate authority to trust

The password is never taken from the command line, the URL or the file: it
comes from ``SCHEDTUI_SMTP_PASSWORD``, else from the system keyring (service
``schedtui``, user name ``USER@HOST``) when the optional ``keyring`` library is
installed. Nothing here opens a network connection.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import getaddresses
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from schedtui.domain.errors import DeskError

DEFAULT_PORTS = {"smtp": 587, "smtps": 465}
DEFAULT_TIMEOUT = 30.0
KEYRING_SERVICE = "schedtui"
LOCAL_SENDER = "schedtui@localhost"
_KEYS = {"smtp", "from", "timeout", "cafile"}


@dataclass(frozen=True)
class SmtpUrl:
    """A parsed ``smtp://`` or ``smtps://`` URL (never with a password)."""

    scheme: str
    host: str
    port: int
    user: str | None

    @property
    def implicit_tls(self) -> bool:
        return self.scheme == "smtps"

    @property
    def loopback(self) -> bool:
        """This machine: a local relay, where STARTTLS is used if offered but not required."""
        if self.host.lower() in ("localhost", "localhost.localdomain") or \
                self.host.lower().endswith(".localhost"):
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    @property
    def keyring_user(self) -> str:
        return f"{self.user}@{self.host}"

    def __str__(self) -> str:
        user = f"{self.user}@" if self.user else ""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{user}{host}:{self.port}"


def parse_smtp_url(raw: str) -> SmtpUrl:
    """``smtp://[user@]host[:port]`` (STARTTLS) or ``smtps://[user@]host[:port]``."""
    text = (raw or "").strip()
    shown = text[:200]
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise DeskError("invalid_smtp_url", f'"{shown}" is not an SMTP URL: the port must be '
                        "a number from 1 to 65535.") from None
    if parts.scheme not in DEFAULT_PORTS:
        raise DeskError("invalid_smtp_url", f'"{shown}" is not an SMTP URL. Use '
                        "smtp://host:587 (STARTTLS), smtps://host:465 (TLS) or "
                        "smtp://localhost:1025 (a relay on this machine).")
    if parts.password is not None:
        raise DeskError("invalid_smtp_url", "The SMTP URL holds a password; it was not used. "
                        "Put the password in SCHEDTUI_SMTP_PASSWORD or the system keyring, "
                        "never in the URL.")
    if not parts.hostname:
        raise DeskError("invalid_smtp_url", f'"{shown}" names no server.')
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise DeskError("invalid_smtp_url", f'"{shown}": an SMTP URL is only '
                        "scheme://[user@]host[:port].")
    if port == 0:
        raise DeskError("invalid_smtp_url", f'"{shown}": port 0 is not a port.')
    return SmtpUrl(parts.scheme, parts.hostname, port or DEFAULT_PORTS[parts.scheme],
                   unquote(parts.username) if parts.username else None)


def parse_sender(raw: str) -> str:
    """A From address, ``Name <a@b>`` or ``a@b``; returned as given, checked."""
    text = (raw or "").strip()
    pairs = getaddresses([text])
    if len(pairs) != 1 or "@" not in pairs[0][1] or any(c in text for c in "\r\n"):
        raise DeskError("invalid_email", f'"{text[:80]}" is not a sender address '
                        '(name@example.org or "Name <name@example.org>").')
    local, _, domain = pairs[0][1].rpartition("@")
    try:
        Address(pairs[0][0], local, domain)
    except (ValueError, IndexError):
        raise DeskError("invalid_email", f'"{text[:80]}" is not a sender address.') from None
    if not local or not domain or " " in pairs[0][1]:
        raise DeskError("invalid_email", f'"{text[:80]}" is not a sender address.')
    return text


def config_path() -> Path:
    """The config file: ``SCHEDTUI_CONFIG``, else config.toml in the user's config folder."""
    named = os.environ.get("SCHEDTUI_CONFIG")
    if named:
        return Path(named).expanduser()
    from platformdirs import user_config_path

    return user_config_path("schedtui", appauthor=False) / "config.toml"


def read_config(path: Path | None = None) -> dict[str, Any]:
    """The ``[mail]`` table of the config file; empty when there is no file."""
    path = path or config_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or "not UTF-8 text"
        raise DeskError("invalid_config", f"Cannot read the config file {path}: {reason}.",
                        path=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise DeskError("invalid_config", f"The config file {path} is not valid TOML ({exc}).",
                        path=str(path)) from None
    mail = data.get("mail", {})
    if not isinstance(mail, dict):
        raise DeskError("invalid_config", f"{path}: [mail] must be a table.", path=str(path))
    if "password" in mail:
        raise DeskError("invalid_config", f"{path} holds a mail password; it was not used. "
                        "Remove it and put the password in SCHEDTUI_SMTP_PASSWORD or the "
                        "system keyring.", path=str(path))
    unknown = sorted(set(mail) - _KEYS)
    if unknown:
        raise DeskError("invalid_config", f"{path}: unknown setting mail.{unknown[0]} (known: "
                        f"{', '.join(sorted(_KEYS))}).", path=str(path))
    for key in ("smtp", "from", "cafile"):
        if key in mail and not isinstance(mail[key], str):
            raise DeskError("invalid_config", f"{path}: mail.{key} must be a string.",
                            path=str(path))
    if "timeout" in mail and (isinstance(mail["timeout"], bool)
                              or not isinstance(mail["timeout"], int | float)
                              or not 0 < mail["timeout"] <= 600):
        raise DeskError("invalid_config", f"{path}: mail.timeout must be a number of seconds "
                        "from 1 to 600.", path=str(path))
    return mail


def keyring_password(url: SmtpUrl) -> str | None:
    """The password the system keyring holds for this server, if the library is there."""
    try:
        import keyring  # type: ignore[import-not-found]
    except ImportError:
        return None
    try:
        return keyring.get_password(KEYRING_SERVICE, url.keyring_user)
    except Exception:  # noqa: BLE001 - no usable keyring backend: as if none
        return None


@dataclass(frozen=True)
class MailSettings:
    """Everything a send needs. ``password`` never leaves this object in any output."""

    url: SmtpUrl | None
    sender: str
    timeout: float
    cafile: str | None
    password: str | None
    password_source: str | None
    config_file: Path
    config_found: bool

    def public(self) -> dict[str, Any]:
        """The settings for people and scripts: the password only as where it comes from."""
        return {"config_file": str(self.config_file), "config_found": self.config_found,
                "smtp": str(self.url) if self.url else None, "from": self.sender,
                "timeout": self.timeout, "cafile": self.cafile,
                "password": f"(hidden, from {self.password_source})" if self.password
                else None}


def load_settings(*, smtp: str | None = None, sender: str | None = None,
                  need_server: bool = True) -> MailSettings:
    """The settings in force: command line, then environment, then config file."""
    path = config_path()
    found = path.exists()
    mail = read_config(path)
    raw_url = smtp or os.environ.get("SCHEDTUI_SMTP_URL") or mail.get("smtp")
    url = parse_smtp_url(raw_url) if raw_url else None
    if url is None and need_server:
        raise DeskError("smtp_not_configured", "No mail server is set. Give --smtp URL, set "
                        f"SCHEDTUI_SMTP_URL, or add smtp = \"...\" under [mail] in {path}.")
    raw_sender = sender or os.environ.get("SCHEDTUI_FROM") or mail.get("from")
    if raw_sender:
        from_address = parse_sender(raw_sender)
    elif url is None or url.loopback:
        from_address = LOCAL_SENDER
    else:
        raise DeskError("smtp_not_configured", f"No sender address is set for {url.host}. "
                        "Give --from ADDRESS, set SCHEDTUI_FROM, or add from = \"...\" under "
                        f"[mail] in {path}.")
    cafile = os.environ.get("SCHEDTUI_SMTP_CAFILE") or mail.get("cafile")
    if cafile and not Path(cafile).expanduser().is_file():
        raise DeskError("invalid_config", f"The certificate file {cafile[:200]} does not "
                        "exist.")
    password, source = None, None
    if url is not None and url.user:
        password = os.environ.get("SCHEDTUI_SMTP_PASSWORD") or None
        source = "SCHEDTUI_SMTP_PASSWORD" if password else None
        if password is None:
            password = keyring_password(url)
            source = "the system keyring" if password else None
    return MailSettings(url=url, sender=from_address,
                        timeout=float(mail.get("timeout", DEFAULT_TIMEOUT)),
                        cafile=str(Path(cafile).expanduser()) if cafile else None,
                        password=password, password_source=source, config_file=path,
                        config_found=found)
