"""Language-model faults end in words: an endpoint that is down gives the extractive answer
with a note saying so (library, CLI text and JSON, UI), and a model path that is not a GGUF
model is a configuration error naming the setting and the file.

The endpoint is a real local port with nothing listening; the model files are real files.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from ctassist import Assistant, ConfigError, Settings
from ctassist.answer._generative import make_chat_model
from ctassist.embed import Encoder
from ctassist.types import Answer
from tests.helpers import clean_env, free_port, run_cli
from tests.retrieve.testcorpus import close, indexed_assistant
from ui._handlers import Handlers
from ui._render import ChatState

QUESTION = "Who chairs a Channel panel?"


class Workspace:
    """An indexed tmp corpus, the extractive answer to QUESTION, and an endpoint that is down."""

    def __init__(self, root: Path, encoder: Encoder) -> None:
        pytest.importorskip("langchain_openai")
        plain = indexed_assistant(root, encoder)
        try:
            self.expected: Answer = plain.ask(QUESTION)
        finally:
            close(plain)
        self.corpus = root / "corpus"
        self.index = root / "index"
        self.url = f"http://127.0.0.1:{free_port()}/v1"  # bound, then closed: nothing listens

    def assistant(self, encoder: Encoder) -> Assistant:
        assistant = Assistant(
            corpus_dir=self.corpus, index_dir=self.index, llm="openai", llm_base_url=self.url, encoder=encoder
        )
        return assistant


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Workspace:
    return Workspace(tmp_path_factory.mktemp("llm-down"), encoder)


@pytest.fixture
def offline(workspace: Workspace, encoder: Encoder) -> Iterator[Assistant]:
    assistant = workspace.assistant(encoder)
    yield assistant
    close(assistant)


def _check_fallback(answer: Answer, workspace: Workspace) -> None:
    expected = workspace.expected
    assert not expected.abstained and expected.citations
    assert answer.mode == "extractive" and not answer.abstained
    assert answer.fallback is not None
    assert workspace.url in answer.fallback and "llm_base_url" in answer.fallback
    assert "could not be reached" in answer.fallback and "quoted from the sources" in answer.fallback
    # The quoted answer, unchanged, then the note.
    assert answer.text == f"{expected.text}\n\n{answer.fallback}"
    assert answer.citations == expected.citations


def test_endpoint_down_falls_back_to_the_quoted_answer_and_says_so(
    offline: Assistant, workspace: Workspace
) -> None:
    first = offline.ask(QUESTION)
    _check_fallback(first, workspace)
    assert first.to_dict()["fallback"] == first.fallback
    # Still down: answered again, without waiting on the endpoint a second time.
    second = offline.ask(QUESTION)
    _check_fallback(second, workspace)


def test_the_ui_shows_the_note_in_the_answer(offline: Assistant, workspace: Workspace) -> None:
    messages, state, _ = list(Handlers(offline).ask(QUESTION, "all", ChatState()))[-1]
    shown = messages[-1]["content"]
    assert "could not be reached" in shown and "quoted from the sources" in shown
    assert not state.turns[-1].error and state.turns[-1].citations


def test_cli_json_names_the_fallback_and_text_shows_the_note(workspace: Workspace) -> None:
    env = clean_env(CTASSIST_LLM="openai", CTASSIST_LLM_BASE_URL=workspace.url)
    where = ("--corpus", str(workspace.corpus), "--index", str(workspace.index))
    done = run_cli("ask", *where, "--json", QUESTION, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    data = json.loads(done.stdout)
    assert data["mode"] == "extractive"
    assert workspace.url in data["fallback"] and "CTASSIST_LLM_BASE_URL" in data["fallback"]
    assert data["answer"] == f"{workspace.expected.text}\n\n{data['fallback']}"
    assert data["citations"] == [c.to_dict() for c in workspace.expected.citations]


def test_a_file_that_is_not_a_gguf_model_is_a_config_error(tmp_path: Path) -> None:
    bogus = tmp_path / "model.gguf"
    bogus.write_text("this is not a model\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        Settings.from_env({"CTASSIST_LLM": "gguf", "CTASSIST_LLM_MODEL_PATH": str(bogus)})
    message = str(caught.value)
    assert message.startswith("CTASSIST_LLM_MODEL_PATH:") and str(bogus) in message
    assert "not a GGUF model file" in message
    with pytest.raises(ConfigError, match="is a folder"):
        Settings(llm="gguf", llm_model_path=str(tmp_path))
    with pytest.raises(ConfigError, match="no such file"):
        Settings(llm="gguf", llm_model_path=str(tmp_path / "missing.gguf"))


def test_a_damaged_gguf_model_is_a_config_error_not_a_pydantic_traceback(tmp_path: Path) -> None:
    pytest.importorskip("llama_cpp")
    damaged = tmp_path / "damaged.gguf"
    damaged.write_bytes(b"GGUF" + bytes(60))  # the signature, then nothing a model holds
    settings = Settings(llm="gguf", llm_model_path=str(damaged))
    with pytest.raises(ConfigError) as caught:
        make_chat_model(settings)
    message = str(caught.value)
    assert message.startswith("CTASSIST_LLM_MODEL_PATH:") and str(damaged) in message
    assert "could not be loaded as a GGUF model" in message
    assert "validation error" not in message and "pydantic" not in message


def test_cli_refuses_a_bogus_model_file_in_words(tmp_path: Path) -> None:
    bogus = tmp_path / "model.gguf"
    bogus.write_bytes(b"\x00" * 100)
    env = clean_env(CTASSIST_LLM="gguf", CTASSIST_LLM_MODEL_PATH=str(bogus))
    done = run_cli("ask", "--corpus", str(tmp_path), "--index", str(tmp_path / "index"), QUESTION, env=env)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "CTASSIST_LLM_MODEL_PATH" in done.stderr and str(bogus) in done.stderr


def test_a_malformed_endpoint_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"^CTASSIST_LLM_BASE_URL: must look like http"):
        Settings.from_env({"CTASSIST_LLM": "openai", "CTASSIST_LLM_BASE_URL": "http://[::1"})
