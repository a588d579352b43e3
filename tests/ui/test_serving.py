"""Serving hardening, over HTTP against the real UI server (Gradio on uvicorn, a real
Assistant on a tmp corpus): failed sign-ins are throttled per client address and per user,
a UI bound to localhost answers only requests naming localhost, nothing but the sign-in page
answers before sign-in, and uploads are checked for type and count with their temporary
copies removed. ``ctassist serve`` itself runs as a subprocess for the credential options.
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from ctassist import Assistant
from ctassist.cli import main as cli_main
from ctassist.embed import Encoder
from tests.helpers import clean_env, free_port, run_cli
from ui._serving import LoginThrottle
from ui.app import build_app, start

USER, PASSWORD = "inspector", "correct horse battery staple"
ADMIN, ADMIN_PASSWORD = "admin", "another long passphrase"
ACCOUNTS = [(USER, PASSWORD), (ADMIN, ADMIN_PASSWORD)]
MAX_FILES = 3

#: What the sign-in page loads (and Gradio's call to itself at launch).
PUBLIC = {"/", "/theme.css", "/favicon.ico", "/gradio_api/startup-events"}
PUBLIC_PREFIXES = ("/assets/", "/static/", "/svelte/")


@dataclass
class Server:
    url: str
    port: int
    app: Any
    assistant: Assistant

    def client(self, source: str = "127.0.0.1") -> httpx.Client:
        """An HTTP client whose requests come from ``source`` (any 127.x.y.z address)."""
        transport = httpx.HTTPTransport(local_address=source)
        return httpx.Client(base_url=self.url, transport=transport, timeout=60)

    @contextlib.contextmanager
    def signed_in(self, user: str = USER, password: str = PASSWORD) -> Iterator[httpx.Client]:
        """A client with the session cookie of a successful sign-in."""
        with self.client() as client:
            response = client.post("/login", data={"username": user, "password": password})
            assert response.status_code == 200, response.text
            yield client


def _serve(
    root: Path, encoder: Encoder, *, auth: list[tuple[str, str]] | None, throttle: LoginThrottle | None = None
) -> Server:
    (root / "corpus" / "sources").mkdir(parents=True, exist_ok=True)
    assistant = Assistant(
        corpus_dir=root / "corpus", index_dir=root / "index", max_upload_files=MAX_FILES, encoder=encoder
    )
    app = build_app(assistant)
    port = free_port()
    url = start(app, host="127.0.0.1", port=port, auth=auth, block=False, quiet=True, throttle=throttle)
    return Server(url.rstrip("/"), port, app, assistant)


def _stop(server: Server) -> None:
    server.app.close()
    if server.assistant._store is not None:
        server.assistant._store.client.close()


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[Server]:
    """A UI with a login, on a tmp corpus; its tests only ever sign in successfully."""
    server = _serve(tmp_path_factory.mktemp("guarded"), encoder, auth=ACCOUNTS)
    yield server
    _stop(server)


@pytest.fixture
def fresh(tmp_path: Path, encoder: Encoder) -> Iterator[Server]:
    """A UI with a login whose throttle pauses 60 s after 5 failures (its own, per test)."""
    server = _serve(tmp_path, encoder, auth=ACCOUNTS, throttle=LoginThrottle(free=5, base_seconds=60))
    yield server
    _stop(server)


# --- failed sign-ins ----------------------------------------------------------------------------------


def test_300_wrong_passwords_get_5_checked_and_the_rest_refused(fresh: Server) -> None:
    with fresh.client() as client:
        codes = [
            client.post("/login", data={"username": USER, "password": f"guess {i}"}).status_code
            for i in range(300)
        ]
        assert codes[:5] == [400] * 5  # checked: wrong
        assert set(codes[5:]) == {429}  # not even checked
        refused = client.post("/login", data={"username": USER, "password": PASSWORD})
    assert refused.status_code == 429  # the right password too, while paused
    assert "try again in" in refused.json()["detail"]
    assert 0 < int(refused.headers["retry-after"]) <= 60


def test_a_parallel_burst_gets_no_more_guesses_through(fresh: Server) -> None:
    with fresh.client("127.0.0.2") as client:  # one pool of connections, shared by the threads

        def guess(i: int) -> int:
            return client.post("/login", data={"username": USER, "password": f"guess {i}"}).status_code

        with ThreadPoolExecutor(max_workers=16) as pool:
            codes = list(pool.map(guess, range(200)))
    assert codes.count(400) == 5 and codes.count(429) == 195


def test_the_pause_is_per_address_and_per_user(fresh: Server) -> None:
    with fresh.client("127.0.0.2") as attacker:
        for i in range(6):
            attacker.post("/login", data={"username": USER, "password": f"guess {i}"})
        # The attacker's address is paused, whatever the account.
        assert attacker.post("/login", data={"username": ADMIN, "password": "x"}).status_code == 429
    with fresh.client("127.0.0.3") as elsewhere:
        # The guessed-at account is paused from every address ...
        assert elsewhere.post("/login", data={"username": USER, "password": PASSWORD}).status_code == 429
        # ... other accounts from other addresses are not.
        assert elsewhere.post("/login", data={"username": ADMIN, "password": "typo"}).status_code == 400
        assert (
            elsewhere.post("/login", data={"username": ADMIN, "password": ADMIN_PASSWORD}).status_code == 200
        )
        assert elsewhere.get("/config").status_code == 200


def test_after_the_pause_the_right_password_signs_in_and_clears_the_count(
    tmp_path: Path, encoder: Encoder
) -> None:
    server = _serve(tmp_path, encoder, auth=ACCOUNTS, throttle=LoginThrottle(free=2, base_seconds=0.5))
    try:
        with server.client() as client:
            for i in range(2):
                assert client.post("/login", data={"username": USER, "password": f"g{i}"}).status_code == 400
            assert client.post("/login", data={"username": USER, "password": PASSWORD}).status_code == 429
            time.sleep(1.0)  # longer than the pause
            assert client.post("/login", data={"username": USER, "password": PASSWORD}).status_code == 200
            # A success clears the count: the next mistakes are checked again.
            assert client.post("/login", data={"username": USER, "password": "g2"}).status_code == 400
    finally:
        _stop(server)


def test_throttle_pauses_double_and_are_forgotten() -> None:
    throttle = LoginThrottle(free=1, base_seconds=10, max_seconds=40, forget_seconds=100)
    keys = ["address:a", "user:u"]
    assert throttle.admit(keys, now=0) == 0  # 1st failure
    assert throttle.admit(keys, now=5) == 5  # paused 10 s after it
    assert throttle.admit(keys, now=10) == 0  # 2nd failure
    assert throttle.admit(keys, now=20) == 10  # now 20 s
    assert throttle.admit(keys, now=30) == 0  # 3rd
    assert throttle.admit(keys, now=31) == 39  # capped at 40 s
    assert throttle.admit(["address:b", "user:u"], now=31) == 39  # the user is paused anywhere
    assert throttle.admit(["address:b", "user:v"], now=31) == 0
    assert throttle.admit(keys, now=200) == 0  # forgotten after 100 s quiet
    throttle.succeeded(keys)
    assert throttle.admit(keys, now=200) == 0


# --- the Host header ----------------------------------------------------------------------------------


def test_a_ui_bound_to_localhost_answers_only_requests_naming_localhost(
    tmp_path: Path, encoder: Encoder
) -> None:
    server = _serve(tmp_path, encoder, auth=None)
    try:
        with server.client() as client:
            for host in ("localhost", "127.0.0.1", "[::1]", "app.localhost"):
                response = client.get("/config", headers={"Host": f"{host}:{server.port}"})
                assert response.status_code == 200, host
            for host in (f"rebind.example:{server.port}", "rebind.example", "127.0.0.1.nip.io", "10.0.0.1"):
                response = client.get("/config", headers={"Host": host})
                assert response.status_code == 421, host
                assert "localhost" in response.json()["detail"]
                assert "components" not in response.text
            join = client.post(
                "/gradio_api/queue/join",
                headers={"Host": f"rebind.example:{server.port}"},
                json={"data": ["What is Prevent?", "all", None], "fn_index": 0, "session_hash": "x"},
            )
            assert join.status_code == 421
        # HTTP/1.0 without any Host header.
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as raw:
            raw.sendall(b"GET /config HTTP/1.0\r\n\r\n")
            reply = raw.recv(200)
        assert reply.split(b"\r\n", 1)[0].split()[1] == b"421"
    finally:
        _stop(server)


# --- nothing before sign-in ----------------------------------------------------------------------------


def _routes(app: Any) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []

    def walk(routes: list[Any]) -> None:
        for route in routes:
            if hasattr(route, "original_router"):
                walk(route.original_router.routes)
            elif hasattr(route, "path"):
                for method in sorted(getattr(route, "methods", None) or {"GET"}):
                    found.append((method, route.path))

    walk(app.server_app.routes)
    return found


def _concrete(path: str) -> str:
    """A route's path with each parameter filled in (``{name}``, ``{name:path}``, ``x={name:path}``)."""
    import re

    return re.sub(r"\{[^}]+\}", "x", path)


def test_every_route_but_the_sign_in_page_needs_a_login(guarded: Server) -> None:
    routes = _routes(guarded.app)
    paths = {path for _, path in routes}
    assert {"/gradio_api/reset", "/gradio_api/info", "/config", "/gradio_api/upload"} <= paths
    assert len(routes) > 60  # the enumeration found Gradio's routes, not a few
    answered = []
    with guarded.client() as client:
        for method, path in routes:
            url = _concrete(path)
            if url in PUBLIC or url.startswith(PUBLIC_PREFIXES) or path.startswith("/login"):
                continue
            response = client.request(method, url, json={} if method == "POST" else None)
            if response.status_code != 401:
                answered.append((method, url, response.status_code))
        assert answered == []
        page = client.get("/")
        reset = client.post("/gradio_api/reset", json={"event_id": "x"})
    # The sign-in page describes nothing of the app.
    assert page.status_code == 200 and "gradio_api_info" in page.text
    for name in ("add_documents", "draft_agenda", "reindex", "open_source"):
        assert name not in page.text
    assert reset.status_code == 401
    with guarded.signed_in() as client:
        assert client.post("/gradio_api/reset", json={"event_id": "x"}).status_code == 200
        assert "add_documents" in client.get("/gradio_api/info").text
        assert "add_documents" in client.get("/").text
        assert client.get("/config").status_code == 200


# --- uploads --------------------------------------------------------------------------------------------


def _call(client: httpx.Client, api_name: str, data: list[Any]) -> tuple[str, Any]:
    """Calls a named event through Gradio's REST API: ``("complete", outputs)`` or ``("error", ...)``."""
    started = client.post(f"/gradio_api/call/{api_name}", json={"data": data})
    assert started.status_code == 200, started.text
    event_id = started.json()["event_id"]
    event = None
    with client.stream("GET", f"/gradio_api/call/{api_name}/{event_id}", timeout=300) as stream:
        for line in stream.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and event in {"complete", "error"}:
                return event, json.loads(line[5:])
    raise AssertionError("the event never completed")


def _record(path: Path) -> dict[str, Any]:
    return {"path": str(path), "orig_name": path.name, "meta": {"_type": "gradio.FileData"}}


def test_uploads_are_checked_for_type_and_count_and_their_copies_removed(guarded: Server) -> None:
    files = {
        "channel.md": b"# Channel panels\n\nA Channel panel meets every month to discuss referrals.\n",
        "tool.exe": b"MZ\x90\x00 not a document",
        "prevent.txt": b"Prevent duty\n\nSpecified authorities must have due regard to the Prevent duty.\n",
        "fourth.md": b"# Fourth\n\nThis file is over the limit of files in one upload.\n",
        "fifth.md": b"# Fifth\n\nSo is this one.\n",
    }
    with guarded.signed_in() as client:
        uploaded = client.post(
            "/gradio_api/upload", files=[("files", (name, data)) for name, data in files.items()]
        )
        assert uploaded.status_code == 200, uploaded.text
        temp_paths = [Path(p) for p in uploaded.json()]
        assert len(temp_paths) == 5 and all(p.is_file() for p in temp_paths)
        event, outputs = _call(client, "add_documents", [[_record(p) for p in temp_paths], "source"])
    assert event == "complete", outputs
    result, summary, _table, cleared = outputs
    lines = {line.split("**")[1]: line for line in result.splitlines()}
    assert set(lines) == set(files)
    assert "Added" in lines["channel.md"] and "Added" in lines["prevent.txt"]
    assert "Not added" in lines["tool.exe"] and "not accepted" in lines["tool.exe"]
    for name in ("fourth.md", "fifth.md"):
        assert "Not added" in lines[name] and f"more than {MAX_FILES} files" in lines[name]
    # Every temporary copy is gone, added or refused; only the two accepted files are stored.
    assert [p for p in temp_paths if p.exists()] == []
    stored = sorted(p.suffix for p in (guarded.assistant.settings.corpus_dir / "sources").iterdir())
    assert stored == [".md", ".txt"]
    assert "2 documents" in summary and cleared is None


def test_add_documents_takes_only_files_uploaded_to_gradio(guarded: Server, tmp_path: Path) -> None:
    # The handler receives Gradio's file records as sent (no preprocessing): Gradio must still
    # refuse a path outside its upload folder, and nothing of it is stored or deleted.
    outside = tmp_path / "private.md"
    outside.write_text(
        "# Private\n\nA file of the server's user that no upload put there.\n", encoding="utf-8"
    )
    before = sorted((guarded.assistant.settings.corpus_dir / "sources").iterdir())
    with guarded.signed_in() as client:
        event, _ = _call(client, "add_documents", [[_record(outside)], "source"])
    assert event == "error"
    assert outside.is_file()
    assert sorted((guarded.assistant.settings.corpus_dir / "sources").iterdir()) == before


def test_auth_file_warning_names_a_file_others_can_read(tmp_path: Path) -> None:
    from ui._serving import auth_file_warning

    users = tmp_path / "users"
    users.write_text(f"{USER}:{PASSWORD}\n", encoding="utf-8")
    users.chmod(0o644)
    warning = auth_file_warning(str(users))
    assert warning is not None and "chmod 600" in warning and str(users) in warning
    users.chmod(0o600)
    assert auth_file_warning(str(users)) is None
    assert auth_file_warning(f"{USER}:{PASSWORD}") is None


# --- ctassist serve: credentials never on the command line ---------------------------------------------


def test_serve_refuses_a_password_on_the_command_line(tmp_path: Path) -> None:
    done = run_cli(
        "serve", "--corpus", str(tmp_path), "--index", str(tmp_path / "i"), "--auth", f"{USER}:{PASSWORD}"
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert (
        "--auth-file FILE" in done.stderr
        and "CTASSIST_UI_AUTH" in done.stderr
        and "(ps, /proc)" in done.stderr
    )
    assert PASSWORD not in done.stderr  # never echoed


def test_serve_auth_file_must_be_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["serve", "--auth-file", f"{USER}:{PASSWORD}"]) == 2
    err = capsys.readouterr().err
    assert "--auth-file takes the path of a file" in err and PASSWORD not in err
    missing = tmp_path / "no-such-users"
    assert cli_main(["serve", "--auth-file", str(missing)]) == 2
    err = capsys.readouterr().err
    assert "--auth-file: no such file" in err and str(missing) in err
    assert "Traceback" not in err


def test_serve_takes_credentials_from_a_file_and_guards_the_ui(tmp_path: Path) -> None:
    users = tmp_path / "users"
    users.write_text(f"# the team\n{USER}:{PASSWORD}\n", encoding="utf-8")
    users.chmod(0o644)
    (tmp_path / "corpus" / "sources").mkdir(parents=True)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "ctassist.cli", "serve", "--corpus", str(tmp_path / "corpus"),
         "--index", str(tmp_path / "index"), "--port", str(port), "--auth-file", str(users)],
        env=clean_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_for(url, process)
        # The password is in the file, not in what ps shows.
        cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes().decode()
        assert PASSWORD not in cmdline and str(users) in cmdline
        with httpx.Client(base_url=url, timeout=60) as client:
            assert client.get("/config").status_code == 401
            assert client.get("/", headers={"Host": "rebind.example"}).status_code == 421
            assert client.post("/login", data={"username": USER, "password": "wrong"}).status_code == 400
            assert client.post("/login", data={"username": USER, "password": PASSWORD}).status_code == 200
            assert client.get("/config").status_code == 200
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=60)
    assert "chmod 600" in stderr  # the file is readable by others: said at start
    assert "failed sign-in for user 'inspector' from 127.0.0.1" in stderr
    assert "Traceback" not in stderr


def _wait_for(url: str, process: subprocess.Popen[str], timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(
                f"ctassist serve exited with {process.returncode}: {process.stderr.read() if process.stderr else ''}"
            )
        try:
            httpx.get(url + "/theme.css", timeout=5)
            return
        except httpx.TransportError:
            time.sleep(1)
    raise AssertionError("ctassist serve did not start")
