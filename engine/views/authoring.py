"""Text views for the rule authors' tools: scenario results, coverage, list imports and diffs."""

from __future__ import annotations

import html
import unicodedata

from ..authoring.coverage import Coverage
from ..authoring.scenarios import Failure, TestRun

FIELDS = ("subject", "track", "outcome", "form", "sanction", "grade", "measures", "clauses", "missing")


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _pad(s: str, n: int) -> str:
    return s + " " * max(0, n - _width(s))


def _show(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, list):
        return ", ".join(map(str, v)) or "[]"
    return str(v)


def _side_by_side(f: Failure) -> list[str]:
    keys = [k for k in FIELDS if k in f.expected or (f.actual and k in ("subject", "track"))]
    left = {k: _show(f.expected.get(k)) for k in keys}
    right = {k: (_show(f.actual.get(k)) if f.actual else "—") for k in keys}
    head = "not expected" if f.negative else "expected"
    lw = max([_width(head)] + [_width(v) for v in left.values()]) + 2
    lines = [f"        {_pad('', 9)}{_pad(head, lw)}actual"]
    for k in keys:
        mark = " " if left[k] == right[k] or k not in f.expected else "≠"
        lines.append(f"      {mark} {_pad(k, 9)}{_pad(left[k], lw)}{right[k] if f.actual else '(no recommendation)'}")
    lines.append(f"        why: {f.expected.get('why', '')}")
    lines.append(f"        parts at: {f.step} — {f.detail}")
    return lines


def render_test_run(run: TestRun, *, verbose: bool = False) -> str:
    out = [f"{run.rulebook.meta.name} {run.rulebook.meta.edition} {run.rulebook.digest}"]
    current = None
    for r in run.results:
        if r.file != current:
            current = r.file
            out.append(f"{r.file}")
        status = "PASS" if r.passed else ("ERROR" if r.error else "FAIL")
        out.append(f"  {status} {r.name}{'  ' + r.title if r.title and (verbose or not r.passed) else ''}")
        if r.error:
            out.append(f"      {r.error}")
        for f in r.failures:
            out.extend(_side_by_side(f))
    passed = sum(1 for r in run.results if r.passed)
    out.append(f"{passed} passed, {len(run.results) - passed} failed")
    return "\n".join(out) + "\n"


def render_coverage(cov: Coverage) -> str:
    out = ["", "Coverage"]
    for c in cov.lists:
        tiers_hit = sum(c.tiers.values())
        kinds_hit = sum(c.kinds.values())
        rules_hit = sum(c.rules.values())
        out.append(f"  {c.list} list: clauses {len(c.exercised)}/{len(c.enforceable)} enforceable "
                   f"({c.percent:.1f}%), tiers {tiers_hit}/{len(c.tiers)}, lapse kinds {kinds_hit}/{len(c.kinds)}, "
                   f"rules fired {rules_hit}/{len(c.rules)}")
        missing_tiers = [t for t, hit in c.tiers.items() if not hit]
        if missing_tiers:
            out.append(f"    tiers not exercised: {', '.join(missing_tiers)}")
        missing_kinds = [k for k, hit in c.kinds.items() if not hit]
        if missing_kinds:
            out.append(f"    lapse kinds not exercised: {', '.join(missing_kinds)}")
        for cid, tier, role, text in c.unexercised:
            out.append(f"    not exercised: {cid} ({tier}/{role}) {text[:40]}{'…' if len(text) > 40 else ''}")
    if cov.direct_rules:
        out.append(f"  direct track: rules fired {sum(cov.direct_rules.values())}/{len(cov.direct_rules)}")
    never = cov.never_fired
    out.append(f"  rules never fired ({len(never)}): {', '.join(never) if never else 'none'}")
    out.append(f"coverage: {cov.exercised}/{cov.enforceable} enforceable clauses exercised ({cov.percent:.1f}%)")
    return "\n".join(out) + "\n"


def _esc(s: str) -> str:
    return html.escape(s, quote=True)


# ---------------------------------------------------------------- lists diff

def render_list_diff(diffs) -> str:
    """Text: `[-deleted-]{+inserted+}` inside a revised clause, as `git diff --word-diff` marks them."""
    out = []
    for d in diffs:
        out.append(f"{d.list} list: {d.old} → {d.new}")
        out.append(f"  {d.count('added')} added, {d.count('revised')} revised, {d.count('repealed')} repealed, "
                   f"{d.unchanged} unchanged")
        for c in d.changes:
            where = f"({c.tier}/{c.role})"
            if c.kind == "added":
                out.append(f"  + {c.id} {where} {c.new}")
            elif c.kind == "repealed":
                out.append(f"  - {c.id} {where} {c.old}")
            else:
                marked = "".join(t if op == "equal" else (f"[-{t}-]" if op == "delete" else f"{{+{t}+}}")
                                 for op, t in c.ops)
                out.append(f"  ~ {c.id} {where} {marked}")
    return "\n".join(out) + "\n"


def render_list_diff_html(diffs) -> str:
    """A standalone page: deletions struck through in red, insertions underlined in green."""
    parts = ["<!DOCTYPE html>", '<html lang="zh"><head><meta charset="utf-8"><title>清单版本对照</title>',
             "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
             "del{background:#fdd;color:#900}ins{background:#dfd;color:#060;text-decoration:underline}"
             "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.4em;vertical-align:top}"
             ".added{background:#f3fff3}.repealed{background:#fff3f3}</style></head><body>"]
    for d in diffs:
        parts.append(f"<h2>{_esc(d.list)}: {_esc(d.old)} → {_esc(d.new)}</h2>")
        parts.append(f"<p>{d.count('added')} added, {d.count('revised')} revised, {d.count('repealed')} repealed, "
                     f"{d.unchanged} unchanged</p>")
        parts.append("<table><tr><th>clause</th><th>change</th><th>wording</th></tr>")
        for c in d.changes:
            if c.kind == "added":
                body = f"<ins>{_esc(c.new)}</ins>"
            elif c.kind == "repealed":
                body = f"<del>{_esc(c.old)}</del>"
            else:
                body = "".join(_esc(t) if op == "equal" else (f"<del>{_esc(t)}</del>" if op == "delete"
                                                              else f"<ins>{_esc(t)}</ins>") for op, t in c.ops)
            parts.append(f'<tr class="{c.kind}"><td>{_esc(c.id)}<br><small>{_esc(c.tier)}/{_esc(c.role)}</small></td>'
                         f"<td>{c.kind}</td><td>{body}</td></tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
