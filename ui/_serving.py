"""Running the UI for a team: credentials, the bind-address warning, and the guard in front
of every request (Host header, login throttling, nothing answered before sign-in)."""

from __future__ import annotations

import ipaddress
import json
import logging
import math
import os
import re
import stat
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ctassist.errors import ConfigError

#: Environment variable holding ``user:password`` or a file of such lines.
AUTH_ENV = "CTASSIST_UI_AUTH"

Credentials = list[tuple[str, str]]

log = logging.getLogger("ctassist.ui")


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


def auth_from_argument(value: str, option: str = "--auth") -> str:
    """Checks a credentials file given on the command line; a password there is refused.

    Anything on a command line can be read by every user of the machine (``ps``,
    ``/proc/PID/cmdline``), so only the path of a file of ``user:password`` lines is taken.

    Args:
        value: The option's value.
        option: The option's name, for messages.

    Returns:
        ``value``, the path of an existing file.

    Raises:
        ConfigError: ``value`` is not an existing file; when it looks like
            ``user:password`` the message says where to put the password instead.
    """
    path = Path(value).expanduser()
    if path.is_file():
        return value
    if ":" in value:  # user:password (never echoed: it would land in logs too)
        raise ConfigError(
            f"{option} takes the path of a file of user:password lines, not a password: a password "
            f"on the command line can be read by every user of this machine (ps, /proc). Put "
            f"user:password lines in a file only you can read and pass --auth-file FILE, or set {AUTH_ENV}"
        )
    raise ConfigError(f"{option}: no such file {value!r} (give a file of user:password lines)")


def auth_file_warning(value: str | None) -> str | None:
    """A warning when the credentials file ``value`` can be read by other users.

    Returns:
        The warning, or ``None`` (no file, or a private one).
    """
    if not value:
        return None
    path = Path(value.strip()).expanduser()
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if not stat.S_ISREG(mode) or not mode & (stat.S_IRGRP | stat.S_IROTH):
        return None
    return (
        f"ctassist: warning: the credentials file {path} can be read by other users "
        f"(mode {stat.S_IMODE(mode):04o}); run: chmod 600 {path}"
    )


def _pair(text: str, origin: str) -> tuple[str, str]:
    user, colon, password = text.partition(":")
    user = user.strip()
    if not colon or not user or not password:
        raise ConfigError(f"{origin}: expected user:password with a non-empty user and password")
    return user, password


def check_port(host: str, port: int) -> None:
    """Refuses, before anything is loaded, a port this process cannot listen on.

    Raises:
        ConfigError: The port is out of range, already in use, or not ours to bind; the
            message names it.
    """
    import errno
    import socket

    if not 1 <= port <= 65535:
        raise ConfigError(f"--port {port}: must be from 1 to 65535")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError) as exc:
        raise ConfigError(f"--host {host}: not an address this machine can listen on ({exc})") from None
    with socket.socket(family, kind, proto) as probe:
        # As the server will: a port left in TIME_WAIT by a stopped server is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ConfigError(
                    f"port {port} is already in use on {host}: stop the program using it, "
                    "or choose another port with --port"
                ) from None
            raise ConfigError(f"cannot listen on {host} port {port} ({exc.strerror or exc})") from None


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
        f"machine can read the corpus and add documents to it. Use --auth-file FILE (a file of "
        f"user:password lines) or set {AUTH_ENV}; or bind to 127.0.0.1."
    )


# --- the guard in front of every request ----------------------------------------------------------

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Gradio's sign-in form posts here.
LOGIN_PATHS = frozenset({"/login", "/login/"})
#: What the sign-in page itself loads, and the call Gradio makes to itself at launch (a no-op
#: once made); everything else needs a signed-in session.
_PUBLIC_PATHS = frozenset({"/", "/theme.css", "/favicon.ico", "/gradio_api/startup-events"})
_PUBLIC_PREFIXES = ("/assets/", "/static/", "/svelte/")
#: The sign-in form is a few hundred bytes; a larger body is not one.
_MAX_LOGIN_BODY = 16 * 1024
#: The sign-in page embeds the app's API description; before sign-in it gets an empty one.
_API_INFO = re.compile(rb"window\.gradio_api_info = .*?;</script>", re.DOTALL)
_NO_API_INFO = b'window.gradio_api_info = {"named_endpoints": {}, "unnamed_endpoints": {}};</script>'


@dataclass
class _Failures:
    count: int = 0
    last: float = 0.0


@dataclass
class LoginThrottle:
    """Failed sign-ins counted per client address and per user name, with growing pauses.

    The first ``free`` failures of a key cost nothing; after that each attempt must wait
    ``base_seconds * 2 ** (failures - free)`` (at most ``max_seconds``) after the last
    failure, and is refused until then. An attempt counts as a failure from the moment it
    is let through until it succeeds, so a burst of parallel guesses gets no more than
    ``free`` through. A success clears its keys; a key is forgotten ``forget_seconds``
    after its last failure.

    Args:
        free: Failures allowed before pauses start.
        base_seconds: The first pause.
        max_seconds: The longest pause.
        forget_seconds: Quiet time after which a key's failures are forgotten.
        max_keys: Keys kept at most (the oldest are dropped), so guesses cannot fill memory.

    Example:
        >>> throttle = LoginThrottle(free=2)
        >>> [throttle.admit(["user:bob"], now=0.0) for _ in range(3)]
        [0.0, 0.0, 1.0]
        >>> throttle.admit(["user:bob"], now=1.5)
        0.0
    """

    free: int = 5
    base_seconds: float = 1.0
    max_seconds: float = 900.0
    forget_seconds: float = 3600.0
    max_keys: int = 10_000
    _failures: dict[str, _Failures] = field(default_factory=dict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def admit(self, keys: list[str], now: float | None = None) -> float:
        """Lets an attempt through (counted as a failure until :meth:`succeeded`), or not.

        Returns:
            ``0.0`` when the attempt may proceed, else the seconds to wait.
        """
        now = time.monotonic() if now is None else now
        with self._lock:
            wait = max((self._wait(key, now) for key in keys), default=0.0)
            if wait > 0:
                return wait
            for key in keys:
                failures = self._failures.setdefault(key, _Failures())
                failures.count += 1
                failures.last = now
            self._prune(now)
            return 0.0

    def succeeded(self, keys: list[str]) -> None:
        """Clears the failures of a successful sign-in's keys."""
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)

    def _wait(self, key: str, now: float) -> float:
        failures = self._failures.get(key)
        if failures is None:
            return 0.0
        if now - failures.last > self.forget_seconds:
            del self._failures[key]
            return 0.0
        if failures.count < self.free:
            return 0.0
        pause = min(self.base_seconds * 2.0 ** (failures.count - self.free), self.max_seconds)
        return max(0.0, failures.last + pause - now)

    def _prune(self, now: float) -> None:
        if len(self._failures) <= self.max_keys:
            return
        for key in [k for k, f in self._failures.items() if now - f.last > self.forget_seconds]:
            del self._failures[key]
        if len(self._failures) > self.max_keys:
            oldest = sorted(self._failures, key=lambda k: self._failures[k].last)
            for key in oldest[: len(self._failures) - self.max_keys]:
                del self._failures[key]


def host_allowed(host_header: str | None) -> bool:
    """Whether a request's ``Host`` names this machine (localhost or a loopback address).

    A page on another site whose name an attacker points at 127.0.0.1 (DNS rebinding) sends
    its own name here, so a UI bound to localhost answers only requests naming localhost.

    Example:
        >>> host_allowed("localhost:7860"), host_allowed("[::1]:7860"), host_allowed("evil.example:7860")
        (True, True, False)
    """
    if not host_header:
        return False
    host = host_header.strip().lower()
    if host.startswith("["):
        name = host[1 : host.find("]")] if "]" in host else ""
    else:
        name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return bool(name) and is_loopback(name)


class Guard:
    """ASGI middleware in front of the Gradio app.

    - Bound to localhost (``check_host``), it answers only requests whose ``Host`` is
      localhost or a loopback address (421 otherwise).
    - With a login, every request needs a signed-in session (401) except the sign-in page
      and its static files, and the sign-in page carries no description of the app's API.
    - Sign-in attempts pass through a :class:`LoginThrottle` per client address and per
      user name (429 with ``Retry-After`` while paused).

    Args:
        app: The wrapped ASGI app (Gradio's FastAPI app sets itself as ``scope["app"]``,
            whose ``auth``, ``tokens`` and ``cookie_id`` tell whether a login is needed
            and who has signed in).
        check_host: Refuse requests that do not name localhost.
        throttle: The sign-in throttle.
    """

    def __init__(self, app: ASGIApp, *, check_host: bool, throttle: LoginThrottle) -> None:
        self.app = app
        self.check_host = check_host
        self.throttle = throttle

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in {"http", "websocket"}:
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        if self.check_host and not host_allowed(headers.get("host")):
            log.info("refused a request for host %r (the UI answers only to localhost)", headers.get("host"))
            await _refuse(
                scope, send, 421, "This server answers only to localhost, 127.0.0.1 or [::1].", headers={}
            )
            return
        gradio = scope.get("app")
        if getattr(gradio, "auth", None) is None:
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        method = str(scope.get("method", "GET"))
        if path in LOGIN_PATHS and method == "POST":
            await self._login(scope, receive, send)
        elif _signed_in(gradio, headers):
            await self.app(scope, receive, send)
        elif path == "/" and method == "GET":
            await self.app(scope, receive, _without_api_info(send))
        elif path in _PUBLIC_PATHS or path.startswith(_PUBLIC_PREFIXES):
            await self.app(scope, receive, send)
        else:
            await _refuse(scope, send, 401, "Not authenticated: sign in first.", headers={})

    async def _login(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await _read_body(receive, _MAX_LOGIN_BODY)
        if body is None:
            await _refuse(scope, send, 413, "The sign-in form is too large.", headers={})
            return
        address = str((scope.get("client") or ("unknown",))[0])
        user = await _form_username(scope, body)
        keys = [f"address:{address}", f"user:{user[:200]}"]
        wait = self.throttle.admit(keys)
        if wait > 0:
            seconds = math.ceil(wait)
            log.debug("sign-in refused for user %r from %s: paused for %d s", user, address, seconds)
            await _refuse(
                scope,
                send,
                429,
                f"Too many failed sign-ins from this address or for this user; try again in {seconds} s.",
                headers={"retry-after": str(seconds)},
            )
            return
        status: list[int] = []

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            await send(message)

        await self.app(scope, _replay(body, receive), watch)
        if status and status[0] == 200:
            self.throttle.succeeded(keys)
        else:
            log.warning("failed sign-in for user %r from %s", user, address)


def _headers(scope: Scope) -> dict[str, str]:
    return {
        bytes(k).decode("latin-1").lower(): bytes(v).decode("latin-1") for k, v in scope.get("headers", [])
    }


def _signed_in(gradio: Any, headers: dict[str, str]) -> bool:
    """Whether the request carries a session cookie Gradio issued at sign-in."""
    from http.cookies import CookieError, SimpleCookie

    cookies: SimpleCookie = SimpleCookie()
    try:
        cookies.load(headers.get("cookie", ""))
    except CookieError:
        return False
    cookie_id = getattr(gradio, "cookie_id", "")
    tokens = getattr(gradio, "tokens", {})
    for name in (f"access-token-{cookie_id}", f"access-token-unsecure-{cookie_id}"):
        morsel = cookies.get(name)
        if morsel is not None and morsel.value in tokens:
            return True
    return False


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The request body, or ``None`` when it is over ``limit`` bytes."""
    body = b""
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return body
        body += bytes(message.get("body", b""))
        if len(body) > limit:
            return None
        if not message.get("more_body", False):
            return body


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives ``body`` once, then whatever the client sends next."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _form_username(scope: Scope, body: bytes) -> str:
    """The ``username`` field of a sign-in form (urlencoded or multipart), stripped as Gradio does."""
    from starlette.requests import Request

    async def nothing_more() -> Message:
        return {"type": "http.disconnect"}

    try:
        form = await Request(scope, _replay(body, nothing_more)).form()
        value = form.get("username")
    except Exception:  # noqa: BLE001 - a malformed form: Gradio answers it; the throttle still counts it
        return ""
    return value.strip() if isinstance(value, str) else ""


def _without_api_info(send: Send) -> Send:
    """A ``send`` that removes the API description from the sign-in page."""
    start: list[Message] = []
    chunks: list[bytes] = []

    async def rewrite(message: Message) -> None:
        if message["type"] == "http.response.start":
            start.append(message)
            return
        if message["type"] != "http.response.body" or not start:
            await send(message)
            return
        chunks.append(bytes(message.get("body", b"")))
        if message.get("more_body", False):
            return
        body = _API_INFO.sub(lambda _: _NO_API_INFO, b"".join(chunks))
        head = dict(start[0])
        head["headers"] = [
            (k, str(len(body)).encode() if bytes(k).lower() == b"content-length" else v)
            for k, v in head.get("headers", [])
        ]
        await send(head)
        await send({"type": "http.response.body", "body": body, "more_body": False})

    return rewrite


async def _refuse(scope: Scope, send: Send, status: int, detail: str, *, headers: dict[str, str]) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008, "reason": detail[:120]})
        return
    body = json.dumps({"detail": detail}).encode()
    raw = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *((k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body, "more_body": False})
