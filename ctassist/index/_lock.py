"""One writer at a time per index, across processes (and machines, with a Chroma server).

- Embedded index: an OS lock (``flock``) on ``<index_dir>/.lock``. The OS drops it when its
  process dies, so a killed writer never blocks the next one.
- Chroma server: a lease kept in the server, not in a local file, so that writers on other
  machines see it too. Creating a collection is atomic in Chroma, so the writer is whoever
  creates ``<collection>.lock``. The holder renews it (a ``beat`` counter in its metadata)
  every third of its lease; a waiter that sees no renewal for a whole lease takes it over,
  so a killed writer blocks the others for at most ``index_lease_seconds``. Waiters
  measure that on their own clock, so clocks that differ between machines do not matter.
  Collections are renamed and deleted by their id, so a waiter taking over a dead lease
  can never remove the lock of the writer that took it over first.

A waiter says once who holds the lock (``IndexWait``, to a callback), and gives up with
:class:`~ctassist.errors.IndexBusyError` after ``index_lock_timeout`` seconds.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from ctassist.errors import IndexBusyError

log = logging.getLogger("ctassist.index")

#: Seconds between two attempts to take a lock that another writer holds.
POLL_SECONDS = 0.2
#: Attempts to create the server's lock while it is absent, before its error is the answer.
_CREATE_ATTEMPTS = 5


@dataclass(frozen=True)
class LockHolder:
    """Who holds (or held) the writer lock of an index.

    Attributes:
        owner: ``"process <pid> on <host>"``.
        task: ``"indexing"`` or ``"rebuilding"``.
        since: When it took the lock, ISO 8601 in UTC.
    """

    owner: str
    task: str
    since: str

    def describe(self) -> str:
        return f"{self.owner}, {self.task} since {self.since}"


@dataclass(frozen=True)
class IndexWait:
    """Passed to a wait callback when a writer has to wait for another one.

    Attributes:
        location: The index (folder or server URL).
        holder: Who holds the lock, when known.
        timeout: Seconds this writer waits before giving up.
    """

    location: str
    holder: LockHolder | None
    timeout: float

    def __str__(self) -> str:
        holder = self.holder
        doing = (
            f"{holder.owner} has been {holder.task} it since {holder.since}"
            if holder
            else "another process is writing it"
        )
        return (
            f"waiting for the index at {self.location}: {doing} "
            f"(waiting up to {self.timeout:g} s, CTASSIST_INDEX_LOCK_TIMEOUT)"
        )


WaitCallback = Callable[[IndexWait], None]


def this_writer(task: str) -> LockHolder:
    """The :class:`LockHolder` describing this process doing ``task``."""
    import datetime as dt

    since = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    return LockHolder(f"process {os.getpid()} on {socket.gethostname()}", task, since)


def _log_wait(wait: IndexWait) -> None:
    log.warning("%s", wait)


class WriterLock:
    """The lock one writer of an index holds; a context manager.

    Args:
        location: The index, as shown in messages.
        me: This writer, recorded for waiters to read.
        timeout: Seconds to wait for another writer.
        on_wait: Told once per holder this writer waits for; logs a warning when omitted.
    """

    def __init__(
        self, location: str, me: LockHolder, *, timeout: float, on_wait: WaitCallback | None
    ) -> None:
        self.location = location
        self.me = me
        self.timeout = timeout
        self.on_wait = on_wait or _log_wait
        self._told: list[LockHolder | None] = []  # the holders already named

    def check(self) -> None:
        """Raises :class:`IndexBusyError` when this writer is known to have lost the lock."""

    def verify(self) -> None:
        """Like :meth:`check`, but asks again first: before the writes that only the holder
        may make (the index's record)."""
        self.check()

    def _waiting(self, holder: LockHolder | None, deadline: float) -> None:
        """Says who is waited for (once per holder); gives up at the deadline."""
        if holder not in self._told:
            self._told.append(holder)
            self.on_wait(IndexWait(self.location, holder, self.timeout))
        if time.monotonic() >= deadline:
            who = holder.describe() if holder else "another process"
            raise IndexBusyError(
                f"the index at {self.location} is being written by {who}; gave up after "
                f"waiting {self.timeout:g} s (CTASSIST_INDEX_LOCK_TIMEOUT). Try again when it has finished."
            )
        time.sleep(POLL_SECONDS)

    def __enter__(self) -> WriterLock:
        raise NotImplementedError

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        raise NotImplementedError


class FileLock(WriterLock):
    """The writer lock of an embedded index: ``flock`` on a file of the index folder,
    which also records the holder for waiters to name."""

    def __init__(
        self,
        path: Path,
        location: str,
        me: LockHolder,
        *,
        timeout: float,
        on_wait: WaitCallback | None,
    ) -> None:
        super().__init__(location, me, timeout=timeout, on_wait=on_wait)
        self.path = path
        self._fd = -1

    def __enter__(self) -> FileLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Not opened with truncation: that would wipe the holder's record for the others.
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        deadline = time.monotonic() + self.timeout
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    self._waiting(_read_holder(fd), deadline)
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(asdict(self.me)).encode(), 0)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, 0)
        os.close(self._fd)  # closing releases the lock
        self._fd = -1


def _read_holder(fd: int) -> LockHolder | None:
    try:
        data = json.loads(os.pread(fd, 4096, 0) or b"null")
        return LockHolder(str(data["owner"]), str(data["task"]), str(data["since"]))
    except (OSError, ValueError, TypeError, KeyError):
        return None  # not written yet, or by an older ctassist


class ServerLease(WriterLock):
    """The writer lock of an index on a Chroma server: a renewed lease held in the server.

    Args:
        client: The Chroma client.
        name: The lock collection's name.
        location: The server URL, as shown in messages.
        me: This writer.
        timeout: Seconds to wait for another writer.
        lease_seconds: How long a lease lasts without renewal.
        on_wait: Told once per holder this writer waits for.
    """

    def __init__(
        self,
        client: Any,
        name: str,
        location: str,
        me: LockHolder,
        *,
        timeout: float,
        lease_seconds: float,
        on_wait: WaitCallback | None,
    ) -> None:
        super().__init__(location, me, timeout=timeout, on_wait=on_wait)
        self.client = client
        self.name = name
        self.lease_seconds = lease_seconds
        self._mine: Any = None
        self._beat = 0
        self._lost = threading.Event()
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    def _metadata(self) -> dict[str, Any]:
        return {**asdict(self.me), "lease": self.lease_seconds, "beat": self._beat}

    def _current(self) -> Any:
        from chromadb.errors import NotFoundError

        try:
            return self.client.get_collection(self.name)
        except NotFoundError:
            return None

    def _try_create(self) -> bool:
        from chromadb.errors import ChromaError

        for attempt in range(_CREATE_ATTEMPTS):
            try:
                self._mine = self.client.create_collection(
                    self.name, metadata=self._metadata(), embedding_function=None
                )
            except ChromaError:
                # "Already exists", unless the lock is not there now: then its holder released
                # it in between, or the server refuses for another reason (said at the last try).
                if self._current() is not None:
                    return False
                if attempt == _CREATE_ATTEMPTS - 1:
                    raise
                continue
            return True
        return False  # pragma: no cover - the loop returns or raises

    def __enter__(self) -> ServerLease:
        deadline = time.monotonic() + self.timeout
        watched: tuple[str, Any] | None = None
        watched_since = 0.0
        while not self._try_create():
            current = self._current()
            if current is None:
                continue  # released in between: try again at once
            metadata = dict(current.metadata or {})
            seen, now = (str(current.id), metadata.get("beat")), time.monotonic()
            if seen != watched:
                watched, watched_since = seen, now
            elif now - watched_since > float(metadata.get("lease", self.lease_seconds)):
                holder = _holder_of(metadata)
                log.warning(
                    "taking over the index lock at %s: %s did not renew it for %g s",
                    self.location,
                    holder.describe() if holder else "its holder",
                    now - watched_since,
                )
                self._retire(current, "stale")
                continue
            self._waiting(_holder_of(metadata), deadline)
        self._renewer = threading.Thread(target=self._renew, name="ctassist-index-lease", daemon=True)
        self._renewer.start()
        return self

    def _retire(self, collection: Any, why: str) -> None:
        """Removes a lock collection by its id: renamed first, so that the name is never
        deleted after someone else has taken it."""
        from chromadb.errors import NotFoundError

        spare = f"{self.name}.{why}-{uuid.uuid4().hex[:12]}"
        try:
            collection.modify(name=spare)
            self.client.delete_collection(spare)
        except NotFoundError:
            pass  # another waiter retired it first

    def _renew(self) -> None:
        from chromadb.errors import NotFoundError

        while not self._stop.wait(self.lease_seconds / 3):
            try:
                self._beat += 1
                self._mine.modify(metadata=self._metadata())
                current = self._current()
            except NotFoundError:
                current = None  # taken over and removed
            except Exception as exc:  # noqa: BLE001 - e.g. the server is down: the writes fail and say so
                log.info("could not renew the index lock at %s: %s", self.location, exc)
                continue
            if current is None or current.id != self._mine.id:
                self._lost.set()
                return

    def verify(self) -> None:
        current = self._current()
        if current is None or current.id != self._mine.id:
            self._lost.set()
        self.check()

    def check(self) -> None:
        if self._lost.is_set():
            raise IndexBusyError(
                f"another writer took over the index lock at {self.location} because this run "
                f"did not renew it for {self.lease_seconds:g} s (CTASSIST_INDEX_LEASE_SECONDS); "
                "this run stopped. Run it again."
            )

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join()
        if self._lost.is_set():
            return
        try:
            self._retire(self._mine, "released")
        except Exception as error:  # noqa: BLE001 - the lease then expires by itself
            log.info(
                "could not release the index lock at %s (it expires by itself): %s", self.location, error
            )


def _holder_of(metadata: dict[str, Any]) -> LockHolder | None:
    try:
        return LockHolder(str(metadata["owner"]), str(metadata["task"]), str(metadata["since"]))
    except KeyError:
        return None
