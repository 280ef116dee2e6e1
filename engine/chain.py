"""Verify the store's hash chain: name every row edited, deleted, inserted or reordered.

Each chained row (determinations, recommendations, reviews) commits to the previous link and to
its own content: row_hash = sha256(prev_hash + canonical content) (engine/store.py). The walk:

1. **edited**: a row whose content no longer hashes (with its prev_hash) to its row_hash; also a
   determination whose body, rebuilt from its packed value and the stored contents, no longer
   hashes to its digest (or cannot be rebuilt), a stored rulebook whose body no longer hashes to
   the digest it is kept under, and a content row whose body no longer hashes to its key;
2. the true order is the one the links commit to: start from the genesis hash and follow, at
   each step, the row whose prev_hash is the current row_hash;
3. **deleted**: a row whose prev_hash is no stored row's hash starts a new segment: the rows
   between were removed (their count from the chain positions); rows missing at the end show as
   the chain head (one row, updated with every link) being ahead of the last row;
4. **inserted**: a row without a link, a second row claiming the same predecessor (a fork), a
   row at a position already taken, or past the head;
5. **reordered**: rows whose stored position (chain_seq) differs from the position their links
   commit to.

What the chain cannot show on its own: someone who rewrites the whole tail *and* the head
consistently. `verify` prints the head hash; an auditor who notes it (or any later one) can tell.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field

from .determine import digest_of_dict
from .packing import content_digest
from .rulebook import decision_digest
from .store import GENESIS, Store, link_hash


@dataclass(frozen=True)
class Problem:
    kind: str            # edited | deleted | inserted | reordered
    table: str
    row: int | None      # the row's id in its table (None: rows that are gone)
    seq: int | None      # its chain position
    key: dict            # run_id, case_id, rec_id where the table has them
    detail: str


@dataclass(frozen=True)
class Verification:
    url: str
    rows: int
    head: dict
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict:
        return {"url": self.url, "rows": self.rows, "head": self.head, "ok": self.ok,
                "problems": [asdict(p) for p in self.problems]}


def verify_store(store: Store) -> Verification:
    head, rows = store.chain()
    problems = walk(head, rows) + _missing_members(rows)
    for rb in store.rulebooks():
        if not _rulebook_digest_ok(rb["body"], rb["digest"]):
            problems.append(Problem("edited", "rulebooks", None, None, {"digest": rb["digest"]},
                                    "规则库正文与其摘要不符"))
    for c in store.contents():
        if content_digest(c["body"]) != c["digest"]:
            problems.append(Problem("edited", "contents", None, None, {"digest": c["digest"]},
                                    "引用内容（条款）与其摘要不符：引用它的决定均无法还原"))
    return Verification(store.url, len(rows), head, problems)


def _missing_members(rows: list[dict]) -> list[Problem]:
    """Which rows were deleted, by name: each determination lists its recommendations, so a
    recommendation row missing from the table is known by its id; recommendations whose
    determination is gone name the case."""
    recs: dict[tuple, set[str]] = defaultdict(set)
    dets: set[tuple] = set()
    for r in rows:
        if r["table"] == "recommendations":
            recs[(r["key"]["run_id"], r["key"]["case_id"])].add(r["key"]["rec_id"])
    out = []
    for r in rows:
        if r["table"] != "determinations":
            continue
        key = (r["key"]["run_id"], r["key"]["case_id"])
        dets.add(key)
        try:
            listed = {x["id"] for x in json.loads(r["body"])["recommendations"]}
        except (ValueError, KeyError, TypeError):
            continue   # an edited body: reported as edited
        for rec_id in sorted(listed - recs.get(key, set())):
            out.append(Problem("deleted", "recommendations", None, None,
                               {"run_id": key[0], "case_id": key[1], "rec_id": rec_id},
                               f"决定列出的建议 {rec_id} 已不在 recommendations 表中"))
    for key in sorted(recs.keys() - dets, key=str):
        out.append(Problem("deleted", "determinations", None, None, {"run_id": key[0], "case_id": key[1]},
                           f"案件 {key[1]} 的决定已不在 determinations 表中（其建议仍在）"))
    return out


def _det_digest_ok(body: str | None, digest: str | None) -> bool:
    try:
        det = json.loads(body or "")
    except ValueError:
        return False
    if not isinstance(det, dict):
        return False
    stated = det.get("digest")
    return stated == digest and digest_of_dict(det) == digest


def _rulebook_digest_ok(body: str | None, digest: str | None) -> bool:
    try:
        content = json.loads(body or "")
    except ValueError:
        return False
    return isinstance(content, dict) and decision_digest(content) == digest


def walk(head: dict, rows: list[dict]) -> list[Problem]:
    """The problems of a chain given as Store.chain() returns it."""
    problems: list[Problem] = []

    def report(kind: str, r: dict, detail: str) -> None:
        problems.append(Problem(kind, r["table"], r["id"], r["chain_seq"], r["key"], detail))

    linked = []
    for r in rows:
        if r["chain_seq"] is None or not r["prev_hash"] or not r["row_hash"]:
            report("inserted", r, "没有链接：不是 duidan 写入的")
        else:
            linked.append(r)

    bad = set()
    for r in linked:
        if link_hash(r["prev_hash"], r["content"]) != r["row_hash"]:
            bad.add(id(r))
            report("edited", r, "内容与其链接哈希不符")
        elif r["table"] == "determinations" and not _det_digest_ok(r["body"], r["digest"]):
            report("edited", r, "决定正文与其摘要不符")

    by_prev: dict[str, list[dict]] = defaultdict(list)
    hashes: set[str] = set()
    for r in linked:
        by_prev[r["prev_hash"]].append(r)
        hashes.add(r["row_hash"])
    seqs = defaultdict(int)
    for r in linked:
        seqs[r["chain_seq"]] += 1

    inserted: set[int] = set()
    visited: set[int] = set()

    def follow(cur: str) -> list[dict]:
        seg = []
        while True:
            cands = [r for r in by_prev.get(cur, []) if id(r) not in visited]
            if not cands:
                return seg
            # A fork: the genuine row is the one whose content verifies and which the rest of the
            # chain builds on; a forged copy usually satisfies neither.
            cands.sort(key=lambda r: (id(r) in bad, r["row_hash"] not in by_prev, r["chain_seq"], r["id"]))
            nxt = cands[0]
            for other in cands[1:]:
                visited.add(id(other))
                inserted.add(id(other))
                report("inserted", other, f"与链位 {nxt['chain_seq']} 的行声称同一前驱：链被分叉")
            visited.add(id(nxt))
            seg.append(nxt)
            cur = nxt["row_hash"]

    segments = [follow(GENESIS)]
    starts = sorted((r for r in linked if r["prev_hash"] != GENESIS and r["prev_hash"] not in hashes),
                    key=lambda r: (r["chain_seq"], r["id"]))
    for r in starts:
        if id(r) in visited:
            continue
        visited.add(id(r))
        seg = [r] + follow(r["row_hash"])
        if seqs[r["chain_seq"]] > 1 or r["chain_seq"] > head["seq"]:
            inserted.add(id(r))
            report("inserted", r, "其链接不接续本链：绕过 duidan 加入")
            for x in seg[1:]:
                inserted.add(id(x))
                report("inserted", x, "接续一条绕过 duidan 加入的链接")
            continue
        segments.append(seg)
    for r in linked:
        if id(r) not in visited:
            visited.add(id(r))
            inserted.add(id(r))
            report("inserted", r, "从链首无法到达此行")

    chain = [r for seg in segments for r in seg]
    before: dict[int, int] = {}
    prev_max = 0
    for r in sorted(chain, key=lambda r: (r["chain_seq"], r["id"])):
        before[id(r)] = prev_max
        prev_max = max(prev_max, r["chain_seq"])
    for seg in segments[1:]:
        r = seg[0]
        gap = r["chain_seq"] - before[id(r)] - 1
        after = f"{r['table']} 第 {r['id']} 行"
        problems.append(Problem("deleted", "(已删除)", None, r["chain_seq"], {},
                                f"链位 {r['chain_seq']} 之前缺失 {gap if gap > 0 else '至少 1'} 行"
                                f"（{after} 的链接指向一条已不存在的行）"))
    # Reordered: the fewest rows whose stored position (chain_seq) must have been moved for the
    # stored order to differ from the order the links commit to: those outside the longest run of
    # positions that increases along the link order, or those off their sorted place.
    seqs_in_link_order = [r["chain_seq"] for r in chain]
    keep = _longest_increasing(seqs_in_link_order)
    moved = {i for i in range(len(chain)) if i not in keep}
    # Rows off the place sorting would give them name exactly the rows exchanged in a swap (the
    # longest run names only one of two neighbours); when one row was moved far, every row it
    # jumped over is off its place, and the longest run names just the one.
    off = {i for i, (a, b) in enumerate(zip(seqs_in_link_order, sorted(seqs_in_link_order), strict=True)) if a != b}
    if len(off) <= 2 * len(moved):
        moved = off
    for i, r in enumerate(chain):
        if i in moved:
            prev = chain[i - 1] if i else None
            where = f"其链接把它排在链位 {prev['chain_seq']} 之后" if prev else "其链接把它排在链首"
            report("reordered", r, f"存于链位 {r['chain_seq']}，{where}")
    last = max((r["chain_seq"] for r in chain), default=0)
    if head["seq"] > last:
        problems.append(Problem("deleted", "(已删除)", None, head["seq"], {},
                                f"链尾缺失 {head['seq'] - last} 行：链头在链位 {head['seq']}，最后一行在链位 {last}"))
    elif chain and head["seq"] == last and chain[-1]["row_hash"] != head["hash"] and not problems:
        problems.append(Problem("edited", "chain_head", 1, head["seq"], {}, "链头与最后一行不符"))
    kinds = {"edited": 0, "deleted": 1, "inserted": 2, "reordered": 3}
    problems.sort(key=lambda p: (p.seq if p.seq is not None else -1, kinds[p.kind], p.table, p.row or 0))
    return problems


def _longest_increasing(values: list[int]) -> set[int]:
    """Indexes of one longest strictly increasing subsequence (patience sorting, O(n log n))."""
    import bisect

    tails: list[int] = []      # tails[k]: index of the smallest tail of an increasing run of length k+1
    tail_values: list[int] = []
    back: list[int] = [-1] * len(values)
    for i, v in enumerate(values):
        k = bisect.bisect_left(tail_values, v)
        if k:
            back[i] = tails[k - 1]
        if k == len(tails):
            tails.append(i)
            tail_values.append(v)
        else:
            tails[k] = i
            tail_values[k] = v
    out, i = set(), tails[-1] if tails else -1
    while i != -1:
        out.add(i)
        i = back[i]
    return out
