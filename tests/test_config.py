"""Settings: CTASSIST_* variables, keyword overrides, validation messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from ctassist import ConfigError, Settings
from ctassist.retrieve import packaged_reranker_dir


def test_defaults_without_environment() -> None:
    settings = Settings.from_env(environ={})
    assert settings == Settings()
    assert settings.corpus_dir == Path("corpus")
    assert settings.embedding_model == "all-MiniLM-L6-v2"
    assert settings.max_file_mb == 20.0
    assert settings.embedding_backend == "onnx"
    assert settings.rerank is False


@pytest.mark.parametrize(
    ("variable", "raw", "field", "expected"),
    [
        ("CTASSIST_RERANK", "false", "rerank", False),
        ("CTASSIST_RERANK", "0", "rerank", False),
        ("CTASSIST_RERANK", "no", "rerank", False),
        ("CTASSIST_EMBEDDING_QUANTIZE", "true", "embedding_quantize", True),
        ("CTASSIST_EMBEDDING_QUANTIZE", " YES ", "embedding_quantize", True),
        ("CTASSIST_EMBEDDING_QUANTIZE", "on", "embedding_quantize", True),
        ("CTASSIST_EMBEDDING_QUANTIZE", "1", "embedding_quantize", True),
        ("CTASSIST_CHUNK_SIZE", "450", "chunk_size", 450),
        ("CTASSIST_EMBEDDING_BATCH_SIZE", "8", "embedding_batch_size", 8),
        ("CTASSIST_MAX_FILE_MB", "0.001", "max_file_mb", 0.001),
        ("CTASSIST_DECISION_THRESHOLD", "0.6", "decision_threshold", 0.6),
        ("CTASSIST_CHROMA_URL", "http://127.0.0.1:8000", "chroma_url", "http://127.0.0.1:8000"),
        ("CTASSIST_LLM", "gguf", "llm", "gguf"),
        ("CTASSIST_EMBEDDING_BACKEND", "torch", "embedding_backend", "torch"),
        ("CTASSIST_SENTENCE_POOL", "12", "sentence_pool", 12),
        ("CTASSIST_CORPUS_DIR", "/data/corpus", "corpus_dir", Path("/data/corpus")),
        ("CTASSIST_INDEX_DIR", "idx", "index_dir", Path("idx")),
    ],
)
def test_environment_variables_are_parsed(variable: str, raw: str, field: str, expected: object) -> None:
    settings = Settings.from_env(environ={variable: raw})
    value = getattr(settings, field)
    assert value == expected
    assert type(value) is type(expected)


def test_an_empty_decision_threshold_means_the_trained_one() -> None:
    assert Settings.from_env(environ={"CTASSIST_DECISION_THRESHOLD": ""}).decision_threshold is None
    assert Settings().decision_threshold is None


def test_reads_os_environ_when_no_mapping_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CTASSIST_TOP_K", "3")
    assert Settings.from_env().top_k == 3


@pytest.mark.parametrize(
    ("variable", "raw", "expected_reason"),
    [
        ("CTASSIST_RERANK", "maybe", "expected true or false, got 'maybe'"),
        ("CTASSIST_CHUNK_SIZE", "big", "expected a number, got 'big'"),
        ("CTASSIST_CHUNK_SIZE", "1.5", "expected a number, got '1.5'"),
        ("CTASSIST_MAX_FILE_MB", "ten", "expected a number, got 'ten'"),
        ("CTASSIST_CHUNK_SIZE", "50", "must be at least 100 characters"),
        ("CTASSIST_EMBEDDING_BATCH_SIZE", "0", "must be at least 1, got 0"),
        ("CTASSIST_CHUNK_OVERLAP", "-1", "must not be negative"),
        ("CTASSIST_MAX_FILE_MB", "0", "must be positive"),
        ("CTASSIST_LLM", "gpt", "must be one of none, gguf, openai, got 'gpt'"),
        ("CTASSIST_EMBEDDING_BACKEND", "tf", "must be one of onnx, torch, got 'tf'"),
        ("CTASSIST_SENTENCE_POOL", "0", "must be at least 1, got 0"),
        ("CTASSIST_CHROMA_URL", "localhost:8000", "must look like http://host:port"),
        ("CTASSIST_CHROMA_URL", "http://[::1", "must look like http://host:port, got 'http://[::1'"),
        ("CTASSIST_CHROMA_URL", "http://host:99999", "must look like http://host:port"),
        ("CTASSIST_CHROMA_URL", "http://", "must look like http://host:port"),
        ("CTASSIST_DECISION_THRESHOLD", "1.5", "must be a probability from 0 to 1, got 1.5"),
        ("CTASSIST_DECISION_THRESHOLD", "nan", "expected a finite number, got 'nan'"),
        ("CTASSIST_MAX_FILE_MB", "inf", "expected a finite number, got 'inf'"),
        ("CTASSIST_RERANKER_MODEL", "/nonexistent/model", "no model.onnx in the folder '/nonexistent/model'"),
    ],
)
def test_bad_environment_value_names_the_variable(variable: str, raw: str, expected_reason: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(environ={variable: raw})
    message = str(caught.value)
    assert message.startswith(f"{variable}: ")
    assert expected_reason in message


def test_bad_keyword_value_names_the_argument() -> None:
    with pytest.raises(ConfigError, match=r"^chunk_size: must be at least 100 characters"):
        Settings.from_env(environ={}, chunk_size=10)
    with pytest.raises(ConfigError, match=r"^rerank: expected true or false, got 'perhaps'"):
        Settings.from_env(environ={}, rerank="perhaps")


def test_keyword_arguments_win_over_environment() -> None:
    environ = {"CTASSIST_CHUNK_SIZE": "300", "CTASSIST_RERANK": "false", "CTASSIST_CORPUS_DIR": "env-corpus"}
    settings = Settings.from_env(environ=environ, chunk_size=900, rerank=True, corpus_dir="kw-corpus")
    assert settings.chunk_size == 900
    assert settings.rerank is True
    assert settings.corpus_dir == Path("kw-corpus")


def test_keyword_strings_are_converted_like_variables() -> None:
    settings = Settings.from_env(environ={}, chunk_size="450", rerank="off", max_file_mb="2.5")
    assert (settings.chunk_size, settings.rerank, settings.max_file_mb) == (450, False, 2.5)


def test_none_keyword_leaves_environment_value() -> None:
    settings = Settings.from_env(environ={"CTASSIST_INDEX_DIR": "from-env"}, index_dir=None)
    assert settings.index_dir == Path("from-env")


def test_bad_value_in_environment_is_reported_even_when_keyword_overrides_another_field() -> None:
    with pytest.raises(ConfigError, match="CTASSIST_TOP_K"):
        Settings.from_env(environ={"CTASSIST_TOP_K": "x"}, chunk_size=500)


def test_error_after_override_names_the_keyword_not_the_variable() -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(environ={"CTASSIST_CHUNK_SIZE": "500"}, chunk_size=20)
    assert str(caught.value).startswith("chunk_size: ")


def test_unknown_keyword_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"unknown setting 'chunksize'"):
        Settings.from_env(environ={}, chunksize=500)


def test_unrelated_ctassist_variables_are_ignored() -> None:
    settings = Settings.from_env(environ={"CTASSIST_UI_THEME": "dark", "OTHER_CHUNK_SIZE": "5"})
    assert settings == Settings()


def test_direct_construction_validates_too() -> None:
    with pytest.raises(ConfigError, match=r"^max_file_mb: must be positive"):
        Settings(max_file_mb=-1)


def test_reranker_model_needs_its_tokenizer_too(tmp_path: Path) -> None:
    (tmp_path / "model.onnx").symlink_to(packaged_reranker_dir() / "model.onnx")
    with pytest.raises(ConfigError, match=r"^reranker_model: no tokenizer\.json in the folder"):
        Settings(reranker_model=str(tmp_path))


def test_reranker_model_accepts_a_folder_holding_a_model() -> None:
    folder = str(packaged_reranker_dir())
    assert Settings.from_env(environ={"CTASSIST_RERANKER_MODEL": folder}).reranker_model == folder
    assert Settings().reranker_model == ""
