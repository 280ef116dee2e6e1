"""The auditor's text views (Chinese), over the data of engine/explain.py, chain.py, replay.py
and audit.py. Views decide nothing. Every string that came from a user (names, descriptions,
reasons, notes) goes through `clean`, so a control character in a case file cannot rewrite the
auditor's terminal.
"""

from __future__ import annotations

import unicodedata
from contextvars import ContextVar
from functools import wraps

# The labels of the ids in the data being rendered (the data carries them: labels are rulebook data).
_LABELS: ContextVar[dict[str, str] | None] = ContextVar("labels", default=None)


def _with_labels(render):
    @wraps(render)
    def wrapped(data: dict, *args, **kwargs):
        token = _LABELS.set(data["labels"] if isinstance(data, dict) and "labels" in data else _LABELS.get())
        try:
            return render(data, *args, **kwargs)
        finally:
            _LABELS.reset(token)
    return wrapped


OUTCOME = {"accountable": "应予问责", "exempt": "免予问责", "undetermined": "待定（事实不足）"}
DECISION = {"accept": "采纳", "modify": "改变", "reject": "不采纳"}
TEST = {"on": "事项类别", "kind": "问题类型", "lapse_tier": "问题单位层级", "severity": "严重程度",
        "relation": "责任关系", "subject_tier": "责任主体层级", "post": "职务", "fact": "事实",
        "facts_any": "事实（任一）", "tenure": "任职期间"}
OP = {"eq": "=", "ne": "≠", "gt": ">", "gte": "≥", "lt": "<", "lte": "≤", "in": "∈", "exists": "存在"}
PROBLEM = {"edited": "已被修改", "deleted": "已被删除", "inserted": "被插入", "reordered": "顺序被调换"}


def clean(text) -> str:
    """User text made safe to print: control and format characters become visible escapes."""
    if text is None:
        return ""
    s = str(text)
    if all(ch.isprintable() or ch == " " for ch in s):
        return s
    return "".join(ch if (ch.isprintable() or ch == " ") and unicodedata.category(ch) not in ("Cc", "Cf")
                   else f"\\u{ord(ch):04x}" for ch in s)


def label(x) -> str:
    if x is None:
        return ""
    return clean((_LABELS.get() or {}).get(x, x)) if isinstance(x, str) else str(x)


def named(ident: str, name: str | None) -> str:
    return f"{clean(name)}（{clean(ident)}）" if name else clean(ident)


def form_text(form: str | None, sanction: str | None) -> str:
    if not form:
        return "无"
    if form == "disciplinary" and sanction:
        return f"{label('disciplinary')}（{label(sanction)}）"
    return label(form)


def _value(v) -> str:
    if v is None:
        return "（无）"
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, list):
        return "、".join(_value(x) for x in v)
    return clean(label(v) if isinstance(v, str) else v)


def _period(a: str | None, b: str | None) -> str:
    return f"{a or '…'}至{b or '今'}"


def condition_text(c: dict) -> str:
    if c["test"] == "facts_any":
        return "以下任一成立：" + "；".join(condition_text(p) for p in c["expected"])
    if c["test"] == "fact":
        shown = f"{clean(c['name'])} {OP.get(c['op'], c['op'])} {_value(c['expected'])}"
        return f"事实 {shown}（实际 {_value(c['actual'])}）"
    if c["test"] == "relation":
        return f"责任关系 = {label(c['expected'])}（实际 {label(c['actual']) if c['actual'] else '未建立'}）"
    return f"{TEST.get(c['test'], c['test'])} {OP.get(c['op'], c['op'])} {_value(c['expected'])}（实际 {_value(c['actual'])}）"


# ---------------------------------------------------------------- explain

@_with_labels
def render_explain(data: dict) -> str:
    c = data["case"]
    rb = data["rulebook"]
    out = [f"案件 {clean(c['id'])}" + (f"　{clean(c['title'])}" if c["title"] else "") + f"　（{clean(data['where'])}）",
           f"规则库 {clean(rb['name'])} {clean(rb['edition'])}（{rb['digest'][:19]}…）　审查日 {c['reviewed_on']}"]
    for r in data["recommendations"]:
        out.append("")
        out += _explain_rec(r)
    return "\n".join(out) + "\n"


def _who(s: dict) -> str:
    if s["kind"] == "unit":
        return f"{named(s['id'], s['name'])}（{label(s['tier'])}）"
    return f"{named(s['id'], s['name'])}（{named(s['unit'], s['unit_name'])} {label(s['post'])}）"


def _explain_rec(r: dict) -> list[str]:
    d = r["decision"]
    out = [f"■ 建议 {clean(r['id'])}　{label(r['track'])}　{_who(r['subject'])}"]
    for lp in r["lapses"]:
        facts = "，".join(f"{clean(k)}={_value(v)}" for k, v in sorted(lp["facts"].items()))
        extra = (f"，领域 {clean(lp['area'])}" if lp["area"] else "") + (f"，{label(lp['severity'])}" if lp["severity"] else "")
        who = f"，行为人 {named(lp['violator'], lp['violator_name'])}" if lp["violator"] else ""
        out.append(f"  1 问题　{clean(lp['id'])} {label(lp['kind'])}（{named(lp['unit'], lp['unit_name'])}，"
                   f"{_period(lp['from'], lp['date'])}{extra}{who}）" + (f"　事实：{facts}" if facts else "")
                   + (f"　{clean(lp['description'])}" if lp["description"] else ""))
    for m in r["rules"]:
        state = "" if m["in_force"] else "（当时无有效清单版本或条款已废止，不计）"
        cites = f"，引 {'、'.join(clean(c) for c in m['clauses'])}" if m["clauses"] else ""
        out.append(f"  2 规则　{clean(m['rule'])}「{clean(m['title'])}」作用于 {clean(m['lapse'])}：{label(m['grade'])}，"
                   f"{'立案' if m['effect'] == 'open' else '认定'} {form_text(m['form'], m['sanction'])}{cites}{state}")
        for cond in m["conditions"]:
            out.append(f"      {'✓' if cond['holds'] else '✗'} {condition_text(cond)}")
    for cl in r["clauses"]:
        edition = "清单施行前的国家规定" if cl.get("source") == "baseline" else f"{clean(cl['edition'])}版"
        out.append(f"  3 条款　{clean(cl['id'])}（{label(cl['list'])}清单，{edition}）{clean(cl['text'])}")
    if not r["clauses"] and r["decision"]["basis"]:
        out.append(f"  3 依据　{'；'.join(clean(b) for b in r['decision']['basis'])}")
    for w in r["why"]:
        out.append("  4 为何是此人　" + why_text(r["subject"], w))
    ci = r["circumstances"]
    if ci["baseline"].get("form"):
        out.append(f"  5 情节　基准 {form_text(ci['baseline']['form'], ci['baseline'].get('sanction'))}")
    for st in ci["steps"]:
        eff = {"exempt": "免予问责", "lighter": f"从轻 {st['steps']} 档", "heavier": f"从重 {st['steps']} 档"}[st["effect"]]
        note = f"（{clean(st['note'])}）" if st["note"] else ""
        out.append(f"      {label(st['circumstance'])}{note}：{eff}")
    if ci["steps"] and d["outcome"] == "accountable":
        out.append(f"      净调整 {ci['shift']:+d} 档")
    verdict = OUTCOME[d["outcome"]]
    if d["outcome"] == "accountable":
        verdict += "：" + form_text(d["form"], d["sanction"])
        if d["measures"]:
            verdict += "，并" + "、".join(label(m) for m in d["measures"])
    if d["missing"]:
        verdict += "；待补：" + "、".join(label(k) for k in d["missing"])
    out.append(f"  6 结论　{verdict}（{label(d['grade'])}）")
    out.append(f"      决定　{clean(d['decided_by'])}")
    if r["reason"]:
        out.append(f"      理由　{clean(r['reason'])}")
    for rv in r["reviews"]:
        out.append("  7 复核　" + review_text(rv))
    return out


def why_text(s: dict, w: dict) -> str:
    rel = w["relation"]
    lapse_unit = named(w["lapse_unit"], w["lapse_unit_name"])
    if s["kind"] == "unit":
        if rel == "unit":
            return f"{clean(w['lapse'])} 发生在 {lapse_unit}，其领导班子负{label(rel)}之责"
        return f"{named(s['id'], s['name'])} 监督 {lapse_unit}（{label(rel)}）"
    held = w["held"]
    tenure = (f"任 {named(w['unit'], w['unit_name'])} {label(w['post'])} {_period(held['from'], held['to'])}，"
              f"问题期间 {_period(w['period']['from'], w['period']['to'])} 在任")
    if rel == "unit_head":
        how = f"为 {lapse_unit} 主要负责人"
    elif rel == "area_member":
        how = f"分管 {'、'.join(clean(p) for p in w['portfolio'])}，覆盖问题领域 {clean(w['area'])}"
    elif rel == "parent_area_member":
        how = f"为上级 {named(w['unit'], w['unit_name'])} 班子成员，分管领域覆盖 {clean(w['area'])}"
    elif rel == "other_member":
        how = f"为 {lapse_unit} 班子成员（未分管问题领域）"
    elif rel == "supervising_head":
        how = f"为监督 {lapse_unit} 的 {named(w['unit'], w['unit_name'])} 负责人"
    elif rel == "named_person":
        how = f"{clean(w['lapse'])} 点名其为责任人"
        tenure = f"任 {named(w['unit'], w['unit_name'])} {label(w['post'])} {_period(held['from'], held['to'])}"
    else:
        how = f"为 {clean(w['lapse'])} 的行为人（无论职务，对本人行为负直接责任）"
        tenure = f"任 {named(w['unit'], w['unit_name'])} {label(w['post'])} {_period(held['from'], held['to'])}"
    return f"{clean(w['lapse'])}：{label(rel)}——{how}；{tenure}"


@_with_labels
def review_text(rv: dict) -> str:
    what = DECISION[rv["decision"]]
    if rv["decision"] == "modify":
        what += f"为 {form_text(rv['form'], rv['sanction'])}"
    return f"{clean(rv['reviewer'])} 于 {rv['at']} {what}：{clean(rv['reason'])}"


# ---------------------------------------------------------------- why not

@_with_labels
def render_why_not(data: dict) -> str:
    s = data["subject"]
    who = (f"{named(s['id'], s['name'])}（{named(s['unit'], s['unit_name'])} {label(s['post'])}）"
           if s["kind"] == "person" else named(s["id"], s["name"]))
    c = data["case"]
    out = [f"案件 {clean(c['id'])}" + (f"　{clean(c['title'])}" if c["title"] else "") + f"　（{clean(data['where'])}）",
           f"为何未问责 {who}"]
    for h in data["held"]:
        out.append(f"  注意：此人已有建议 {clean(h['id'])}（{label(h['track'])}，{OUTCOME[h['outcome']]}"
                   + (f"：{form_text(h['form'], h['sanction'])}" if h["form"] else "") + "）")
    if not data["rules"]:
        who_kind = "此人" if s["kind"] == "person" else "此单位"
        out.append(f"  没有任何规则涉及{who_kind}：本案问题的类型不对应其层级和职务的任何规则。")
    other = {}
    elsewhere = [it for it in data["rules"] if it["status"] == "failed" and it["failed"]["test"] in ("lapse_tier", "severity")]
    collapse = len(elsewhere) < len(data["rules"])   # list them when they are all there is to say
    for it in data["rules"]:
        if collapse and it["status"] == "failed" and it["failed"]["test"] in ("lapse_tier", "severity"):
            # rules written for another tier or severity of problem: counted, not listed
            other.setdefault(it["lapse"], set()).add(it["rule"])
            continue
        head = f"  规则 {clean(it['rule'])}「{clean(it['title'])}」（{label(it['track'])}）对 {clean(it['lapse'])}（{label(it['lapse_kind'])}）："
        out.append(head + whynot_item_text(it))
    for lapse, rules in sorted(other.items()):
        out.append(f"  另有 {len(rules)} 条同类规则针对其他层级或严重程度的问题，不适用于 {clean(lapse)}"
                   "（--format json 列出）")
    return "\n".join(out) + "\n"


def whynot_item_text(it: dict) -> str:
    st = it["status"]
    if st == "held":
        return f"条件全部满足，已据此提出建议 {clean(it['recommendation'])}"
    if st == "exempt":
        return f"条件全部满足，但免予问责：{'、'.join(label(c) for c in it['circumstances'])}（{clean(it['recommendation'])}）"
    if st == "out_of_force":
        return f"条件全部满足，但所引条款当时未施行或已废止（{clean(it['recommendation'])}）"
    if st == "matched":
        return "条件全部满足"
    f = it["failed"]
    if f["test"] == "violator":
        return f"不满足 责任关系：需为{label(f['expected'])}，此人是行为人，在直接责任中承担责任"
    if f["test"] == "tenure":
        a, b = f["expected"]
        return f"不满足 任职期间：问题期间 {a}至{b} 不在任（任职 {_period(*f['actual'])}）"
    if f["test"] == "relation" and "why" in f:
        return "不满足 责任关系：" + not_reached_text(f["why"])
    return "不满足 " + condition_text(f)


def not_reached_text(w: dict) -> str:
    rel = label(w["relation"])
    unit = named(w["lapse_unit"], w["lapse_unit_name"])
    reason = w.get("reason")
    if reason == "portfolio":
        have = "、".join(clean(p) for p in w["portfolio"]) or "无"
        return f"需为{rel}，但其分管领域（{have}）不含 {clean(w['area'])}"
    if reason == "no_area":
        return f"需为{rel}，但问题未注明领域，无从对应分管领导"
    if reason == "covers_area":
        return f"需为{rel}，但其分管问题领域 {clean(w['area'])}，按分管领导认定"
    if reason == "not_post":
        return f"需为{rel}，但其职务为 {label(w['post'])}"
    if reason == "not_unit":
        return f"需为{rel}，但其不在 {unit} 任职（在 {named(w['unit'], w['unit_name'])}）"
    if reason == "not_parent":
        return f"需为{rel}，但其不是 {unit} 上级单位分管 {clean(w['area'] or '该领域')} 的班子成员"
    if reason == "not_supervising_head":
        return f"需为{rel}，但其不是监督 {unit} 的纪检监察机构负责人"
    if reason == "not_named":
        return f"需为{rel}，但问题未点名此人"
    if reason == "not_violator":
        return f"需为{rel}，行为人为 {named(w['violator'] or '', w.get('violator_name'))}"
    if reason == "not_lapse_unit":
        return f"需为问题所在单位，问题发生在 {unit}"
    if reason == "not_supervising":
        return f"需为{rel}，但其不监督 {unit}"
    return f"需为{rel}"


# ---------------------------------------------------------------- verify, review, replay

@_with_labels
def render_verify(v: dict) -> str:
    head = v["head"]
    out = [f"存储 {clean(v['url'])}：链上 {v['rows']} 行，链头 位置 {head['seq']} 哈希 {head['hash'][:16]}…"]
    if v["ok"]:
        out.append("完整：未发现修改、删除、插入或调换顺序。")
        return "\n".join(out) + "\n"
    for p in v["problems"]:
        key = "，".join(f"{k} {clean(x)}" for k, x in p["key"].items())
        row = f" 第 {p['row']} 行" if p["row"] is not None else ""
        pos = f"（链位 {p['seq']}）" if p["seq"] is not None else ""
        if p["table"].startswith("("):    # rows that are gone: where they were is all there is
            out.append(f"{PROBLEM[p['kind']]}（{p['kind']}）：{clean(p['detail'])}")
            continue
        table = p["table"]
        out.append(f"{PROBLEM[p['kind']]}（{p['kind']}）：{table}{row}{pos}" + (f" [{key}]" if key else "")
                   + f" — {clean(p['detail'])}")
    out.append(f"共 {len(v['problems'])} 处问题。")
    return "\n".join(out) + "\n"


@_with_labels
def render_review(row: dict) -> str:
    rec = row["recommendation"]
    machine = OUTCOME[rec["outcome"]] + (f"：{form_text(rec['form'], rec['sanction'])}" if rec["form"] else "")
    return (f"复核已记录（运行 {row['run_id']}，链上存于机器建议之旁，未改动原建议）\n"
            f"  建议 {clean(rec['rec_id'])}　{named(rec['subject'], rec['subject_name'])}\n"
            f"  机器建议　{machine}\n"
            f"  复核决定　{review_text(row)}\n")


@_with_labels
def render_replay(rep: dict) -> str:
    run, rb = rep["run"], rep["rulebook"]
    out = [f"运行 {run['id']}：重新评估 {rep['cases']} 个存储案件，规则库 {clean(rb['name'])} {clean(rb['edition'])}"
           f"（{rb['digest'][:19]}…）"]
    if not rep["preview"]:
        if not rep["differences"]:
            out.append("无差异：每个存储的决定摘要都与重新评估一致。")
        for d in rep["differences"]:
            out.append(f"差异 {clean(d['case_id'])}：存储 {(d['stored'] or '（拒收）')[:19]} → 现在 {(d['now'] or '（拒收）')[:19]}；"
                       + "；".join(clean(x) for x in d["detail"]))
        return "\n".join(out) + "\n"
    kinds = {k: sum(1 for c in rep["changes"] if c["change"] == k) for k in ("changed", "added", "removed")}
    out.append(f"影响预估（对照运行 {run['id']} 的存储结果）：{kinds['changed']} 项改变，{kinds['added']} 项新增，"
               f"{kinds['removed']} 项不再提出，{rep['unchanged']} 项不变")
    for c in rep["changes"]:
        a, b = c["before"], c["after"]
        name = clean((a or b).get("subject_name", ""))
        out.append(f"  {clean(c['case_id'])} {label(c['track'])} {clean(c['subject'])} {name}："
                   f"{_rec_short(a)} → {_rec_short(b)}" + (f"；{'；'.join(clean(w) for w in c['why'])}" if c["why"] else ""))
    return "\n".join(out) + "\n"


def _rec_short(r: dict | None) -> str:
    if r is None:
        return "（无）"
    return OUTCOME[r["outcome"]] + (f" {form_text(r['form'], r['sanction'])}" if r["form"] else "")
