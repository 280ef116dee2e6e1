"""Editions of the lists: start a new one (`rules new-edition`), and see what changed (`lists diff`).

`new_edition` edits the rulebook's files in place through a round-trip YAML writer, so the
author's comments and layout survive: each list gains the edition (in force from the given day),
and rulebook.yaml's `edition` names it. Revisions, new clauses (`since`) and repeals (`until`) are
then written by hand or by `lists import --rulebook`.

`diff_lists` compares the wording in force in two editions clause by clause: added, repealed,
revised (with a character-level diff: Chinese has no spaces to split words on), unchanged.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field
from pathlib import Path

from ..documents import read_document, validate
from ..errors import InputError
from ..rulebook import ResponsibilityList, load_rulebook


def _rt():
    from ruamel.yaml import YAML

    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def new_edition(directory: str | Path, edition: str, in_force: dt.date) -> list[str]:
    """Add `edition` to every list of the rulebook and name it in rulebook.yaml. Returns the files changed."""
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    root = Path(directory)
    book = load_rulebook(root)   # refuse to edit a rulebook that does not load
    for name, lst in book.lists.items():
        if any(e.edition == edition for e in lst.editions):
            raise InputError.one(str(root), f"lists.{name}.editions", f"edition {edition!r} is already there")
        if in_force <= lst.editions[-1].in_force:
            raise InputError.one(str(root), "--in-force", f"{in_force} is not after the {name} list's current edition "
                                 f"{lst.editions[-1].edition} ({lst.editions[-1].in_force})")
    y = _rt()
    changed = []
    for rel in book.meta.lists:
        path = root / rel
        doc = y.load(path.read_text(encoding="utf-8"))
        entry = CommentedMap([("edition", DoubleQuotedScalarString(edition)), ("in_force", in_force)])
        if doc["editions"] and getattr(doc["editions"][-1], "fa", None) is not None and doc["editions"][-1].fa.flow_style():
            entry.fa.set_flow_style()
        doc["editions"].append(entry)
        with path.open("w", encoding="utf-8") as fh:
            y.dump(doc, fh)
        changed.append(str(path))
    meta_path = root / "rulebook.yaml"
    meta = y.load(meta_path.read_text(encoding="utf-8"))
    meta["edition"] = DoubleQuotedScalarString(edition)
    with meta_path.open("w", encoding="utf-8") as fh:
        y.dump(meta, fh)
    changed.append(str(meta_path))
    load_rulebook(root)   # what was written still loads
    return changed


# ---------------------------------------------------------------- diff

@dataclass
class ClauseChange:
    id: str
    tier: str
    role: str
    kind: str                  # added | repealed | revised
    old: str = ""
    new: str = ""
    ops: list[tuple[str, str]] = field(default_factory=list)   # (equal|delete|insert, text)


@dataclass
class ListDiff:
    list: str
    old: str                   # "<source> edition E"
    new: str
    changes: list[ClauseChange]
    unchanged: int

    def count(self, kind: str) -> int:
        return sum(1 for c in self.changes if c.kind == kind)


def wording(lst: ResponsibilityList, edition: str) -> dict[str, tuple[str, str, str]]:
    """clause id -> (tier, role, text) as the list reads in `edition`."""
    order = [e.edition for e in lst.editions]
    if edition not in order:
        raise InputError.one(lst.title, "edition", f"no edition {edition!r} in the {lst.list} list; it has {', '.join(order)}")
    pos = order.index(edition)
    out = {}
    for s in lst.tiers:
        for r in s.roles:
            for c in r.clauses:
                if c.since is not None and order.index(c.since) > pos:
                    continue
                if c.until is not None and order.index(c.until) <= pos:
                    continue
                text = c.text
                for rev in c.revisions:
                    if order.index(rev.edition) <= pos:
                        text = rev.text
                out[c.id] = (s.tier, r.role, text)
    return out


def char_diff(a: str, b: str) -> list[tuple[str, str]]:
    ops = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            ops.append(("equal", a[i1:i2]))
        else:
            if i2 > i1:
                ops.append(("delete", a[i1:i2]))
            if j2 > j1:
                ops.append(("insert", b[j1:j2]))
    return ops


def diff_wording(list_name: str, old_label: str, old: dict, new_label: str, new: dict) -> ListDiff:
    changes = []
    unchanged = 0
    for cid in sorted(set(old) | set(new), key=_id_key):
        if cid not in old:
            t, r, text = new[cid]
            changes.append(ClauseChange(cid, t, r, "added", new=text))
        elif cid not in new:
            t, r, text = old[cid]
            changes.append(ClauseChange(cid, t, r, "repealed", old=text))
        elif old[cid][2] != new[cid][2]:
            t, r, _ = new[cid]
            changes.append(ClauseChange(cid, t, r, "revised", old[cid][2], new[cid][2], char_diff(old[cid][2], new[cid][2])))
        else:
            unchanged += 1
    return ListDiff(list_name, old_label, new_label, changes, unchanged)


def _id_key(cid: str):
    head, _, num = cid.rpartition("-")
    return (head, [int(x) if x.isdigit() else 0 for x in num.split(".")])


def _lists_at(path: Path) -> dict[str, ResponsibilityList]:
    if path.is_dir():
        return dict(load_rulebook(path).lists)
    lst = validate(ResponsibilityList, read_document(path), str(path))
    return {lst.list: lst}


def diff(a: str | Path, b: str | Path | None = None, *, old_edition: str | None = None,
         new_edition: str | None = None) -> list[ListDiff]:
    """Two list files or rulebook directories (each at its newest edition, or the ones named), or
    two editions of one (default: the previous and the newest)."""
    pa = Path(a)
    la = _lists_at(pa)
    lb = _lists_at(Path(b)) if b is not None else la
    out = []
    for name in ("primary", "supervisory"):
        if name not in la or name not in lb:
            continue
        x, y = la[name], lb[name]
        if b is None:
            if len(x.editions) < 2 and old_edition is None:
                raise InputError.one(str(pa), f"lists.{name}.editions", "one edition only: nothing to compare it with")
            eo = old_edition or x.editions[-2].edition
            en = new_edition or x.editions[-1].edition
        else:
            eo = old_edition or x.editions[-1].edition
            en = new_edition or y.editions[-1].edition
        sa, sb = str(a), str(b if b is not None else a)
        out.append(diff_wording(name, f"{sa} {eo}", wording(x, eo), f"{sb} {en}", wording(y, en)))
    if not out:
        raise InputError.one(str(a), "(lists)", f"no list in common with {b}")
    return out
