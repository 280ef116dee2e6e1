"""Reading batch inputs: case files, directories of them, JSON Lines, and CSV findings with a roster.

Every input record becomes a :class:`Record`: a case (its canonical JSON and case id) or a reject
(the reason, naming the file, the line and the field). Reading is a pure function of the inputs'
contents: files are taken in the order of their content digests and records in file order, so any
process on any machine, given the same files under any names, reads the same records in the same
order. That is what lets several processes share one run.

CSV (one finding per row, grouped into cases by case id; see README.md, "CSV findings and the roster", for the columns): cells
are text, so each column is converted to its type here (empty = absent); enum values, Chinese
aliases included, are left to the case validators. A unit or person may be given by id or by its
unique name in the roster. A case whose rows have a problem is rejected as a whole, naming the
row's line and column: evaluating the rest of its rows would decide a different case.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from .case import Finding, Person, Unit, fact_value_problem, parse_case
from .documents import canonical_json, parse_text, read_document, sha256, validate
from .domain import bundled_domain
from .errors import InputError, closest, unknown
from .limits import current as current_limits
from .limits import iter_regular, read_regular
from .spellings import convert
from .spellings import loose_date as _date

SUFFIXES = {".yaml": "document", ".yml": "document", ".json": "document", ".jsonl": "jsonl", ".csv": "csv"}


class UsageProblem(Exception):
    """The inputs cannot be read as asked (e.g. CSV without a roster): a usage error, exit 2."""


@dataclass(frozen=True)
class Source:
    path: Path
    digest: str          # of the file's bytes
    kind: str            # document | jsonl | csv
    data: bytes | None   # the bytes, for a source made in memory; None: read from `path` when needed
    problem: str | None = None   # why it cannot be read (the whole message, naming the file)

    def chunks(self) -> Iterator[bytes]:
        """The file's bytes as read now, in chunks; an InputError, naming the file, if they are no
        longer the bytes the run was keyed on (the file changed during the batch)."""
        if self.data is not None:
            yield self.data
            return
        h = hashlib.sha256()
        for chunk in iter_regular(self.path, _limit(self.kind)):
            h.update(chunk)
            yield chunk
        if "sha256:" + h.hexdigest() != self.digest:
            raise InputError.one(str(self.path), "(file)", "changed while the batch was reading it (its content "
                                 "is no longer what the run is keyed on); run the batch again")

    def read(self) -> bytes:
        return b"".join(self.chunks())


@dataclass(frozen=True)
class Record:
    source: str
    source_digest: str
    line: int            # 0: the whole file
    case_id: str | None
    body: str | None     # canonical JSON of the case; None for a reject
    reason: str | None   # why it is rejected

    @property
    def label(self) -> str:
        return f"{self.source}:{self.line}" if self.line else self.source


def file_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def expand(inputs: list[Path], exclude: Path | None = None) -> list[Source]:
    """Files named, and the input files in directories named (not in their subdirectories, which
    may hold other things, e.g. expected outcomes; hidden files skipped); one per content."""
    paths: list[Path] = []
    problems: list[tuple[Path, str]] = []
    for p in inputs:
        if p.is_dir():
            try:
                # Special files (FIFOs, sockets, devices) in a directory are not inputs: skip them
                # like other files without an input suffix. A named one is refused (read_regular).
                paths += sorted(f for f in p.iterdir() if f.suffix.lower() in SUFFIXES
                                and not f.name.startswith(".") and f.is_file())
            except OSError as e:
                problems.append((p, f"{p}: (directory): cannot list: {e.strerror}"))
        else:
            paths.append(p)
    skip = exclude.resolve() if exclude is not None else None
    by_digest: dict[str, Source] = {}
    for p, problem in problems:
        digest = file_digest(f"unreadable:{p}:{problem}".encode())
        by_digest.setdefault(digest, Source(p, digest, "document", None, problem))
    for p in paths:
        if skip is not None and p.resolve() == skip:
            continue   # the roster sitting among the CSV files is not a case
        kind = SUFFIXES.get(p.suffix.lower(), "document")
        try:
            # Only the digest is kept: the bytes are read again, as a stream, when the records are
            # (memory does not grow with the inputs).
            h = hashlib.sha256()
            for chunk in iter_regular(p, _limit(kind)):
                h.update(chunk)
            digest, problem = "sha256:" + h.hexdigest(), None
        except InputError as e:
            problem = e.message
            digest = file_digest(f"unreadable:{p}:{problem}".encode())
        by_digest.setdefault(digest, Source(p, digest, kind, None, problem))
    return [by_digest[d] for d in sorted(by_digest)]


def _limit(kind: str) -> int:
    """A case file is one document (max_bytes); a JSON Lines or CSV file holds many (max_input_bytes)."""
    lim = current_limits()
    return lim.max_bytes if kind == "document" else lim.max_input_bytes


def check_usage(sources: list[Source], roster: Path | None) -> None:
    if any(s.kind == "csv" for s in sources) and roster is None:
        raise UsageProblem("CSV input needs --roster FILE (the units and people the findings refer to)")


def read_all(sources: list[Source], roster: Path | None, facts: dict[str, Any]) -> list[Record]:
    """All records, in canonical order, with case ids made unique (see :func:`deduplicate`)."""
    return deduplicate(list(read_records(sources, roster, facts)))


def read_records(sources: list[Source], roster: Path | None, facts: dict[str, Any]) -> Iterator[Record]:
    """The records of every source, in canonical order, as a stream (not yet deduplicated: the
    batch settles repeated case ids in the store, Store.settle_duplicates). A file gone or changed
    since `expand` hashed it is a reject; a JSON Lines file found changed after some of its records
    were given raises InputError (see _json_lines)."""
    people_units = load_roster(roster) if roster is not None else None
    for src in sources:
        if src.problem is not None:
            yield _reject(src, 0, None, src.problem)
        elif src.kind == "document":
            yield _document(src)
        elif src.kind == "jsonl":
            yield from _json_lines(src)
        else:
            yield from _csv(src, people_units, facts)


def deduplicate(records: list[Record]) -> list[Record]:
    """A case id names one case in a run. Identical copies: the first is read, the others are
    rejected as duplicates; different cases under one id: all are rejected, since nothing says
    which is right (and so the outcome does not depend on the order of the inputs)."""
    by_id: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(records):
        if r.body is not None:
            by_id[r.case_id].append(i)
    out = list(records)
    for case_id, idx in by_id.items():
        if len(idx) < 2:
            continue
        first = records[idx[0]]
        if len({records[i].body for i in idx}) == 1:
            for i in idx[1:]:
                r = records[i]
                out[i] = _replace_reason(r, f"{r.label}: case {case_id!r} is a copy of {first.label}; read once")
        else:
            where = ", ".join(records[i].label for i in idx)
            for i in idx:
                r = records[i]
                out[i] = _replace_reason(r, f"{r.label}: case id {case_id!r} is used by different cases "
                                            f"({where}); a case id must be unique")
    return out


def _replace_reason(r: Record, reason: str) -> Record:
    return Record(r.source, r.source_digest, r.line, r.case_id, None, reason)


def _reject(src: Source, line: int, case_id: str | None, reason: str) -> Record:
    return Record(str(src.path), src.digest, line, case_id, None, reason)


def _case_record(src: Source, line: int, data: Any, label: str) -> Record:
    try:
        body = canonical_json(data)
    except (TypeError, ValueError) as e:
        return _reject(src, line, None, f"{label}: unsupported value in the document ({e})")
    header = data.get("case") if isinstance(data, dict) else None
    case_id = header.get("id") if isinstance(header, dict) else None
    if not isinstance(case_id, str) or not case_id.strip():
        try:
            parse_case(data, label)   # for the full message; a case without an id is invalid
            reason = f"{label}: case.id: required field is missing"
        except InputError as e:
            reason = e.message
        return _reject(src, line, None, reason)
    return Record(str(src.path), src.digest, line, case_id, body, None)


def _document(src: Source) -> Record:
    label = str(src.path)
    try:
        text = src.read().decode("utf-8-sig")
        data = parse_text(text, label, json_only=src.path.suffix.lower() == ".json")
    except UnicodeDecodeError as e:
        return _reject(src, 0, None, f"{label}: byte {e.start}: not UTF-8 text")
    except InputError as e:
        return _reject(src, 0, None, e.message)
    return _case_record(src, 0, data, label)


def _lines(chunks: Iterator[bytes]) -> Iterator[bytes]:
    rest = b""
    for chunk in chunks:
        parts = (rest + chunk).split(b"\n")
        rest = parts.pop()
        yield from parts
    yield rest


def _json_lines(src: Source) -> Iterator[Record]:
    """The file's records as it is read. A file that cannot be read any more is one reject; one
    that changed while its records were being stored stops the batch (Source.chunks): its
    records no longer match the digest the run is keyed on, and which of them are wrong is unknown."""
    started = False
    try:
        for record in _json_lines_of(src):
            started = True
            yield record
    except InputError as e:
        if started:
            raise
        yield _reject(src, 0, None, e.message)


def _json_lines_of(src: Source) -> Iterator[Record]:
    for n, raw in enumerate(_lines(src.chunks()), 1):
        if not raw.strip():
            continue
        label = f"{src.path}:{n}"
        try:
            text = raw.decode("utf-8-sig" if n == 1 else "utf-8")
        except UnicodeDecodeError as e:
            yield _reject(src, n, None, f"{label}: byte {e.start}: not UTF-8 text")
            continue
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            yield _reject(src, n, None, f"{label}: column {e.colno}: invalid JSON: {e.msg}")
            continue
        except (ValueError, RecursionError):
            pass   # too deep, a huge integer: parse_text below says which
        try:   # duplicate keys, limits, lone surrogates: as in a case file
            data = parse_text(text, label, json_only=True)
        except InputError as e:
            yield _reject(src, n, None, e.message)
            continue
        yield _case_record(src, n, data, label)


# ---------------------------------------------------------------- roster

@dataclass(frozen=True)
class Roster:
    units: list[dict]
    people: list[dict]
    unit_ids: dict[str, str]     # id or unique name -> id
    person_ids: dict[str, str]
    ambiguous: dict[str, list[str]]   # a name several entries share -> their ids

    @cached_property
    def latest(self) -> str:
        """The latest tenure date in the roster (ISO), or 1970-01-01."""
        dates = [d for p in self.people for d in (p.get("from"), p.get("to")) if isinstance(d, str)]
        return max(dates, default="1970-01-01")

    @cached_property
    def _index(self):
        by_id = {u["id"]: u for u in self.units}
        unit_order = {u["id"]: i for i, u in enumerate(self.units)}
        people = {p["id"]: (i, p) for i, p in enumerate(self.people)}
        staff: dict[str, list[int]] = defaultdict(list)
        under: dict[str, list[str]] = defaultdict(list)
        for i, p in enumerate(self.people):
            staff[p["unit"]].append(i)
        discipline = set(bundled_domain().tiers_of("supervisory"))
        for u in self.units:
            if u.get("parent") and u.get("tier") in discipline:
                under[u["parent"]].append(u["id"])
        return by_id, unit_order, people, staff, under

    def part_for(self, findings: list[dict]) -> tuple[list[dict], list[dict]]:
        """The units and people a case's findings can reach (engine/resolve.py): each finding's
        unit, its parent, its supervisor and the discipline bodies under it (for a village, those
        of its township too), the units of the persons named; closed upwards under parent and
        supervisor so every reference resolves; and everyone in post in those units. A case
        carries this part, not the whole roster: a roster of thousands copied into each of a
        million rows' cases made a run that never finished. Order: the roster's."""
        by_id, unit_order, people, staff, under = self._index
        keep: set[str] = set()
        for f in findings:
            here = by_id.get(f.get("unit"))
            if here is None:
                continue
            for u in (here, by_id.get(here.get("parent"))):
                if u is not None:
                    keep.add(u["id"])
                    keep.update(under.get(u["id"], ()))
                    if u.get("supervisor"):
                        keep.add(u["supervisor"])
            for pid in f.get("persons", ()):
                if pid in people:
                    keep.add(people[pid][1]["unit"])
        todo = list(keep)
        while todo:
            u = by_id.get(todo.pop())
            for ref in (u.get("parent"), u.get("supervisor")) if u else ():
                if ref in by_id and ref not in keep:
                    keep.add(ref)
                    todo.append(ref)
        rows = {i for uid in keep for i in staff.get(uid, ())}
        rows |= {people[pid][0] for f in findings for pid in f.get("persons", ()) if pid in people}
        units = sorted((uid for uid in keep if uid in by_id), key=unit_order.__getitem__)
        return [by_id[u] for u in units], [self.people[i] for i in sorted(rows)]


def load_roster(path: Path) -> Roster | InputError:
    """The roster's units and people (validated as in a case file), or the problem with it."""
    try:
        data = read_document(path)
        if not isinstance(data, dict):
            raise InputError.one(str(path), "(top level)", "expected a mapping with units: and people:")
        unknown = sorted(set(data) - {"units", "people"})
        if unknown:
            raise InputError.one(str(path), unknown[0], f"unknown key {unknown[0]!r}; a roster has units: and people:")
        units = data.get("units") or []
        people = data.get("people") or []
        if not isinstance(units, list) or not units:
            raise InputError.one(str(path), "units", "a roster needs a list of at least one unit")
        if not isinstance(people, list):
            raise InputError.one(str(path), "people", "expected a list")
        for i, u in enumerate(units):
            validate(Unit, u, str(path), ("units", i))
        for i, p in enumerate(people):
            validate(Person, p, str(path), ("people", i))
        plain = json.loads(canonical_json({"units": units, "people": people}))   # dates as ISO text
    except InputError as e:
        return e
    ambiguous: dict[str, list[str]] = {}
    return Roster(plain["units"], plain["people"], _names(plain["units"], ambiguous),
                  _names(plain["people"], ambiguous), ambiguous)


def _names(entries: list[dict], ambiguous: dict[str, list[str]]) -> dict[str, str]:
    by_name: dict[str, list[str]] = defaultdict(list)
    for e in entries:
        if e.get("name"):
            by_name[e["name"]].append(e["id"])
    out = {name: ids[0] for name, ids in by_name.items() if len(ids) == 1}
    ambiguous.update({name: ids for name, ids in by_name.items() if len(ids) > 1})
    out.update({e["id"]: e["id"] for e in entries})   # an id always means itself
    return out


# ---------------------------------------------------------------- CSV

# canonical column -> accepted headers (English, Chinese). Facts are typed from the rulebook.
COLUMNS: dict[str, tuple[str, ...]] = {
    "case_id": ("案件编号",), "title": ("案件名称",), "reviewed_on": ("审查日期",),
    "finding_id": ("问题编号",), "kind": ("问题类型",), "unit": ("单位", "责任单位"),
    "date": ("发生日期",), "from": ("起始日期",), "area": ("领域", "分管领域"),
    "persons": ("责任人",), "description": ("问题描述",),
    "amount": ("金额",), "count": ("笔数",), "days_overdue": ("超期天数",), "years": ("年限",),
    "people": ("涉及人数",), "repeated": ("是否重复",), "copied_from": ("照搬来源",),
    "similarity": ("相似度",), "consequence": ("后果",), "reported": ("是否报告",),
    "falsified": ("是否造假",),
}
REQUIRED = ("case_id", "kind", "unit", "date")
CASE_LEVEL = ("title", "reviewed_on")
NOT_FACTS = {"case_id", *CASE_LEVEL, "finding_id", "kind", "unit", "date", "from", "area", "persons", "description"}
_SPLIT = re.compile(r"[;；、,，]")
_UNIT_SUFFIX = re.compile(r"\s*[(（][^)）]*[)）]\s*$")     # "金额（元）" -> "金额"


def header_index(facts: dict[str, Any]) -> dict[str, str]:
    """Every accepted header -> its canonical column; declared rulebook facts by their name."""
    index = {}
    for name, aliases in COLUMNS.items():
        index[name] = name
        for a in aliases:
            index[a] = name
    for name in facts:
        index.setdefault(name, name)
    return index


def _csv(src: Source, roster: Roster | InputError, facts: dict[str, Any]) -> list[Record]:
    try:
        data = src.read()   # a case's rows may be anywhere in the file: read whole (max_input_bytes)
    except InputError as e:   # gone, changed or swapped for something else since it was listed
        return [_reject(src, 0, None, e.message)]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:   # spreadsheets saved on Chinese Windows are GB18030 unless told otherwise
            text = data.decode("gb18030")
        except UnicodeDecodeError as e:
            return [_reject(src, 0, None, f"{src.path}: byte {e.start}: neither UTF-8 nor GB18030 text")]
    if isinstance(roster, InputError):
        return [_reject(src, 0, None, f"{src.path}: the roster is invalid: {roster.message}")]
    # strict: a quote left open stops the file with a message instead of silently swallowing the
    # rows after it into one cell.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    max_rows = current_limits().max_csv_rows
    try:
        header = next(reader, None)
        if header is None:
            return []
        columns = _columns(header, src, facts)
        headers = {canon: shown for canon, shown in columns if canon}
        groups: dict[str, list[Row]] = {}
        out: list[Record] = []
        line = reader.line_num
        for n, cells in enumerate(reader, 1):
            first = line + 1   # a quoted cell may span lines: a row starts after the previous one
            line = reader.line_num
            if n > max_rows:
                return [_reject(src, first, None, f"{src.path}:{first}: more than {max_rows:,} rows "
                                                  "(limit max_csv_rows); split the file")]
            if not any(c.strip() for c in cells):
                continue
            row = {columns[i][0]: c.strip() for i, c in enumerate(cells) if i < len(columns) and columns[i][0]}
            if not row.get("case_id"):
                out.append(_reject(src, first, None, f"{src.path}:{first}: {headers['case_id']}: "
                                                     "required field is missing"))
                continue
            overflow = len(cells) > len(columns) and any(c.strip() for c in cells[len(columns):])
            problem = f"{len(cells)} cells but {len(columns)} columns" if overflow else None
            groups.setdefault(row["case_id"], []).append(Row(first, row, problem))
    except csv.Error as e:
        return [_reject(src, reader.line_num, None, f"{src.path}:{reader.line_num}: invalid CSV: {e}")]
    except InputError as e:
        return [_reject(src, 1, None, e.message)]
    for case_id, rows in groups.items():
        out.append(_csv_case(src, case_id, rows, roster, facts, headers))
    return out


def _columns(header: list[str], src: Source, facts: dict[str, Any]) -> list[tuple[str | None, str]]:
    """(canonical name or None for an ignored column, header as written) for each column."""
    index = header_index(facts)
    out: list[tuple[str | None, str]] = []
    seen: dict[str, str] = {}
    for i, raw in enumerate(header):
        shown = raw.strip()
        if not shown or shown.startswith("#"):
            out.append((None, shown))
            continue
        key = _UNIT_SUFFIX.sub("", shown)
        canon = index.get(key) or index.get(key.lower())
        if canon is None:
            hint = closest(key, list(index))
            tip = f"did you mean {hint!r}?" if hint else "prefix a column with # to ignore it"
            raise InputError.one(str(src.path), f"line 1, column {i + 1}", f"unknown column {shown!r}; {tip}")
        if canon in seen:
            raise InputError.one(str(src.path), f"line 1, column {i + 1}",
                                 f"column {shown!r} repeats {seen[canon]!r}")
        seen[canon] = shown
        out.append((canon, shown))
    missing = [c for c in REQUIRED if c not in seen]
    if missing:
        raise InputError.one(str(src.path), "line 1", "missing column(s) " + ", ".join(
            f"{c} ({COLUMNS[c][0]})" for c in missing))
    return out


@dataclass(frozen=True)
class Row:
    line: int
    cells: dict[str, str]          # canonical column -> text
    problem: str | None            # a problem of the row as a whole


def _csv_case(src: Source, case_id: str, rows: list[Row], roster: Roster, facts: dict[str, Any],
              headers: dict[str, str]) -> Record:
    first = rows[0].line
    label = str(src.path)   # each problem names its own line: a case may span many rows
    problems: list[tuple[str, str]] = [(f"line {r.line}", r.problem) for r in rows if r.problem]
    header: dict[str, Any] = {"id": case_id}
    for col in CASE_LEVEL:
        values = sorted({r.cells[col] for r in rows if r.cells.get(col)})
        if len(values) > 1:
            problems.append((headers[col], f"rows of case {case_id!r} disagree: {', '.join(values)}"))
        elif values:
            header[col] = _date(values[0]) if col == "reviewed_on" else values[0]
    findings = []
    seen: dict[str, int] = {}
    for k, r in enumerate(rows, 1):
        line = r.line
        finding, row_problems = _finding(r.cells, k, roster, facts)
        if finding["id"] in seen:
            row_problems.append(("finding_id", f"finding id {finding['id']!r} repeats line {seen[finding['id']]}"))
        seen.setdefault(finding["id"], line)
        problems += [(f"line {line}, {headers.get(col, col)}", msg) for col, msg in row_problems]
        findings.append(finding)
    if problems:
        return _reject(src, first, case_id, InputError(label, problems).message)
    if "reviewed_on" not in header:
        # A case's review date defaults to its latest date, roster tenures included: fix it from
        # the whole roster before the roster is cut down to this case's part.
        header["reviewed_on"] = max([roster.latest] + [f[k] for f in findings for k in ("date", "from") if k in f])
    units, people = roster.part_for(findings)
    data = {"schema": "duidan/case/v1", "case": header, "units": units, "people": people,
            "findings": findings}
    # The rows are checked; the whole case is validated again when it is evaluated (in a worker).
    return _case_record(src, first, data, label)


def _finding(row: dict[str, str], k: int, roster: Roster, facts: dict[str, Any]):
    """A row as a finding, and its problems as (column, message)."""
    problems: list[tuple[str, str]] = []
    f: dict[str, Any] = {"id": row.get("finding_id") or f"F{k}"}
    for col in ("kind", "area", "description"):
        if row.get(col):
            f[col] = row[col]
    for col in ("date", "from"):
        if row.get(col):
            f[col] = _date(row[col])
    if row.get("unit"):
        f["unit"] = _ref(row["unit"], roster.unit_ids, roster.ambiguous, "unit", problems)
    if row.get("persons"):
        f["persons"] = [_ref(p.strip(), roster.person_ids, roster.ambiguous, "persons", problems)
                        for p in _SPLIT.split(row["persons"]) if p.strip()]
    typed = {}
    for name, text in row.items():
        if name in NOT_FACTS or not text:
            continue
        value, problem = convert(text, facts[name].type if name in facts else "text")
        problem = problem or fact_value_problem(name, value, facts)
        if problem:
            problems.append((name, problem))
        else:
            typed[name] = value
    if typed:
        f["facts"] = typed
    missing = [col for col in ("kind", "unit", "date") if not row.get(col)]
    problems += [(col, "required field is missing") for col in missing]
    if not missing:
        try:
            model = validate(Finding, f, "")
            if model.from_ and model.from_ > model.date:
                problems.append(("from", f"the period starts ({model.from_}) after it ends ({model.date})"))
        except InputError as e:
            problems += [(_column(path), msg) for path, msg in e.problems]
    return f, problems


def _column(path: str) -> str:
    """A finding's field path as the CSV column it came from: facts.amount -> amount."""
    name = path.split("[")[0].removeprefix("facts.")
    return "finding_id" if name == "id" else name


def _ref(value: str, ids: dict[str, str], ambiguous: dict[str, list[str]], col: str, problems) -> str:
    if value in ids:
        return ids[value]
    if value in ambiguous:
        problems.append((col, f"{value!r} is the name of {', '.join(ambiguous[value])}; use the id"))
    else:
        what = "unit" if col == "unit" else "person"
        problems.append((col, unknown(f"{what} (id or name in the roster)", value, sorted(ids))))
    return value


def roster_sources(roster: Path | None) -> list[dict]:
    if roster is None:
        return []
    try:
        digest = file_digest(read_regular(roster))
    except InputError as e:   # the CSV cases are rejected with this message (load_roster)
        digest = file_digest(f"unreadable:{roster}:{e.message}".encode())
    return [{"path": str(roster), "digest": digest, "role": "roster"}]


def run_key(rulebook_digest: str, sources: list[Source], roster: list[dict], strict: bool = False) -> str:
    """What identifies a run: the rulebook and the contents (not the names) of its inputs, and
    --strict (which changes outcomes; absent from the key when off, so existing keys hold)."""
    key = {"format": "duidan/batch/v1", "rulebook": rulebook_digest,
           "inputs": sorted(s.digest for s in sources), "roster": [r["digest"] for r in roster]}
    if strict:
        key["strict"] = True
    return sha256(canonical_json(key))
