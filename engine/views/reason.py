"""The reason sentence: a view of a recommendation's `why` steps, in Chinese, with the rulebook's labels.

Decisions never read this text and the digest does not cover it (engine/determine.py digest_of),
so a rulebook may relabel a tier or a lapse kind and only the wording moves.
"""

from __future__ import annotations

from ..rulebook import Rulebook


def form_label(book: Rulebook, form: str | None, sanction: str | None, subject: str = "person") -> str:
    """A form as the rulebook's forms table names it for this kind of subject (a unit's 通报 is
    not a person's 通报批评)."""
    if form is None:
        return "无"
    if form == "disciplinary" and sanction:
        return f"{book.label('disciplinary')}（{book.label(sanction)}）"
    info = book.forms.get((subject, form))
    return info.label if info is not None else book.label(form)


def reason_text(rec: dict, book: Rulebook) -> str:
    """One sentence a person can read, built only from the recommendation's own steps (plain data,
    as in the determination format)."""
    L = book.label
    s = rec["subject"]
    kind = s["kind"]
    who = s.get("name") or s["id"]
    role = L(s["post"]) if s.get("post") else "领导班子"
    by_step: dict[str, list[dict]] = {}
    for st in rec["why"]:
        by_step.setdefault(st["step"], []).append(st)

    def steps(name):
        return by_step.get(name, [])

    def first(name):
        found = by_step.get(name)
        return found[0] if found else None

    about = "、".join(f"{st['lapse']}（{L(st['kind'])}）" for st in steps("lapse"))
    track = L(rec["track"])
    if rec["outcome"] == "undetermined":
        aside = steps("not_in_force")
        if aside:
            repealed = sorted({c for st in aside for c in st["repealed"]})
            if repealed:
                return (f"{who}（{role}）涉及{about}，所对应条款{'、'.join(repealed)}已被审查时施行的清单版本废止，"
                        f"依从旧兼从轻原则不予对单认定{track}，需人工审查。")
            earliest = min(st["date"] for st in aside)
            return (f"{who}（{role}）涉及{about}，但{earliest}时该清单尚无有效版本，"
                    f"无法对单认定{track}，需人工审查。")
        missing = (first("missing") or {}).get("kinds", [])
        need = "、".join(f"{k}（{L(k)}）" for k in missing)
        return (f"{about}启动一案双查，{who}（{role}）的{track}已立项，但尚无问题线索证明其未履行何种职责；"
                f"需补充以下事实之一：{need}。")
    clause_ids = "、".join(sorted({c["id"] for c in rec["clauses"]})) or "、".join(rec["basis"])
    if any(c.get("source") == "baseline" for c in rec["clauses"]):
        clause_ids += "（问题发生时清单尚未施行，对照施行前国家规定的职责）"
    done = first("duty_performed")
    if done is not None:
        by = "、".join("记录在案的报告" if b == "reported" else L(b) for b in done["by"])
        return (f"{who}（{role}）就{about}已履职尽责（{by}），所履行的职责为{clause_ids}，"
                f"不予问责（免予问责）。")
    base = first("baseline")
    grade = L(rec["grade"] if rec["grade"] not in ("direct", "supervisory") else f"{rec['grade']}_grade")
    text = f"{who}（{role}）对{about}负{grade}，对照{clause_ids}，"
    fault = first("fault")
    if fault is not None:
        text += (f"本人失责（{'、'.join(fault['lapses'])}）起点为"
                 f"{form_label(book, fault['fault']['form'], fault['fault']['sanction'], kind)}，"
                 f"违纪情节（{'、'.join(fault['violations'])}）上调{fault['gravity']}档（至多{fault['max_rungs']}档），")
    text += f"基准为{form_label(book, base['form']['form'], base['form']['sanction'], kind)}"
    lighter = [st for st in steps("edition") if st["effect"] == "lighter_later_edition"]
    if lighter:
        st = lighter[0]
        text += (f"；依从旧兼从轻原则，审查时施行的{st['edition']}年版条例对该行为的处分更轻，"
                 f"适用{form_label(book, 'disciplinary', st['sanction'])}")
    for st in steps("direct"):
        if st["adjustment"] == "several_violations":
            text += f"；数种违纪合并处理，加重{st['steps']}档"
        elif st["adjustment"] == "participant":
            text += f"；共同违纪的参与者，较组织者低{-st['steps']}档"
        elif st["adjustment"] == "within_sanction":
            text += "；从轻、从重情节在该处分幅度内考虑"
    circ = steps("circumstance")
    if rec["outcome"] == "exempt":
        kinds = "、".join(L(st["circumstance"]) for st in circ if st["effect"] == "exempt")
        return text + f"；因{kinds}，依问责条例第17条免予问责。"
    if circ:
        parts = [f"{L(st['circumstance'])}（{'从重' if st['effect'] == 'heavier' else '从轻'}）" for st in circ]
        text += f"；考虑{'、'.join(parts)}，净调整{rec['trace']['shift']:+d}档"
    return text + f"，建议{form_label(book, rec['form'], rec['sanction'], kind)}。"


def add_reasons(det: dict, book: Rulebook) -> dict:
    """Render every recommendation's sentence into the plain determination, in place (the digest
    does not cover it, so it is unchanged)."""
    for rec in det["recommendations"]:
        rec["reason"] = reason_text(rec, book)
    return det
