"""Text from case files made safe to show on a terminal.

A title, a name, a description or a file name may hold ESC and OSC sequences (which recolour,
retitle or rewrite a terminal, and some survive a pipe), other control characters, or bidirectional
overrides and zero-width characters (which make text read differently from what it is). Every
text view (the report, the batch tables, error messages) passes user strings through
:func:`clean`; JSON output and the store keep the exact values.

Each such character is shown as a visible escape (`\\x1b`, `\\u202e`), so the reader sees that it
was there; newline and tab are kept in multi-line text (:func:`clean_text`), and shown as escapes
in single-line values (:func:`clean`).
"""

from __future__ import annotations

import re
from functools import cache

# C0 controls, DEL, C1 controls; bidi embeddings/overrides/isolates and marks; zero-width and
# invisible formatting characters; the BOM; line/paragraph separators; interlinear annotations.
# Surrogates: a file name that is not UTF-8 reaches Python as \udcXX, which no terminal encoding
# can print (printing it raised UnicodeEncodeError).
_UNSAFE = ("\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f"
           "\ud800-\udfff\ufeff\ufff9-\ufffb")

# The characters of _UNSAFE that an id may never contain (engine/case.py ID_PATTERN agrees).
UNSAFE_CHARS = _UNSAFE


@cache
def _unsafe(in_line: bool) -> re.Pattern:
    # Compiled when first needed: a class this wide takes a millisecond each, and a JSON evaluate
    # needs neither (error messages aside).
    return re.compile(f"[{_UNSAFE}\t\n]" if in_line else f"[{_UNSAFE}]")


def _escape(m: re.Match) -> str:
    c = m.group()
    n = ord(c)
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}"


def clean(value: object) -> str:
    """One line of text safe for a terminal: every control or invisible character escaped."""
    return _unsafe(True).sub(_escape, str(value))


def clean_text(text: str) -> str:
    """A multi-line text view made safe: newlines and tabs kept, everything else escaped."""
    return _unsafe(False).sub(_escape, text)


def has_unsafe(value: str) -> bool:
    return _unsafe(True).search(value) is not None
