"""The Chroma collection that holds the chunks: embedded under ``index/`` or on a server.

The collection is the single source of truth. What was indexed from which file, and
whether a run was cut short, is read back from the chunks' own metadata, so that several
processes (or machines, in server mode) share one consistent view.

Any number of processes share one index:

- A small record, the metadata of the collection ``<name>.meta``, names the collection that
  holds the chunks now (``active``) and counts the runs that wrote it (``version``).
  Readers read it once per question (:meth:`ChunkStore.refresh`; measured 0.4 ms embedded,
  1.1 ms on a local Chroma server) and follow it.
- A rebuild fills a new collection ``<name>.g<generation>`` beside the current one, then
  points the record at it in one write, then drops the old one: readers see the old index
  or the new one, never half of one. A reader still holding the old one gets "not found",
  follows the record and tries again.
- Writers hold a lock (``_lock``): one at a time; the next one drops whatever a killed
  writer left (a half-built generation).
- The index of earlier ctassist versions, a collection named ``<name>`` without a record,
  is generation 0 and opens as it is.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import hashlib
import logging
import threading
import weakref
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlparse

from ctassist.config import Settings
from ctassist.errors import (
    CtassistError,
    IndexBusyError,
    IndexChangedError,
    IndexMismatchError,
    IndexUnavailableError,
)
from ctassist.index._lock import FileLock, ServerLease, WaitCallback, WriterLock, this_writer

# Chroma's own telemetry would try to reach the internet.
logging.getLogger("chromadb.telemetry").setLevel(logging.CRITICAL)

_PAGE = 5000
#: Reads of the record before giving up on a collection that keeps disappearing.
_ATTEMPTS = 5
#: Cosine distance: similarity = 1 - distance.
_CONFIGURATION = {"hnsw": {"space": "cosine"}}


@dataclass(frozen=True)
class StoredChunk:
    """A chunk as held in the index."""

    id: str
    text: str
    metadata: dict[str, Any]


@dataclass(frozen=True)
class FileRecord:
    """What the index holds of one document.

    ``versions`` maps each content hash present to the number of chunks stored for it.
    A healthy record has exactly one version with all of its ``expected`` chunks.
    """

    doc_id: str
    title: str
    kind: str
    versions: dict[str, int]
    expected: dict[str, int]
    indexed_at: str
    group: str = ""
    date: str = ""

    @property
    def content_hash(self) -> str:
        """The newest complete version's hash, or ``""``."""
        complete = [h for h, n in self.versions.items() if n == self.expected.get(h)]
        return complete[0] if len(complete) == 1 else ""

    @property
    def healthy(self) -> bool:
        return len(self.versions) == 1 and bool(self.content_hash)

    @property
    def chunks(self) -> int:
        return sum(self.versions.values())


@dataclass(frozen=True)
class Pointer:
    """What ``<name>.meta`` records: the collection holding the chunks now, how many runs
    have written the index, and the generation (rebuild) number of that collection."""

    active: str
    version: int = 0
    generation: int = 0


def chunk_id(doc_id: str, content_hash: str, index: int) -> str:
    """A chunk's id: the same chunk of the same file version always gets the same id, so
    writing it again replaces it instead of duplicating it."""
    return hashlib.sha256(f"{doc_id}\0{content_hash}\0{index}".encode()).hexdigest()[:40]


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


class ChunkStore:
    """Reads and writes chunks in the Chroma collection.

    Args:
        settings: Where the index lives (``index_dir`` or ``chroma_url``) and its name.
        model_name: The embedding model the caller will use.
        dimension: That model's vector size.
        check_model: Refuse a collection built with another model. ``False`` only to open
            an index for a rebuild, which records the configured model.

    Raises:
        IndexMismatchError: The collection was built with another embedding model.
        IndexUnavailableError: The Chroma server cannot be reached.
    """

    def __init__(
        self, settings: Settings, *, model_name: str, dimension: int, check_model: bool = True
    ) -> None:
        self.settings = settings
        self.model_name = model_name
        self.dimension = dimension
        self.check_model = check_model
        self.client = _client(settings)
        self._state = threading.RLock()
        self._writer: WriterLock | None = None
        self._changed = False
        with self._guard():
            self.pointer, self.collection = self._open(check_model=check_model)
        _LOADED.seen(self._embedded_api, self.pointer.version)

    @property
    def location(self) -> str:
        return self.settings.chroma_url or str(self.settings.index_dir / "chroma")

    @property
    def name(self) -> str:
        return self.settings.collection

    @property
    def _meta_name(self) -> str:
        return f"{self.name}.meta"

    @property
    def _embedded_api(self) -> Any:
        """The embedded Chroma instance of this process that the client uses, or None for a server."""
        return None if self.settings.chroma_url else self.client._server

    # --- opening and following the index ------------------------------------------------

    def _open(self, *, check_model: bool) -> tuple[Pointer, Any]:
        """The record and the collection it names, created (generation 0) on first use."""
        from chromadb.errors import NotFoundError

        for _ in range(_ATTEMPTS):
            pointer = self._read_pointer()
            if pointer is None:
                self._create_generation_zero()
                continue
            try:
                collection = self.client.get_collection(pointer.active, embedding_function=None)
            except NotFoundError:
                continue  # replaced between the two reads: read the record again
            if check_model:
                self._check_model(collection)
            return pointer, collection
        raise IndexUnavailableError(
            f"the index at {self.location}: the collection that {self._meta_name} names as current "
            f"does not exist (was it deleted?); delete {self._meta_name} too to start a new index"
        )

    def _read_pointer(self) -> Pointer | None:
        from chromadb.errors import NotFoundError

        try:
            metadata = self.client.get_collection(self._meta_name, embedding_function=None).metadata or {}
        except NotFoundError:
            return None
        return Pointer(
            str(metadata.get("active") or self.name),
            int(metadata.get("version", 0)),
            int(metadata.get("generation", 0)),
        )

    def _create_generation_zero(self) -> None:
        """A new index, or one of an earlier ctassist (no record): the collection under the
        plain name is generation 0; the record is created to name it."""
        from chromadb.errors import ChromaError

        # embedding_function=None: vectors always come from our encoder, never from
        # Chroma's default function (which would download a model).
        self.client.get_or_create_collection(
            self.name, embedding_function=None, metadata=self._model_metadata(), configuration=_CONFIGURATION
        )
        try:
            self.client.create_collection(
                self._meta_name,
                embedding_function=None,
                metadata={"active": self.name, "version": 0, "generation": 0},
            )
        except ChromaError:
            if self._read_pointer() is None:
                raise
            # Another process created it first.

    def _model_metadata(self) -> dict[str, Any]:
        return {"embedding_model": self.model_name, "embedding_dim": self.dimension}

    def _check_model(self, collection: Any) -> None:
        recorded = collection.metadata or {}
        model, dim = recorded.get("embedding_model"), recorded.get("embedding_dim")
        if model != self.model_name or dim != self.dimension:
            raise IndexMismatchError(
                f"the index at {self.location} was built with embedding model {model!r} "
                f"(dimension {dim}), but the configured model is {self.model_name!r} "
                f"(dimension {self.dimension}). Rebuild it with `ctassist index --rebuild`, "
                "or set CTASSIST_EMBEDDING_MODEL back to the model it was built with."
            )

    def refresh(self, *, reload: bool = False, check_model: bool | None = None) -> bool:
        """Follows what other processes (or threads) did to the index since the last call.

        One small read (the record); when a rebuild replaced the collection, the new one is
        opened; with an embedded index, when chunks were written, Chroma's in-memory copy
        of them is reloaded (it does not see another process's writes by itself).

        Args:
            reload: Reload an embedded index's in-memory copy even if no run finished
                (Chroma failed on it while another process was writing).
            check_model: Check the embedding model of a new collection; the store's
                ``check_model`` when omitted.

        Returns:
            True when the index changed (or was reloaded) since this store last looked.

        Raises:
            IndexMismatchError: A rebuild replaced it with an index of another model.
            IndexUnavailableError: The server cannot be reached.
        """
        check = self.check_model if check_model is None else check_model
        with self._state, self._guard():
            pointer = self._read_pointer()
            if pointer == self.pointer and not reload:
                return False
            if pointer is not None:
                _LOADED.seen(self._embedded_api, pointer.version, reload=reload)
            if pointer is None or pointer.active != self.pointer.active:
                self.pointer, self.collection = self._open(check_model=check)
            else:
                self.pointer = pointer
            return True

    @contextlib.contextmanager
    def reading(self) -> Iterator[Any]:
        """The current Chroma collection, for a search made outside this class (the dense
        retriever); what goes wrong is reported as for this class's own reads."""
        with self._guard():
            yield self.collection

    @contextlib.contextmanager
    def _guard(self, *, reading: bool = True) -> Iterator[None]:
        """Chroma's and the network's failures as ctassist errors that say what happened."""
        from chromadb.errors import InternalError, NotFoundError

        try:
            yield
        except CtassistError:
            raise
        except NotFoundError as exc:
            raise IndexChangedError(
                f"the index at {self.location} was replaced by another process while it was read ({exc})"
            ) from exc
        except InternalError as exc:
            if self.settings.chroma_url or not reading:
                raise
            # Embedded Chroma's in-memory copy disagreed with what another process wrote.
            raise IndexChangedError(
                f"the index at {self.location} changed while it was read ({exc})"
            ) from exc
        except Exception as exc:
            if self.settings.chroma_url and _unreachable(exc):
                raise IndexUnavailableError(unreachable_message(self.settings.chroma_url, exc)) from exc
            raise

    # --- writing --------------------------------------------------------------------------

    @contextlib.contextmanager
    def writing(self, *, rebuild: bool = False, on_wait: WaitCallback | None = None) -> Iterator[ChunkStore]:
        """Holds the index's writer lock for a run of writes.

        Another writer is waited for, at most ``index_lock_timeout`` seconds (``on_wait``
        is told who it is). Once the lock is held, this store follows the index as it is
        now, and drops what a killed writer left. When the block ends, readers are told
        (the record's ``version``), and a rebuild's new collection replaces the current
        one in one step; a rebuild that fails is dropped and the current index stays.

        Args:
            rebuild: Give the block a new, empty collection to fill.
            on_wait: Told when this writer waits for another; a warning is logged when omitted.

        Yields:
            The store to write: this one, or for a rebuild one on the new collection.

        Raises:
            IndexBusyError: Another writer held the lock for the whole wait, or took it
                over from this one.
        """
        me = this_writer("rebuilding" if rebuild else "indexing")
        lock: WriterLock
        if self.settings.chroma_url:
            lock = ServerLease(
                self.client,
                f"{self.name}.lock",
                self.location,
                me,
                timeout=self.settings.index_lock_timeout,
                lease_seconds=self.settings.index_lease_seconds,
                on_wait=on_wait,
            )
        else:
            lock = FileLock(
                self.settings.index_dir / ".lock",
                self.location,
                me,
                timeout=self.settings.index_lock_timeout,
                on_wait=on_wait,
            )
        with self._guard():
            lock.__enter__()
        try:
            self.refresh(check_model=self.check_model and not rebuild)
            with _LOADED.writing(self._embedded_api):
                with self._guard():
                    self._drop_leftovers()
                    target = self._start_generation() if rebuild else self
                target._writer, target._changed = lock, False
                try:
                    yield target
                except BaseException:
                    held = _still_held(lock)
                    if held is False:
                        lock.check()  # the lock was taken over: that is why the run failed
                    if held:
                        # If this tidying fails too, the next writer does it; the run's own
                        # error is the one to report.
                        with contextlib.suppress(Exception):
                            if rebuild:
                                self._drop_generation(target)
                            elif self._changed:
                                self._bump()  # what was written stays, and readers must see it
                    raise
                finally:
                    target._writer = None
                with self._guard():
                    lock.verify()
                    if rebuild:
                        self._publish(target)
                    elif self._changed:
                        self._bump()
        finally:
            lock.__exit__(None, None, None)

    def _meta(self) -> tuple[Any, dict[str, Any]]:
        collection = self.client.get_collection(self._meta_name, embedding_function=None)
        return collection, dict(collection.metadata or {})

    def _write_meta(self, **changes: Any) -> None:
        """Changes fields of the record in one write (``None`` removes one); writers only."""
        collection, metadata = self._meta()
        metadata.update(changes)
        collection.modify(metadata={k: v for k, v in metadata.items() if v is not None})

    def _drop_leftovers(self) -> None:
        """Drops a generation a killed rebuild was building, or had just replaced."""
        from chromadb.errors import NotFoundError

        _, metadata = self._meta()
        left = {key: metadata[key] for key in ("building", "retired") if metadata.get(key)}
        for name in left.values():
            if name != self.pointer.active:
                with contextlib.suppress(NotFoundError):
                    self.client.delete_collection(name)
        if left:
            self._write_meta(**dict.fromkeys(left))

    def _start_generation(self) -> ChunkStore:
        from chromadb.errors import NotFoundError

        generation = self.pointer.generation + 1
        name = f"{self.name}.g{generation}"
        # Recorded first: if this writer is killed, the next one drops the collection.
        self._write_meta(building=name)
        with contextlib.suppress(NotFoundError):
            self.client.delete_collection(name)
        collection = self.client.create_collection(
            name, embedding_function=None, metadata=self._model_metadata(), configuration=_CONFIGURATION
        )
        aside = copy.copy(self)
        aside._state = threading.RLock()
        aside.pointer, aside.collection = Pointer(name, self.pointer.version, generation), collection
        return aside

    def _drop_generation(self, aside: ChunkStore) -> None:
        from chromadb.errors import NotFoundError

        with contextlib.suppress(NotFoundError):
            self.client.delete_collection(aside.pointer.active)
        self._write_meta(building=None)

    def _publish(self, aside: ChunkStore) -> None:
        """Makes a rebuild's collection the current one: one write of the record."""
        from chromadb.errors import NotFoundError

        old = self.pointer.active
        new = Pointer(aside.pointer.active, self.pointer.version + 1, aside.pointer.generation)
        self._write_meta(
            active=new.active, version=new.version, generation=new.generation, building=None, retired=old
        )
        with self._state:
            self.pointer, self.collection = new, aside.collection
        _LOADED.seen(self._embedded_api, new.version)
        with contextlib.suppress(NotFoundError):
            self.client.delete_collection(old)
        self._write_meta(retired=None)

    def _bump(self) -> None:
        """Records that this run wrote the index, for readers to follow."""
        _, metadata = self._meta()
        version = int(metadata.get("version", 0)) + 1
        self._write_meta(version=version)
        with self._state:
            self.pointer = replace(self.pointer, version=version)
        _LOADED.seen(self._embedded_api, version)

    def _before_write(self) -> None:
        if self._writer is not None:
            self._writer.check()
        self._changed = True

    # --- reads and writes of chunks -------------------------------------------------------

    def count(self) -> int:
        with self._guard():
            return int(self.collection.count())

    def upsert(
        self, ids: Sequence[str], texts: Sequence[str], embeddings: Any, metadatas: Sequence[dict[str, Any]]
    ) -> None:
        if not ids:
            return
        self._before_write()
        with self._guard(reading=False):
            step = self.client.get_max_batch_size()
            for start in range(0, len(ids), step):
                stop = start + step
                self.collection.upsert(
                    ids=list(ids[start:stop]),
                    documents=list(texts[start:stop]),
                    embeddings=embeddings[start:stop],
                    metadatas=list(metadatas[start:stop]),
                )

    def delete(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        if not ids:
            return
        self._before_write()
        with self._guard(reading=False):
            step = self.client.get_max_batch_size()
            for start in range(0, len(ids), step):
                self.collection.delete(ids=ids[start : start + step])

    def _pages(self, include: list[str], where: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        collection = self.collection  # one collection throughout, even if the store moves on
        offset = 0
        while True:
            with self._guard():
                page = collection.get(include=include, where=where, limit=_PAGE, offset=offset)
            yield page
            if len(page["ids"]) < _PAGE:
                return
            offset += _PAGE

    def ids(self) -> list[str]:
        """Every chunk id in the collection."""
        return [cid for page in self._pages([]) for cid in page["ids"]]

    def iter_metadata(self, where: dict[str, Any] | None = None) -> Iterator[tuple[str, dict[str, Any]]]:
        """Every chunk's id and metadata; only the chunks matching Chroma's ``where`` when given."""
        for page in self._pages(["metadatas"], where):
            for chunk_id_, metadata in zip(page["ids"], page["metadatas"] or [], strict=True):
                yield chunk_id_, dict(metadata or {})

    def iter_chunks(self) -> Iterator[StoredChunk]:
        """Every chunk with its text and metadata (for the lexical index)."""
        for page in self._pages(["metadatas", "documents"]):
            for chunk_id_, text, metadata in zip(
                page["ids"], page["documents"] or [], page["metadatas"] or [], strict=True
            ):
                yield StoredChunk(chunk_id_, text or "", dict(metadata or {}))

    def get(self, ids: Sequence[str]) -> list[StoredChunk]:
        if not ids:
            return []
        with self._guard():
            page = self.collection.get(ids=list(ids), include=["metadatas", "documents"])
        found = {
            cid: StoredChunk(cid, text or "", dict(md or {}))
            for cid, text, md in zip(
                page["ids"], page["documents"] or [], page["metadatas"] or [], strict=True
            )
        }
        return [found[i] for i in ids if i in found]

    def file_records(self) -> tuple[dict[str, FileRecord], dict[str, list[str]]]:
        """What the index holds, per document, and the chunk ids of each document version.

        Returns:
            ``(records, ids)``: ``records[doc_id]`` and ``ids[f"{doc_id}\\0{hash}"]``.
        """
        versions: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        expected: dict[str, dict[str, int]] = defaultdict(dict)
        info: dict[str, dict[str, Any]] = {}
        ids: dict[str, list[str]] = defaultdict(list)
        for cid, md in self.iter_metadata():
            doc_id, content = str(md.get("doc_id", "")), str(md.get("content_hash", ""))
            versions[doc_id][content] += 1
            expected[doc_id][content] = int(md.get("n_chunks", 0))
            ids[f"{doc_id}\0{content}"].append(cid)
            if md.get("indexed_at", "") >= info.get(doc_id, {}).get("indexed_at", ""):
                info[doc_id] = md
        records = {
            doc_id: FileRecord(
                doc_id=doc_id,
                title=str(info[doc_id].get("title", doc_id)),
                kind=str(info[doc_id].get("kind", "source")),
                versions=dict(versions[doc_id]),
                expected=expected[doc_id],
                indexed_at=str(info[doc_id].get("indexed_at", "")),
                group=str(info[doc_id].get("group", "")),
                date=str(info[doc_id].get("date", "")),
            )
            for doc_id in versions
        }
        return records, dict(ids)


class _Loaded:
    """Which run of each embedded index this process's Chroma holds in memory.

    Embedded Chroma keeps a collection's vector index in memory once searched, and does not
    see what other processes write afterwards (measured with chromadb 1.5: ``get`` sees
    new chunks, ``query`` neither finds them nor drops deleted ones). All clients of one
    folder in a process share one Chroma instance, so this is tracked per instance, and
    reloading it gives every client of that folder a fresh view: its Rust bindings are
    replaced in one assignment, so a search already running ends on the old ones.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._versions: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()
        self._writers: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()

    def seen(self, api: Any, version: int, *, reload: bool = False) -> None:
        """Notes that the index is at ``version``; reloads ``api`` if it holds an older one.
        Not while this process writes it: a writer's own view is current."""
        if api is None:
            return
        with self._lock:
            known = self._versions.get(api)
            if known is not None and (version > known or reload) and not self._writers.get(api):
                api.start()  # new bindings: RustBindingsAPI.start assigns them in one step
            self._versions[api] = version if known is None else max(known, version)

    @contextlib.contextmanager
    def writing(self, api: Any) -> Iterator[None]:
        if api is None:
            yield
            return
        with self._lock:
            self._writers[api] = self._writers.get(api, 0) + 1
        try:
            yield
        finally:
            with self._lock:
                self._writers[api] -= 1


_LOADED = _Loaded()


def _still_held(lock: WriterLock) -> bool | None:
    """Whether this writer still holds ``lock``; None when that cannot be known now."""
    try:
        lock.verify()
    except IndexBusyError:
        return False
    except Exception:  # noqa: BLE001 - e.g. the server is down
        return None
    return True


def _unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` says that the server could not be reached (or went away mid-request)."""
    import httpx

    return isinstance(exc, httpx.TransportError | ConnectionError | TimeoutError)


def unreachable_message(url: str, exc: BaseException) -> str:
    """The message of an :class:`IndexUnavailableError` for a server that cannot be reached.

    Example:
        >>> unreachable_message("http://127.0.0.1:8000", ConnectionRefusedError("refused"))
        'cannot reach the index server at http://127.0.0.1:8000 (CTASSIST_CHROMA_URL): refused'
    """
    reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return f"cannot reach the index server at {url} (CTASSIST_CHROMA_URL): {reason}"


def _client(settings: Settings) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        try:
            return chromadb.HttpClient(
                host=url.hostname or "localhost",
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        except Exception as exc:
            raise IndexUnavailableError(unreachable_message(settings.chroma_url, exc)) from exc
    path = settings.index_dir / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
