"""The vocabulary a case file may use, for people: every id with its Chinese name and the Chinese
terms accepted for it (`duidan vocab [KIND]`), and the closest term when one is not known.

Everything is read through :func:`vocabulary`, over the rulebook's domain (rules/domain.yaml).
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from .domain import GRADES, OUTCOMES, TRACKS, Domain, bundled_domain

# Kind names as users type them (`duidan vocab lapse`) -> the domain's term kinds.
_KINDS = {
    "tier": "tier", "post": "post", "lapse": "lapse kind", "violation": "violation kind",
    "severity": "severity", "circumstance": "circumstance kind", "relation": "relation",
    "track": None, "grade": None, "outcome": None, "form": "form", "sanction": "sanction", "measure": "measure",
}
_FIXED = {"track": TRACKS, "grade": GRADES, "outcome": OUTCOMES}
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def vocabulary(book=None) -> dict[str, list[dict[str, Any]]]:
    """{kind: [{id, name (Chinese), aliases (Chinese terms accepted on input)}]}, plus `fact`
    (the facts the rulebook declares, with their type). Read from the rulebook's domain
    (rules/domain.yaml), or the bundled one."""
    dom: Domain = book.domain if book is not None else bundled_domain()
    return _vocabulary(dom, book.label if book is not None else dom.label)


def _vocabulary(dom: Domain, label) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for kind, term_kind in _KINDS.items():
        values = _FIXED[kind] if term_kind is None else dom.ids(term_kind)
        aliases = dom.aliases(term_kind) if term_kind is not None else {}
        out[kind] = [{"id": v, "name": label(v) if label(v) != v else "",
                      "aliases": sorted(a for a, i in aliases.items() if i == v and a != label(v))}
                     for v in values]
    out["fact"] = [{"id": f.id, "name": f.label, "aliases": [],
                    "type": "one of: " + ", ".join(f.values) if f.type == "text" else f.type}
                   for f in dom.facts]
    return out


def kind_of(what: str) -> str | None:
    """The vocabulary kind of a field's name in messages ('lapse kind' -> 'lapse')."""
    first = what.split()[0]
    return first if first in _KINDS else None


def suggest_in(dom: Domain, value: Any, term_kind: str) -> tuple[str, str] | None:
    """The closest term (Chinese or English) of a domain's `term_kind`, for Domain.term's message."""
    kind = next((k for k, t in _KINDS.items() if t == term_kind), None)
    if kind is None:
        return None
    return _suggest(value, kind, _vocabulary(dom, dom.label)[kind])


def suggest(value: Any, kind: str, book=None) -> tuple[str, str] | None:
    """(the closest accepted term, its id) for an unknown value, Chinese or English, or None."""
    if not isinstance(value, str) or not value.strip() or kind not in _KINDS:
        return None
    return _suggest(value, kind, vocabulary(book)[kind])


def _suggest(value: Any, kind: str, entries: list[dict[str, Any]]) -> tuple[str, str] | None:
    if not isinstance(value, str) or not value.strip():
        return None
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
