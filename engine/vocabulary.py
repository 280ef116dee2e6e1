"""The vocabulary a case file may use, for people: every id with its Chinese name and the Chinese
terms accepted for it (`duidan vocab [KIND]`), and the closest term when one is not known.

Everything is read through :func:`vocabulary`, so that when the vocabulary moves into the rulebook
only this function changes.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from . import vocab as V

_KINDS = {
    "tier": ("TIERS", "tier"), "post": ("POSTS", "post"), "lapse": ("LAPSE_KINDS", "lapse"),
    "violation": ("VIOLATION_KINDS", "violation"), "severity": ("SEVERITIES", "severity"),
    "circumstance": ("CIRCUMSTANCE_KINDS", "circumstance"), "relation": ("RELATIONS", None),
    "track": ("TRACKS", None), "grade": ("GRADES", None), "outcome": ("OUTCOMES", None),
    "form": (None, None), "sanction": ("SANCTIONS", None), "measure": ("MEASURES", None),
}
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def vocabulary(book=None) -> dict[str, list[dict[str, Any]]]:
    """{kind: [{id, name (Chinese), aliases (Chinese terms accepted on input)}]}, plus `fact`
    (the facts the rulebook declares, with their type)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for kind, (values_name, alias_group) in _KINDS.items():
        if values_name is None:
            values = tuple(dict.fromkeys(V.PERSON_FORMS + V.UNIT_FORMS))
        else:
            values = getattr(V, values_name)
        aliases = V.ALIASES.get(alias_group, {}) if alias_group else {}
        out[kind] = [{"id": v, "name": V.LABELS.get(v, ""),
                      "aliases": sorted(zh for zh, en in aliases.items() if en == v)} for v in values]
    facts = book.facts if book is not None else V.COMMON_FACTS
    out["fact"] = [{"id": name, "name": "", "aliases": [],
                    "type": "one of: " + ", ".join(t) if isinstance(t, tuple) else t}
                   for name, t in facts.items()]
    return out


def kind_of(what: str) -> str | None:
    """The vocabulary kind of a field's name in messages ('lapse kind' -> 'lapse')."""
    first = what.split()[0]
    return first if first in _KINDS else None


def suggest(value: Any, kind: str, book=None) -> tuple[str, str] | None:
    """(the closest accepted term, its id) for an unknown value, Chinese or English, or None."""
    if not isinstance(value, str) or not value.strip() or kind not in _KINDS:
        return None
    entries = vocabulary(book)[kind]
    terms: dict[str, str] = {}
    for e in entries:
        terms[e["id"]] = e["id"]
        if e["name"]:
            terms.setdefault(e["name"], e["id"])
        for a in e["aliases"]:
            terms.setdefault(a, e["id"])
    text = value.strip()
    chinese = bool(_CJK.search(text))
    pool = [t for t in terms if bool(_CJK.search(t)) == chinese]
    # Chinese terms are short: one character in three wrong is still a likely typo.
    found = difflib.get_close_matches(text, pool, n=1, cutoff=0.5 if chinese else 0.6)
    if not found and chinese:   # a term contained in the other (乡镇党委 / 乡镇)
        found = [t for t in sorted(pool, key=len, reverse=True) if t in text or text in t][:1]
    if not found:
        return None
    return found[0], terms[found[0]]
