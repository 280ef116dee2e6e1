"""The one place lists import asks "which declared tier (or role) does this Chinese name mean?".

The names come from the rulebook's domain (each tier's id, label and aliases: rules/domain.yaml)
and the titles of its own list sections.
"""

from __future__ import annotations

import difflib
import re

from ..domain import Domain, bundled_domain
from ..rulebook import Rulebook

ROLE_ALIASES = {
    "领导班子": "team", "班子": "team", "党委": "team", "党组": "team", "党委(党组)": "team", "集体": "team",
    "党组织": "team", "委员会": "team", "纪委": "team", "派驻组": "team",
    "主要负责人": "principal", "第一责任人": "principal", "书记": "principal", "党委书记": "principal",
    "党组书记": "principal", "纪委书记": "principal", "组长": "principal", "主任": "principal",
    "班子成员": "member", "其他班子成员": "member", "领导班子成员": "member", "分管领导": "member",
    "委员": "member", "副职": "member", "成员": "member",
}
ROLES = ("team", "principal", "member")

def tier_code(tier: str, dom: Domain | None = None) -> str:
    """A tier's part of clause ids (P-<CODE>-<role>.<n>): its declared `code`, else its id in capitals."""
    decl = (dom or bundled_domain()).tier.get(tier)
    return (decl.code if decl is not None and decl.code else tier.replace("_", "").upper())


ROLE_NUMBERS = {"team": 1, "principal": 2, "member": 3}

_SUFFIXES = ("领导班子成员", "领导班子", "班子成员", "党委(党组)", "党组织", "党委", "党组", "主要负责人")


def normalize(name: str) -> str:
    """Full-width brackets and spaces as a published table may have them -> one canonical form."""
    s = (name or "").strip().replace("（", "(").replace("）", ")").replace("、", "")
    return re.sub(r"\s+", "", s)


def tier_names(book: Rulebook | None) -> dict[str, str]:
    """Every name a tier is known by -> the tier id."""
    dom = book.domain if book is not None else bundled_domain()
    names = {normalize(k): v for k, v in dom.aliases("tier").items()}
    names.update({t: t for t in dom.ids("tier")})
    if book is not None:
        for lst in book.lists.values():
            for section in lst.tiers:
                names.setdefault(normalize(section.title), section.tier)
    return names


def lookup(kind: str, name: str, book: Rulebook | None = None, extra: dict[str, str] | None = None) -> tuple[str | None, str | None]:
    """(the declared id `name` means, or None; the closest known name when there is none)."""
    key = normalize(name)
    extra = {normalize(k): v for k, v in (extra or {}).items()}
    if key in extra:
        return extra[key], None
    names = tier_names(book) if kind == "tier" else {normalize(k): v for k, v in ROLE_ALIASES.items()} | {r: r for r in ROLES}
    if key in names:
        return names[key], None
    if kind == "tier":
        stripped = key
        for suf in _SUFFIXES:
            if stripped.endswith(suf) and len(stripped) > len(suf):
                stripped = stripped[: -len(suf)]
                break
        if stripped in names:
            return names[stripped], None
    else:
        # A role cell is often a phrase: "党委书记（第一责任人）", "其他班子成员（一岗双责）".
        for needle, role in (("成员", "member"), ("副", "member"), ("分管", "member"), ("第一责任人", "principal"),
                             ("主要负责人", "principal"), ("书记", "principal"), ("组长", "principal"),
                             ("主任", "principal"), ("班子", "team"), ("党委", "team"), ("党组", "team"),
                             ("集体", "team")):
            if needle in key:
                return role, None
    # Closest by shared characters: short Chinese names are too short for difflib's usual cutoff.
    scored = sorted((-difflib.SequenceMatcher(None, key, n, autojunk=False).ratio(), n) for n in names)
    if scored and scored[0][0] < 0:
        near = scored[0][1]
        return None, f"{near} ({names[near]})"
    return None, None
