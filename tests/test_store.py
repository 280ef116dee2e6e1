"""The store on both databases (SQLite always; PostgreSQL when DUIDAN_TEST_PG is set): schema and
version, idempotent writes, claims, and one-time completion."""

from __future__ import annotations

import json
import random

import pytest
from test_batch import make_case

from duidan.api import Evaluator
from duidan.batch import evaluate_record
from duidan.documents import canonical_json, sha256
from duidan.store import Claim, NewCase, NewReject, Rejected, Store, StoreError


def _records(n: int) -> list[NewCase]:
    rng = random.Random(5)
    out = []
    for i in range(n):
        body = canonical_json(make_case(i, rng))
        out.append(NewCase(f"C-{i:05d}", "in.jsonl", "sha256:in", i + 1, sha256(body), body))
    return out


@pytest.fixture
def store(db_url):
    s = Store.open(db_url)
    yield s
    s.close()


@pytest.fixture(scope="module")
def evaluator(mini):
    return Evaluator(mini)


def _outcomes(evaluator, claim: Claim):
    return [evaluate_record(evaluator, f"in.jsonl:{it.line}", it.body) for it in claim.items]


def test_schema_is_created_once_and_versioned(db_url):
    a = Store.open(db_url)
    assert a.schema_version() == 3 and a.runs() == []
    a.close()
    b = Store.open(db_url)                      # opening again changes nothing
    assert b.schema_version() == 3
    b.close()
    _set_schema_version(db_url, "99")
    with pytest.raises(StoreError, match="schema version 99; this duidan reads version 3"):
        Store.open(db_url)


def test_runs_and_records_are_keyed(store):
    run, created = store.open_run("k1", {"name": "mini", "edition": "x", "digest": "sha256:b"}, [{"path": "a"}], "{}")
    again, created_again = store.open_run("k1", {"name": "mini", "edition": "x", "digest": "sha256:b"}, [], "{}")
    assert created and not created_again and again.id == run.id and again.inputs == [{"path": "a"}]
    cases = _records(30)
    rejects = [NewReject("in.jsonl", "sha256:in", 99, None, "in.jsonl:99: invalid JSON")]
    store.add_records(run.id, cases, rejects, chunk=7)
    store.add_records(run.id, cases, rejects, chunk=11)   # a second reader adds nothing
    store.mark_read(run.id, 31)
    store.mark_read(run.id, 5)                            # the first count stands
    assert store.counts(run.id) == {"pending": 30, "evaluated": 0, "rejected": 1}
    assert store.run(run.id).read == 31
    with pytest.raises(StoreError, match="30 cases pending"):
        store.finish(run.id)


def test_a_case_is_stored_once_whoever_completes_it(store, evaluator):
    run, _ = store.open_run("k2", {"name": "mini", "edition": "x", "digest": evaluator.rulebook.digest}, [], evaluator.rulebook.canonical)
    store.add_records(run.id, _records(10), [])
    store.mark_read(run.id, 10)
    pending = store.pending_rows(run.id)
    claim = store.claim_rows(run.id, pending[:6])
    items = list(claim.items)
    outcomes = _outcomes(evaluator, claim)
    outcomes[0] = Rejected("in.jsonl:1: rejected for the test")
    assert store.complete(claim, run.id, outcomes, "me") == 6
    # a late second writer with the same cases (SQLite's optimistic claims) stores nothing
    assert store.complete(Claim(items), run.id, outcomes, "late") == 0
    rest = store.claim_rows(run.id, pending)    # the first six are done: the rest are still pending
    assert [it.case_id for it in rest.items] == [f"C-{i:05d}" for i in range(6, 10)]
    store.complete(rest, run.id, _outcomes(evaluator, rest), "me")
    done = store.finish(run.id)
    assert (done.read, done.evaluated, done.rejected) == (10, 9, 1)
    assert {c["done_by"] for c in store.cases(run.id)} == {"me"}
    det = store.determination(run.id, "C-00001")
    assert det["digest"] == [c for c in store.cases(run.id) if c["case_id"] == "C-00001"][0]["digest"]
    recs = [r for r in store.recommendations(run.id) if r["case_id"] == "C-00001"]
    assert [r["rec_id"] for r in recs] == [r["id"] for r in det["recommendations"]]
    assert store.case_record(run.id, "C-00001") == json.loads(_records(2)[1].body)
    [rej] = store.rejects(run.id)
    assert (rej["case_id"], rej["line"], rej["stage"]) == ("C-00000", 1, "evaluate")


def test_postgresql_claims_skip_locked_rows_and_release_on_rollback(pg_url, evaluator):
    store = Store.open(pg_url)
    run, _ = store.open_run("k3", {"name": "mini", "edition": "x", "digest": evaluator.rulebook.digest}, [], evaluator.rulebook.canonical)
    store.add_records(run.id, _records(10), [])
    rows = store.pending_rows(run.id)
    a = store.claim_rows(run.id, rows[:4])
    b = store.claim_rows(run.id, rows[:8])   # another worker, another transaction: the 4 not held
    assert {i.row for i in a.items}.isdisjoint(i.row for i in b.items) and len(b.items) == 4
    held = [i.case_id for i in a.items]
    store.release(a)                    # a process that dies: its transaction rolls back
    c = store.claim_rows(run.id, rows)
    assert [i.case_id for i in c.items][:4] == held and len(c.items) == 6
    store.release(b)
    store.release(c)
    store.close()


@pytest.mark.parametrize("url, says", [
    ("nonsense", "not a database URL"),
    ("mysql://u@h/db", "unsupported database"),
    ("postgresql+psycopg://postgres:secret@127.0.0.1:1/test", "cannot open database"),
])
def test_bad_urls_are_messages(url, says):
    with pytest.raises(StoreError, match=says) as e:
        Store.open(url)
    assert "secret" not in str(e.value)


def test_the_stored_rulebook_re_derives_every_stored_determination(tmp_path, db_url, bundled):
    """The store keeps each run's rulebook by content: read back, it hashes to the run's digest and
    re-derives every stored determination byte for byte (the ground replay will stand on)."""
    from pathlib import Path

    from duidan.batch import run_batch
    from duidan.case import parse_case
    from duidan.rulebook import rulebook_from_canonical
    from duidan.views.text import to_json_line

    cases = sorted((Path(__file__).parent.parent / "cases").glob("*.yaml"))
    store = Store.open(db_url)
    try:
        run = run_batch(store, cases, bundled).run
        body = store.rulebook(run.rulebook["digest"])
        book = rulebook_from_canonical(body, run.rulebook["digest"])
        ev = Evaluator(book)
        stored = {c["case_id"]: c for c in store.cases(run.id)}
        assert len(stored) == len(cases)
        for case_id in stored:
            det = ev.evaluate_data(parse_case(store.case_record(run.id, case_id), case_id))
            assert to_json_line(det) == json.dumps(store.determination(run.id, case_id), sort_keys=True,
                                                   separators=(",", ":"), ensure_ascii=False)
        with pytest.raises(Exception, match="does not match"):
            rulebook_from_canonical(body.replace("xichang-model", "xichang-modified"), run.rulebook["digest"])
    finally:
        store.close()


def _set_schema_version(url: str, value: str) -> None:
    s = Store.open(url)
    with s.engine.connect() as conn:
        conn.exec_driver_sql(f"UPDATE schema_info SET value = '{value}' WHERE key = 'schema_version'")
        conn.commit()
    s.close()


def test_a_store_of_schema_2_is_refused_with_the_way_out(db_url):
    _set_schema_version(db_url, "2")
    with pytest.raises(StoreError, match="version 2.*before determinations were stored packed.*new database"):
        Store.open(db_url)


def test_the_store_gives_back_every_determination_byte_for_byte_and_keeps_clauses_once(store, evaluator, mini):
    """Issue 13 item 4: clause texts are stored once, by reference; a reader gets the canonical
    JSON that was evaluated, and its digest verifies."""
    from duidan.determine import digest_of_dict

    run, _ = store.open_run("k", mini.summary(), [], mini.canonical)
    store.add_records(run.id, _records(40), [])
    claim = store.claim_rows(run.id, store.pending_rows(run.id))
    from duidan.packing import Packer

    packer = Packer()                                    # as a worker packs
    outcomes = [evaluate_record(evaluator, f"in.jsonl:{it.line}", it.body, packer=packer) for it in claim.items]
    bodies = {it.case_id: o.body for it, o in zip(claim.items, outcomes, strict=True) if hasattr(o, "body")}
    store.complete(claim, run.id, outcomes, "t")
    stored = {d["case_id"]: d for d in store.determinations(run.id)}
    assert bodies and {k: stored[k]["body"] for k in bodies} == bodies
    for cid, body in bodies.items():
        det = json.loads(body)
        assert store.determination(run.id, cid) == det and digest_of_dict(det) == stored[cid]["digest"]
    cited = {json.dumps(c, sort_keys=True) for b in bodies.values() for r in json.loads(b)["recommendations"]
             for c in r["clauses"]}
    assert cited and len(store.contents()) <= len(cited) + 2        # each once (+ the dictionaries)
    with store.engine.connect() as conn:
        raw = conn.exec_driver_sql("SELECT sum(length(body)) FROM determinations").scalar()
    assert raw * 4 < sum(len(b.encode()) for b in bodies.values())   # packed: a fraction of the text


def test_a_chain_link_commits_to_the_canonical_json_of_its_row_whatever_it_holds(monkeypatch):
    """chain_content serialises a row with orjson where that gives canonical_json's bytes (text,
    integers, booleans, null) and with canonical_json otherwise: every code point, integers at and
    past 64 bits, lone surrogates (which orjson refuses) and floats give what canonical_json gives."""
    from duidan import store
    from duidan.store import _CONTENT_COLUMNS, chain_content

    def canonical(row: dict) -> str:
        return canonical_json({"table": "reviews", **{c: row.get(c) for c in _CONTENT_COLUMNS["reviews"]}})

    fallbacks = []
    monkeypatch.setattr(store, "canonical_json", lambda obj: fallbacks.append(obj) or canonical_json(obj))
    chars = [chr(i) for i in range(0x110000) if not 0xD800 <= i <= 0xDFFF]
    texts = ["".join(chars[i:i + 4096]) for i in range(0, len(chars), 4096)]
    plain = texts + ['"\\/\x00\x1f\x7f\u2028\u2029', 0, -1, 2**63 - 1, -2**63, 2**64 - 1, True, False, None]
    for v in plain:
        row = {"run_id": 7, "case_id": "C-1", "reason": v}
        assert chain_content("reviews", row) == canonical(row), repr(v)[:40]
    assert not fallbacks   # these went the orjson way
    others = ["\ud800", "a\udfff", 2**64, -2**63 - 1, 10**300, 1.5, 1e16, float("inf")]
    for v in others:
        row = {"run_id": 7, "case_id": "C-1", "reason": v}
        assert chain_content("reviews", row) == canonical(row), repr(v)[:40]
    assert len(fallbacks) == len(others)
    packed = {"run_id": 1, "case_row": 2, "case_id": "C", "digest": "sha256:x", "body": b"zabc"}
    assert chain_content("determinations", packed) == chain_content("determinations", dict(packed, body=memoryview(b"zabc")))
