"""Running the UI for a team: authentication settings and the bind-address warning."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

from ctassist.errors import ConfigError

#: Environment variable holding ``user:password`` or a file of such lines.
AUTH_ENV = "CTASSIST_UI_AUTH"

Credentials = list[tuple[str, str]]


def parse_auth(value: str | None) -> Credentials | None:
    """Reads the UI's credentials.

    Args:
        value: ``user:password``, or the path of a file with one ``user:password`` per line
            (blank lines and lines starting with ``#`` are ignored). The password is
            everything after the first colon. ``None`` or empty: no authentication.

    Returns:
        The ``(user, password)`` pairs, or ``None`` for no authentication.

    Raises:
        ConfigError: The value or a line of the file is not ``user:password``.

    Example:
        >>> parse_auth("inspector:s3cret:with:colons")
        [('inspector', 's3cret:with:colons')]
    """
    if value is None or not value.strip():
        return None
    value = value.strip()
    path = Path(value).expanduser()
    if path.is_file():
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"auth file {path}: cannot be read ({exc})") from None
        pairs = [
            _pair(line.strip(), f"auth file {path}, line {number}")
            for number, line in enumerate(lines, start=1)
            if line.strip() and not line.strip().startswith("#")
        ]
        if not pairs:
            raise ConfigError(f"auth file {path}: holds no user:password line")
        return pairs
    if ":" not in value and (os.sep in value or value.endswith((".txt", ".cfg", ".conf"))):
        raise ConfigError(f"auth: no such file {value!r} (give user:password or a file of such lines)")
    return [_pair(value, "auth")]


def _pair(text: str, origin: str) -> tuple[str, str]:
    user, colon, password = text.partition(":")
    user = user.strip()
    if not colon or not user or not password:
        raise ConfigError(f"{origin}: expected user:password with a non-empty user and password")
    return user, password


def is_loopback(host: str) -> bool:
    """Whether binding to ``host`` keeps the UI on this machine.

    Example:
        >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
        (True, True, False)
    """
    name = host.strip().strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def host_warning(host: str, has_auth: bool) -> str | None:
    """The warning to print when the UI binds beyond this machine without authentication.

    Args:
        host: The address to bind.
        has_auth: Whether credentials are configured.

    Returns:
        The warning text, or ``None`` when there is nothing to warn about.
    """
    if has_auth or is_loopback(host):
        return None
    return (
        f"ctassist: warning: serving on {host} WITHOUT authentication: anyone who can reach this "
        f"machine can read the corpus and add documents to it. Use --auth user:password (or a file "
        f"of user:password lines), or set {AUTH_ENV}; or bind to 127.0.0.1."
    )
