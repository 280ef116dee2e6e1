"""A cache of parsed rulebooks, so that a one-case `duidan evaluate` does not parse the rulebook's
YAML at every start.

Key: the SHA-256 of the duidan version, pydantic's version, the bytes of the loader's own source modules, the bundled
vocabulary (every load reads it), and every file under the rulebook directory (its relative
path and its bytes). Any edit to any of them is a different key, so an entry can never stand for
other content; a stale entry is simply never read again.

Entry: one file `<key>.json` in `$XDG_CACHE_HOME/duidan/rulebooks/` (default
`~/.cache/duidan/rulebooks/`): a header line (format, key, rulebook digest, the SHA-256 of the
text that follows) and then the rulebook's canonical JSON. It is read back only if the text hashes
to the recorded SHA-256: a corrupt, truncated or unreadable entry is ignored and rewritten. The
text is then known to be the very bytes a validated rulebook was dumped to, by the code the key
covers, so it is rebuilt without validating again (`documents.rebuild`) and its digest taken from
the header: validating and re-hashing cost 30 ms of a 0.2 s start, and only repeat what was
checked when the entry was written. An entry forged with a matching hash needs write access to
the cache directory, which could as well rewrite the installed code. A field type `rebuild` does
not know makes the entry unreadable, so the YAML is parsed instead.
Pickle was measured too (about 4x faster to rebuild than validated JSON, but it would execute
whatever a tampered file asks for, and it skips validation): not used.

`DUIDAN_NO_CACHE=1` disables reading and writing. A cache directory that cannot be written only
costs the parse: loading never fails because of the cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from .rulebook import Rulebook, bundled_path, load_rulebook, rulebook_from_canonical

FORMAT = "duidan-rulebook-cache/2"
# The modules whose code decides what a loaded rulebook is: a change to them (in a development
# checkout the version does not move) must not be answered from an entry made by the old code.
_LOADER_MODULES = ("rulebook.py", "domain.py", "instruments.py", "documents.py", "errors.py", "cache.py")


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "duidan" / "rulebooks"


def enabled() -> bool:
    return os.environ.get("DUIDAN_NO_CACHE", "") in ("", "0")


def _files(root: Path) -> list[Path]:
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        # Byte-code and hidden files are not rulebook content (and byte-code appears on first import).
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__" and not d.startswith("."))
        out += [Path(dirpath) / f for f in filenames if not f.startswith(".") and not f.endswith(".pyc")]
    return sorted(out)


def cache_key(root: Path) -> str:
    from pydantic.version import VERSION as pydantic_version

    from . import __version__

    h = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        h.update(f"{label}\0{len(data)}\0".encode())
        h.update(data)

    add("version", __version__.encode())
    add("pydantic", pydantic_version.encode())   # the dump format is pydantic's
    here = Path(__file__).parent
    for name in _LOADER_MODULES:
        add(f"code/{name}", (here / name).read_bytes())
    add("bundled/domain.yaml", (bundled_path() / "domain.yaml").read_bytes())
    for path in _files(root):
        add("rulebook/" + path.relative_to(root).as_posix(), path.read_bytes())
    return h.hexdigest()


def _read(entry: Path, key: str, root: Path) -> Rulebook | None:
    try:
        header_line, _, body = entry.read_bytes().partition(b"\n")
        header = json.loads(header_line)
        if not isinstance(header, dict) or header.get("format") != FORMAT or header.get("key") != key:
            return None
        if hashlib.sha256(body).hexdigest() != header.get("sha256"):
            return None
        book = rulebook_from_canonical(body.decode("utf-8"), str(header["digest"]), str(entry), verified=True)
    except Exception:  # noqa: BLE001  corrupt, truncated, tampered or unreadable: parse the YAML instead
        return None
    return book.model_copy(update={"source": str(root)})


def _write(entry: Path, key: str, book: Rulebook) -> None:
    header = json.dumps({"format": FORMAT, "key": key, "digest": book.digest,
                         "sha256": hashlib.sha256(book.canonical.encode("utf-8")).hexdigest()}, sort_keys=True)
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(header + "\n" + book.canonical)
            os.replace(tmp, entry)   # atomic: a reader sees the old entry, the new one, or none
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        pass   # a read-only or full cache directory only costs the parse next time


def load_rulebook_cached(directory: str | Path | None = None) -> Rulebook:
    """`load_rulebook(directory)`, answered from the cache when the same bytes were loaded before.
    Invalid rulebooks raise InputError exactly as `load_rulebook` does (they are never cached)."""
    root = Path(directory) if directory is not None else bundled_path()
    if not enabled() or not root.is_dir():
        return load_rulebook(directory)
    try:
        key = cache_key(root)
    except OSError:
        return load_rulebook(directory)
    entry = cache_dir() / f"{key}.json"
    book = _read(entry, key, root)
    if book is not None:
        return book
    book = load_rulebook(directory)
    _write(entry, key, book)
    return book
