"""The public API: every name of ``ctassist.__all__`` imports, every error is also the
built-in exception that fits its cause, the version is pyproject's, and the package says
it is typed."""

from __future__ import annotations

import ast
import importlib
import inspect
import tomllib
from pathlib import Path

import pytest

import ctassist
import ctassist.errors

ROOT = Path(__file__).resolve().parent.parent


def _error_classes() -> list[type[ctassist.CtassistError]]:
    return [
        value
        for _, value in inspect.getmembers(ctassist.errors, inspect.isclass)
        if issubclass(value, ctassist.CtassistError) and value is not ctassist.CtassistError
    ] + [ctassist.AgendaError]


@pytest.mark.parametrize("name", ctassist.__all__)
def test_every_public_name_imports(name: str) -> None:
    module = importlib.import_module("ctassist")
    assert getattr(module, name) is not None
    namespace: dict[str, object] = {}
    exec(f"from ctassist import {name}", namespace)
    assert namespace[name] is getattr(module, name)


def test_all_lists_no_name_twice_and_is_sorted() -> None:
    names = [n for n in ctassist.__all__ if n != "__version__"]
    assert len(set(names)) == len(names)
    assert names == sorted(names)


def test_what_the_assistant_returns_is_public() -> None:
    """Every class named in a return annotation of a public method of Assistant is exported."""
    hints = [
        inspect.signature(member).return_annotation
        for name, member in inspect.getmembers(ctassist.Assistant)
        if not name.startswith("_") and callable(member)
    ]
    returned = {name for hint in hints if isinstance(hint, str) for name in _names_in(hint)}
    internal = {"Iterator", "None", "Path", "list", "str", "dict", "Encoder", "ChunkStore", "HybridRetriever"}
    internal |= {"CrossEncoderReranker", "GenerativeAnswerer", "Composition", "ExtractiveComposer"}
    missing = sorted(returned - internal - set(ctassist.__all__))
    assert not missing, f"returned by Assistant but not exported from ctassist: {missing}"


def _names_in(annotation: str) -> set[str]:
    return {node.id for node in ast.walk(ast.parse(annotation, mode="eval")) if isinstance(node, ast.Name)}


@pytest.mark.parametrize("error", _error_classes(), ids=lambda error: error.__name__)
def test_every_error_is_also_a_builtin_exception(error: type[Exception]) -> None:
    builtin = [
        base
        for base in error.__mro__
        if base.__module__ == "builtins" and base not in (Exception, BaseException, object)
    ]
    assert builtin, f"{error.__name__} is not also a built-in exception (ValueError, OSError, ...)"
    assert issubclass(error, ctassist.CtassistError)
    assert error.__name__ in ctassist.__all__


def test_the_error_groups() -> None:
    for error in (ctassist.ConfigError, ctassist.AgendaError, ctassist.QuestionError, ctassist.LoadError):
        assert issubclass(error, ValueError)
    for error in (ctassist.IndexUnavailableError, ctassist.IndexBusyError, ctassist.WriteError):
        assert issubclass(error, OSError)
    assert str(ctassist.IndexUnavailableError("the server is down")) == "the server is down"
    assert str(ctassist.LoadError("a.pdf", "empty file")) == "a.pdf: empty file"


def test_the_bare_base_error_is_never_raised() -> None:
    """``raise CtassistError(...)`` hides the cause; each raise names a subclass."""
    found = []
    for folder in ("ctassist", "ui", "evals"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                    called = node.exc.func
                    name = called.attr if isinstance(called, ast.Attribute) else getattr(called, "id", "")
                    if name == "CtassistError":
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, f"the bare CtassistError is raised at {found}"


def test_version_is_pyproject_s() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert ctassist.__version__ == pyproject["project"]["version"]


def test_the_package_is_typed_and_ships_the_marker() -> None:
    assert (ROOT / "ctassist" / "py.typed").is_file()
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "py.typed" in pyproject["tool"]["setuptools"]["package-data"]["ctassist"]
