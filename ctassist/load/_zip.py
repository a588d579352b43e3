"""Limits on the zip container of a Word document, checked before any part is unpacked."""

from __future__ import annotations

import io
import zipfile

from ctassist.errors import LoadError

#: The extensions whose files are zip archives of parts.
ZIP_FORMATS = frozenset({".docx"})

#: A Word document's parts may add up, uncompressed, to this many times ``max_file_mb``.
#: The uncompressed size is what a file costs: python-docx holds every part in memory and
#: lxml parses the XML at several times its size. Most of a large real document is images,
#: which zip does not shrink further, and its XML is a small share, so a real file near the
#: limit unpacks to little more than its own size; repeated markup deflates a thousandfold
#: (50 MB of XML fit in 179 KB) and is refused.
UNZIPPED_FACTOR = 2
#: ... but never less than this: a Word document without any text already unpacks to almost
#: 1 MB of style and theme definitions (python-docx's template: 0.8 MB, from 36 kB).
UNZIPPED_FLOOR_MB = 5.0

#: A Word document has a few dozen parts, a few hundred with many images; every entry costs
#: memory as soon as the archive is opened.
MAX_ZIP_ENTRIES = 2000

_MB = 1024 * 1024


def check_zip(path: str, data: bytes, max_file_mb: float) -> None:
    """Refuses a zip archive with too many entries or that unpacks to more than
    ``UNZIPPED_FACTOR`` times ``max_file_mb`` (or ``UNZIPPED_FLOOR_MB``), from its directory
    alone.

    The sizes in the directory can be trusted as a bound: :mod:`zipfile`, which python-docx
    reads with, never returns more than an entry's stated size.

    Raises:
        LoadError: The archive is corrupt, has too many entries or unpacks to too much.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise LoadError(path, f"corrupt or unreadable Word document ({type(exc).__name__})") from None
    if len(entries) > MAX_ZIP_ENTRIES:
        raise LoadError(
            path, f"the zip archive holds {len(entries)} entries, over the limit of {MAX_ZIP_ENTRIES}"
        )
    unpacked = sum(entry.file_size for entry in entries)
    limit_mb = max(UNZIPPED_FACTOR * max_file_mb, UNZIPPED_FLOOR_MB)
    if unpacked > limit_mb * _MB:
        raise LoadError(
            path,
            f"unpacks to {unpacked / _MB:.3g} MB from {len(data) / _MB:.3g} MB, over the limit of "
            f"{limit_mb:g} MB for its unpacked parts ({UNZIPPED_FACTOR} x CTASSIST_MAX_FILE_MB, "
            f"at least {UNZIPPED_FLOOR_MB:g} MB)",
        )
