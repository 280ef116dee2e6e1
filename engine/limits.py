"""Limits on what one input may hold, so that no file can hang a process or exhaust its memory.

Every document (case file, JSON Lines record, roster, rulebook file) is checked against these
before any model sees it: how large the file is, how deep it nests, how many values it holds once
YAML aliases are expanded, how long one string is, how many entries one list has. Only regular
files are read (a FIFO would block forever, /dev/zero would never end). docs/limits.md lists the
defaults and how to raise them (`--limit NAME=VALUE`, or the environment variable DUIDAN_LIMITS).

The limits in force are process-wide (set once by the command line, before reading): batch worker
processes receive cases already read and checked by the parent.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from .errors import InputError, field_path
from .sanitize import clean


# A named tuple, not a frozen dataclass: made at every start, it costs a fifth as much.
class Limits(NamedTuple):
    max_bytes: int = 16 * 2**20            # one case file, roster, rulebook file or JSON Lines record
    max_input_bytes: int = 512 * 2**20     # one JSON Lines or CSV file in a batch
    max_string: int = 100_000              # characters in one string (a description, a name)
    max_items: int = 10_000                # entries in one list (findings, people, units ...)
    max_depth: int = 32                    # nesting of mappings and lists (a case needs 4)
    max_nodes: int = 1_000_000             # values in one document, YAML aliases expanded
    max_chain: int = 64                    # units in one parent chain (a county has 4 or 5)
    max_csv_rows: int = 2_000_000          # rows in one CSV file

    @classmethod
    def names(cls) -> list[str]:
        return list(cls._fields)


_current = Limits()


def current() -> Limits:
    return _current


def configure(limits: Limits) -> None:
    global _current
    _current = limits


_UNITS = {"k": 2**10, "kib": 2**10, "m": 2**20, "mib": 2**20, "g": 2**30, "gib": 2**30}


def parse_limits(specs: list[str] | tuple[str, ...], base: Limits | None = None) -> Limits:
    """`["max_bytes=64MiB", "max_depth=64"]` -> Limits; raises ValueError with a usable message."""
    values: dict[str, int] = {}
    names = Limits.names()
    for spec in specs:
        for part in (p.strip() for p in spec.split(",")):
            if not part:
                continue
            name, sep, raw = part.partition("=")
            name = name.strip().replace("-", "_")
            if not sep or name not in names:
                from .errors import closest

                hint = closest(name, names)
                tip = f"did you mean {hint}?" if hint else "known limits: " + ", ".join(names)
                raise ValueError(f"unknown limit {part!r}; {tip}")
            text = raw.strip().lower().replace("_", "")
            mult = 1
            for suffix in sorted(_UNITS, key=len, reverse=True):
                if text.endswith(suffix):
                    text, mult = text[: -len(suffix)], _UNITS[suffix]
                    break
            if not text.isdigit() or len(text) > 15 or int(text) < 1:
                raise ValueError(f"limit {name}: expected a positive whole number (e.g. {name}=64MiB), got {raw!r}")
            values[name] = int(text) * mult
    return (base or _current)._replace(**values)


def from_environment() -> Limits:
    spec = os.environ.get("DUIDAN_LIMITS", "")
    return parse_limits([spec], Limits()) if spec.strip() else Limits()


def _human(n: int) -> str:
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size and n % size == 0:
            return f"{n // size} {unit}"
    return f"{n:,} bytes"


def read_regular(path: Path, max_bytes: int | None = None) -> bytes:
    """The bytes of a regular file, at most `max_bytes`; anything else is an InputError."""
    return b"".join(iter_regular(path, max_bytes))


def iter_regular(path: Path, max_bytes: int | None = None) -> Iterator[bytes]:
    """read_regular in chunks of at most 1 MiB, for files read as a stream (JSON Lines, digests):
    the same checks, before the first chunk and as it reads."""
    limit = max_bytes if max_bytes is not None else _current.max_bytes
    name = str(path)
    try:
        st = os.stat(path)
    except (UnicodeError, ValueError):   # a name no file system can hold (a lone surrogate, NUL)
        raise InputError.one(name, "(file)", "not a usable file name") from None
    except FileNotFoundError:
        raise InputError.one(name, "(file)", "no such file") from None
    except PermissionError:
        raise InputError.one(name, "(file)", "cannot read: permission denied") from None
    except OSError as e:
        raise InputError.one(name, "(file)", f"cannot read: {e.strerror}") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError.one(name, "(file)", "is a directory, expected a file")
    if not stat.S_ISREG(st.st_mode):
        kind = ("a FIFO (named pipe)" if stat.S_ISFIFO(st.st_mode) else "a device" if
                stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else "a socket" if
                stat.S_ISSOCK(st.st_mode) else "not a regular file")
        raise InputError.one(name, "(file)", f"is {kind}; only regular files are read")
    if st.st_size > limit:
        raise InputError.one(name, "(file)", f"is {_human(st.st_size)}, over the limit of {_human(limit)} "
                                             f"(raise it with --limit {_limit_name(max_bytes)}=SIZE)")
    try:
        # O_NONBLOCK: if the path was swapped for a FIFO after the stat, open must not block
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except PermissionError:
        raise InputError.one(name, "(file)", "cannot read: permission denied") from None
    except OSError as e:
        raise InputError.one(name, "(file)", f"cannot read: {e.strerror}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InputError.one(name, "(file)", "is not a regular file; only regular files are read")
        total = 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            total += len(chunk)
            if total > limit:   # grew since the stat
                raise InputError.one(name, "(file)", f"is over the limit of {_human(limit)}")
            yield chunk
    except InputError:
        raise
    except OSError as e:
        raise InputError.one(name, "(file)", f"cannot read: {e.strerror}") from None
    finally:
        os.close(fd)


def _limit_name(max_bytes: int | None) -> str:
    return "max_bytes" if max_bytes is None or max_bytes == _current.max_bytes else "max_input_bytes"


class _TooMuch(Exception):
    def __init__(self, path: tuple, message: str):
        self.path, self.message = path, message


def check_tree(data: Any, file: str, limits: Limits | None = None) -> None:
    """Depth, size (aliases expanded), string length, list length; text that can be stored.

    The walk stops at the first value past a limit, so an alias bomb costs at most `max_nodes`
    steps. Lone surrogates (possible in JSON escapes) and NUL characters are refused: they cannot
    be written as UTF-8 or kept in PostgreSQL text.
    """
    lim = limits or _current
    if _within(data, lim):
        return
    budget = [lim.max_nodes]
    try:
        _walk(data, (), 0, lim, budget)
    except _TooMuch as e:
        # The path may name the offending key itself (a lone surrogate in a key): escaped, so the
        # message can be printed and stored.
        raise InputError.one(file, clean(field_path(e.path)), e.message) from None


def _within(data: Any, lim: Limits) -> bool:
    """True when `data` is certainly within the limits: the same checks as _walk, in one loop and
    without field paths (a batch read checks every case; _walk cost 0.5 ms per case). False sends
    the caller to _walk, which finds the first problem and names its path: the message is the
    same whichever walk ran. The node budget is required to hold after *every* value is counted,
    which implies _walk's check at each value, in any order."""
    budget, max_string, max_depth, max_items = lim.max_nodes, lim.max_string, lim.max_depth, lim.max_items
    stack = [(data, 0)]
    pop, push = stack.pop, stack.append
    try:
        while stack:
            v, depth = pop()
            budget -= 1
            if isinstance(v, str):
                if len(v) > max_string or "\x00" in v:
                    return False
                v.encode("utf-8")
                budget -= len(v) // 64
            elif isinstance(v, dict):
                if depth >= max_depth or len(v) > max_items:
                    return False
                for k, x in v.items():
                    if not isinstance(k, str):
                        if isinstance(k, (bool, int, float)) or k is None:
                            continue
                        return False
                    if len(k) > max_string or "\x00" in k:
                        return False
                    k.encode("utf-8")
                    push((x, depth + 1))
            elif isinstance(v, list):
                if depth >= max_depth or len(v) > max_items:
                    return False
                for x in v:
                    push((x, depth + 1))
            if budget < 0:
                return False
    except UnicodeEncodeError:
        return False
    return True


def _walk(v: Any, path: tuple, depth: int, lim: Limits, budget: list[int]) -> None:
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooMuch(path, f"more than {lim.max_nodes:,} values once YAML aliases are expanded "
                             f"(limit max_nodes); is an alias repeated many times?")
    if isinstance(v, str):
        _check_string(v, path, lim)
        budget[0] -= len(v) // 64     # long strings count for their size: a 1 MB string aliased 1000 times
        return
    if isinstance(v, (dict, list)):
        if depth >= lim.max_depth:
            raise _TooMuch(path, f"nested more than {lim.max_depth} levels deep (limit max_depth)")
        if len(v) > lim.max_items:
            raise _TooMuch(path, f"{len(v):,} entries, over the limit of {lim.max_items:,} (limit max_items)")
        if isinstance(v, dict):
            for k, x in v.items():
                if not isinstance(k, str):
                    shown = "a list" if isinstance(k, (list, tuple)) else "a mapping" if isinstance(k, dict) \
                        else repr(k)
                    if isinstance(k, (bool, int, float)) or k is None:
                        continue   # validated later, with the field's own message
                    raise _TooMuch(path, f"a key must be text, got {shown}")
                _check_string(k, path + (k,), lim)
                _walk(x, path + (k,), depth + 1, lim, budget)
        else:
            for i, x in enumerate(v):
                _walk(x, path + (i,), depth + 1, lim, budget)


def _check_string(s: str, path: tuple, lim: Limits) -> None:
    if len(s) > lim.max_string:
        raise _TooMuch(path, f"a string of {len(s):,} characters, over the limit of {lim.max_string:,} "
                             f"(limit max_string)")
    if "\x00" in s:
        raise _TooMuch(path, "contains a NUL character (U+0000), which cannot be stored")
    try:
        s.encode("utf-8")
    except UnicodeEncodeError as e:
        raise _TooMuch(path, f"contains a lone surrogate (U+{ord(s[e.start]):04X}) at character {e.start}; "
                             "not valid Unicode text") from None
