"""`duidan lists import`: a responsibility list as published (a Word or Excel table, or CSV) -> list YAML.

The table is read as rows of cells. Merged cells are expanded (a 层级 cell merged over ten rows
stands in each of them) and an empty 层级/岗位 cell repeats the one above, as published tables
leave them. Columns are recognised by their Chinese headers; `--map COL=FIELD` names others.
Each row becomes one clause: its id is derived from the tier code, the role and the 序号
(`P-TWN-2.3`), so re-importing the same table gives the same ids; its text is kept verbatim.

Importing a new edition of a list the rulebook already holds matches each row with an existing
clause, by id when the wording is still close, otherwise by the most similar wording; changed
wording becomes a revision, a row that matches nothing becomes a clause `since` the edition, and
an existing clause that no row matches is repealed (`until` the edition). Every match by
similarity is reported for the author to confirm.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from ..rulebook import ResponsibilityList, Rulebook
from .vocabulary import ROLE_NUMBERS, lookup, normalize, tier_code

FIELDS = ("tier", "role", "seq", "text", "basis")
HEADERS = {
    "tier": ("层级", "责任主体", "单位层级", "主体", "单位类别", "责任单位"),
    "role": ("岗位", "职务", "责任人", "角色", "责任岗位"),
    "seq": ("序号", "编号", "条目号"),
    "text": ("责任内容", "职责", "具体内容", "责任事项", "职责内容", "内容", "责任清单"),
    "basis": ("依据", "责任依据", "政策依据", "制度依据"),
}
SIMILAR = 0.6        # below this, two wordings are different duties
SAME_BY_ID = 0.45    # a clause keeps its id across editions while its wording stays at least this close
_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


@dataclass
class Row:
    line: int                 # 1-based row number in the table (for messages)
    tier: str
    role: str
    seq: str
    text: str
    basis: str


@dataclass
class ImportReport:
    list: dict                                   # the list document (duidan/list/v1) to write
    clauses: list[tuple[str, str, str, str]]     # (id, tier, role, text)
    actions: list[str] = field(default_factory=list)   # new-edition: revised / new / repealed / unchanged
    confirm: list[str] = field(default_factory=list)   # matches by similarity, for the author to confirm


# ---------------------------------------------------------------- reading tables

def read_table(path: Path) -> list[list[str]]:
    suffix = path.suffix.lower()
    if not path.is_file():
        raise InputError.one(str(path), "(file)", "no such file")
    if suffix == ".xlsx":
        return _read_xlsx(path)
    if suffix == ".docx":
        return _read_docx(path)
    if suffix == ".csv":
        return _read_csv(path)
    raise InputError.one(str(path), "(file)", f"unsupported table format {suffix!r}; expected .xlsx, .docx or .csv")


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def _read_xlsx(path: Path) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, data_only=True)
    except Exception as e:   # openpyxl raises many kinds for a damaged or foreign file
        raise InputError.one(str(path), "(file)", f"not a readable Excel workbook: {e}") from None
    ws = wb.worksheets[0]
    grid = [[_cell(c) for c in row] for row in ws.iter_rows(values_only=True)]
    for rng in ws.merged_cells.ranges:   # a merged cell's value stands in every cell it covers
        top = grid[rng.min_row - 1][rng.min_col - 1]
        for r in range(rng.min_row - 1, rng.max_row):
            for c in range(rng.min_col - 1, rng.max_col):
                grid[r][c] = top
    return grid


def _read_docx(path: Path) -> list[list[str]]:
    import docx

    try:
        doc = docx.Document(str(path))
    except Exception as e:
        raise InputError.one(str(path), "(file)", f"not a readable Word document: {e}") from None
    if not doc.tables:
        raise InputError.one(str(path), "(file)", "the document has no table")
    grid: list[list[str]] = []
    for table in doc.tables:   # a list split over several tables (one per page or per tier) reads as one
        for row in table.rows:
            # python-docx gives a merged cell once per grid column it spans, vertically merged
            # continuation cells as the cell they continue.
            grid.append([c.text.strip() for c in row.cells])
    return grid


def _read_csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):   # Excel in Chinese locales saves CSV as GB18030
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise InputError.one(str(path), "(file)", "neither UTF-8 nor GB18030 text")
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text))]


# ---------------------------------------------------------------- rows

def _header_map(row: list[str], mapping: dict[str, str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, cell in enumerate(row):
        name = normalize(cell)
        if not name:
            continue
        if name in mapping:
            found.setdefault(mapping[name], i)
            continue
        for fld, names in HEADERS.items():
            if name in names or any(name.startswith(n) for n in names):
                found.setdefault(fld, i)
                break
    return found


def rows_of(grid: list[list[str]], file: str, mapping: dict[str, str] | None = None) -> list[Row]:
    mapping = {normalize(k): v for k, v in (mapping or {}).items()}
    for k, v in mapping.items():
        if v not in FIELDS:
            raise InputError.one(file, f"--map {k}={v}", f"unknown field {v!r}; expected one of: {', '.join(FIELDS)}")
    header_at, cols = None, {}
    for i, row in enumerate(grid[:20]):
        cols = _header_map(row, mapping)
        if "text" in cols and ("tier" in cols or "role" in cols):
            header_at = i
            break
    if header_at is None:
        raise InputError.one(file, "(header)", "no header row naming the duty text (责任内容/职责) and the tier "
                             "(层级/责任主体) or post (岗位/职务) in the first 20 rows; name columns with --map COL=FIELD")
    header = grid[header_at]
    rows: list[Row] = []
    last = {"tier": "", "role": ""}
    for n, raw in enumerate(grid[header_at + 1:], start=header_at + 2):
        cells = raw + [""] * (len(header) - len(raw))
        get = {f: (cells[i] if i < len(cells) else "") for f, i in cols.items()}
        if [normalize(c) for c in cells[:len(header)]] == [normalize(c) for c in header]:
            continue   # a header repeated on a later page
        text = get.get("text", "")
        if not text:
            continue
        for f in ("tier", "role"):   # an empty cell repeats the one above (merged or left blank)
            if get.get(f):
                last[f] = get[f]
            get[f] = last[f]
        rows.append(Row(n, get.get("tier", ""), get.get("role", ""), get.get("seq", ""), text, get.get("basis", "")))
    if not rows:
        raise InputError.one(file, "(rows)", "the table has a header but no duty rows")
    return rows


def _seq_number(seq: str) -> int | None:
    s = seq.strip().strip("()（）.、 ")
    if re.fullmatch(r"\d+", s):
        return int(s)
    m = re.fullmatch(r"\d+[.\-](\d+)", s)   # "2.3": the last part numbers the duty
    if m:
        return int(m.group(1))
    if s and all(ch in _CN_DIGITS for ch in s):
        if len(s) == 1:
            return _CN_DIGITS[s]
        if s[0] == "十":
            return 10 + _CN_DIGITS.get(s[1], 0)
        return _CN_DIGITS[s[0]] * 10 + (_CN_DIGITS.get(s[2], 0) if len(s) > 2 else 0)
    return None


# ---------------------------------------------------------------- building the list

def import_list(path: str | Path, *, list_name: str, edition: str, in_force: dt.date | None = None,
                mapping: dict[str, str] | None = None, aliases: dict[str, str] | None = None,
                book: Rulebook | None = None, existing: ResponsibilityList | None = None,
                title: str | None = None) -> ImportReport:
    path = Path(path)
    rows = rows_of(read_table(path), str(path), mapping)
    prefix = "P" if list_name == "primary" else "S"
    problems: list[tuple[str, str]] = []
    sections: dict[str, dict] = {}
    role_titles: dict[tuple[str, str], str] = {}
    used: dict[str, int] = {}
    counters: dict[tuple[str, str], int] = {}
    built: list[tuple[str, str, str, Row]] = []
    for row in rows:
        tier, near_t = lookup("tier", row.tier, book, aliases)
        role, near_r = lookup("role", row.role, book, aliases)
        if tier is None:
            problems.append((f"row {row.line} 层级", f"unknown tier {row.tier!r}" + (f"; closest: {near_t}" if near_t else "")
                             + "; add --alias NAME=TIER"))
        if role is None:
            problems.append((f"row {row.line} 岗位", f"unknown post {row.role!r}" + (f"; closest: {near_r}" if near_r else "")
                             + "; add --alias NAME=team|principal|member"))
        if tier is None or role is None:
            continue
        key = (tier, role)
        counters[key] = counters.get(key, 0) + 1
        num = _seq_number(row.seq) or counters[key]
        cid = f"{prefix}-{tier_code(tier, book.domain if book is not None else None)}-{ROLE_NUMBERS[role]}.{num}"
        if cid in used:
            problems.append((f"row {row.line} 序号", f"clause id {cid} again (also row {used[cid]}); number duties "
                             f"uniquely within a tier and post"))
            continue
        used[cid] = row.line
        sections.setdefault(tier, {"tier": tier, "title": row.tier, "roles": {}})
        role_titles.setdefault(key, row.role)
        basis = [b.strip() for b in re.split(r"[；;\n]", row.basis) if b.strip()]
        if book is not None and book.instruments is not None:
            # A published 依据 ("问责条例(2019) 第7条") becomes a reference into the rulebook's
            # instruments table, so it is cited by date like every other basis.
            resolved = []
            for b in basis:
                try:
                    resolved.append(book.instruments.resolve(b))
                except ValueError as e:
                    problems.append((f"row {row.line} 依据", str(e)))
            basis = list(dict.fromkeys(resolved))
        built.append((cid, tier, role, row, basis))
    if problems:
        raise InputError(str(path), problems)

    for cid, tier, role, row, basis in built:
        clause = {"id": cid, "text": row.text}
        if basis:
            clause["basis"] = basis
        sections[tier]["roles"].setdefault(role, {"role": role, "title": role_titles[(tier, role)], "clauses": []})
        sections[tier]["roles"][role]["clauses"].append(clause)
    tiers = []
    for sec in sections.values():
        roles = [sec["roles"][r] for r in ("team", "principal", "member") if r in sec["roles"]]
        tiers.append({"tier": sec["tier"], "title": sec["title"], "roles": roles})

    clauses = [(cid, tier, role, row.text) for cid, tier, role, row, _ in built]
    if existing is None:
        ed = {"edition": edition, "in_force": in_force or default_in_force(edition, str(path))}
        doc = {"schema": "duidan/list/v1", "list": list_name, "title": title or path.stem,
               "editions": [ed], "tiers": tiers}
        return ImportReport(doc, clauses)
    return _new_edition(existing, tiers, clauses, edition, in_force, str(path))


def default_in_force(edition: str, file: str) -> dt.date:
    """An edition named by its year or month ("2024", "2024-03") comes into force on its first day."""
    m = re.fullmatch(r"(\d{4})(?:-(\d{2}))?", edition)
    if not m:
        raise InputError.one(file, "--in-force", f"give the date edition {edition!r} comes into force")
    return dt.date(int(m.group(1)), int(m.group(2) or 1), 1)


def dump_list(doc: dict, source: str) -> str:
    """The list as YAML, with a header saying where it came from."""
    import yaml

    head = (f"# {doc.get('title', '')} — imported by `duidan lists import` from {source}.\n"
            "# Clause ids: <P|S>-<tier code>-<role>.<序号>, role 1 = team, 2 = principal, 3 = member.\n"
            "# Text is verbatim from the table; add `gloss`, `enforceable: false` + `note` by hand.\n")
    return head + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=4096, default_flow_style=False)


def _current(clause) -> str:
    return clause.revisions[-1].text if clause.revisions else clause.text


def similarity(a: str, b: str) -> float:
    # Character level: Chinese has no spaces between words.
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def _new_edition(existing: ResponsibilityList, tiers: list[dict], clauses, edition: str, in_force: dt.date | None,
                 file: str) -> ImportReport:
    names = [e.edition for e in existing.editions]
    if edition in names:
        raise InputError.one(file, "--edition", f"edition {edition!r} is already in the list; name the new one")
    in_force = in_force or default_in_force(edition, file)
    if in_force <= existing.editions[-1].in_force:
        raise InputError.one(file, "--in-force", f"{in_force} is not after the current edition's "
                             f"{existing.editions[-1].in_force}")
    doc = existing.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    doc["schema"] = "duidan/list/v1"
    doc["editions"].append({"edition": edition, "in_force": in_force.isoformat()})
    old: dict[str, dict] = {}
    where: dict[str, tuple[str, str]] = {}
    for sec in doc["tiers"]:
        for role in sec["roles"]:
            for c in role["clauses"]:
                if c.get("until"):
                    continue   # already repealed: not part of the current edition
                old[c["id"]] = c
                where[c["id"]] = (sec["tier"], role["role"])
    index = {c.id: c for s in existing.tiers for r in s.roles for c in r.clauses}
    current = {cid: _current(index[cid]) for cid in old}
    rep = ImportReport(doc, clauses)
    matched: dict[str, str] = {}    # old id -> new text
    fresh = []
    for cid, tier, role, text in clauses:
        if cid in old and cid not in matched and similarity(text, current[cid]) >= SAME_BY_ID:
            matched[cid] = text
            continue
        best, score = None, 0.0
        for oid in old:
            if oid in matched or where[oid][0] != tier:
                continue
            s = similarity(text, current[oid])
            if s > score:
                best, score = oid, s
        if best is not None and score >= SIMILAR:
            matched[best] = text
            rep.confirm.append(f"{best} ← {cid} (wording {score:.0%} alike): confirm it is the same duty")
        else:
            fresh.append((cid, tier, role, text))
    for oid, c in old.items():
        if oid not in matched:
            c["until"] = edition
            rep.actions.append(f"repealed {oid}")
        elif matched[oid] != current[oid]:
            c.setdefault("revisions", []).append({"edition": edition, "text": matched[oid]})
            rep.actions.append(f"revised  {oid}")
        else:
            rep.actions.append(f"same     {oid}")
    taken = set(index)
    for cid, tier, role, text in fresh:
        new_id = cid
        while new_id in taken:   # the id belongs to another duty: take the next number for this post
            head, num = new_id.rsplit(".", 1)
            new_id = f"{head}.{int(num) + 1}"
        taken.add(new_id)
        sec = next((s for s in doc["tiers"] if s["tier"] == tier), None)
        if sec is None:
            sec = {"tier": tier, "title": next(t["title"] for t in tiers if t["tier"] == tier), "roles": []}
            doc["tiers"].append(sec)
        rl = next((r for r in sec["roles"] if r["role"] == role), None)
        if rl is None:
            rl = {"role": role, "title": role, "clauses": []}
            sec["roles"].append(rl)
        rl["clauses"].append({"id": new_id, "text": text, "since": edition})
        rep.actions.append(f"new      {new_id}")
    rep.actions.sort(key=lambda a: a.split()[-1])
    return rep
