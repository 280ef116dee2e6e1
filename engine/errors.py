"""Errors a user can act on: which file, which field, what is wrong, and the closest valid value.

Every input problem is raised as :class:`InputError` (exit code 1 at the CLI). Engine faults that
are not the user's doing are :class:`EngineFault`; they name the case so it can be re-run.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def closest(value: object, valid: Iterable[str]) -> str | None:
    """The valid value a typo most likely meant, or None when nothing is close."""
    # Imported here: a valid case never needs it, and every start would pay for it.
    import difflib

    if not isinstance(value, str):
        return None
    matches = difflib.get_close_matches(value, list(valid), n=1, cutoff=0.6)
    return matches[0] if matches else None


def field_path(loc: Sequence[object]) -> str:
    """`('findings', 2, 'kind')` -> `findings[2].kind`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


class InputError(Exception):
    """Bad input: a case file, a rulebook, a CSV. Carries everything the message needs."""

    def __init__(self, file: str, problems: list[tuple[str, str]]):
        self.file = file
        self.problems = problems  # [(field path, message)]
        super().__init__(self.message)

    @property
    def message(self) -> str:
        shown = "; ".join(f"{path}: {msg}" for path, msg in self.problems[:5])
        more = f" (and {len(self.problems) - 5} more)" if len(self.problems) > 5 else ""
        return f"{self.file}: {shown}{more}"

    @classmethod
    def one(cls, file: str, path: str, msg: str) -> InputError:
        return cls(file, [(path, msg)])


def unknown(what: str, value: object, valid: Iterable[str]) -> str:
    valid = list(valid)
    hint = closest(value, valid)
    if hint:
        return f"unknown {what} {value!r}; did you mean {hint!r}?"
    # Whole values only: a list is never cut in the middle of a word.
    shown = ", ".join(valid[:40]) + (f", … ({len(valid) - 40} more)" if len(valid) > 40 else "")
    return f"unknown {what} {value!r}; expected one of: {shown}"


def shorten(text: str, limit: int = 300) -> str:
    """`text` cut to about `limit` characters at a word boundary, never inside a word."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = max(cut.rfind(" "), cut.rfind(","), cut.rfind(";"))
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;") + " …"


class EngineFault(RuntimeError):
    """The rules engine misbehaved on a valid case (never the user's input)."""
