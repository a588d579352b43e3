"""The package's version: from the installed distribution's metadata, so that it is written
in one place (``pyproject.toml``); read from that file when ctassist runs from a source
checkout without being installed."""

from __future__ import annotations

import tomllib
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as distribution_version
from pathlib import Path

#: What ``__version__`` says when neither the metadata nor ``pyproject.toml`` can be read.
UNKNOWN = "0+unknown"


def version() -> str:
    """The version of ctassist that is running.

    Example:
        >>> version() != ""
        True
    """
    try:
        return distribution_version("ctassist")
    except PackageNotFoundError:
        pass
    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    try:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
    except (OSError, tomllib.TOMLDecodeError):
        return UNKNOWN
    found = project.get("version") if project.get("name") == "ctassist" else None
    return found if isinstance(found, str) else UNKNOWN
