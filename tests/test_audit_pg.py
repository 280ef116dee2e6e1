"""The auditor's store checks on PostgreSQL (DUIDAN_TEST_PG): plain-SQL tampering named by verify,
replay, and concurrent writers appending to one chain without forking it."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner
from test_audit import check_tampered, run_cli

from duidan.cli.batch import batch
from duidan.store import Store

from conftest import ROOT

pytestmark = pytest.mark.postgres


def _examples(url: str) -> None:
    r = CliRunner().invoke(batch, [str(ROOT / "cases"), "--db", url], catch_exceptions=False)
    assert r.exit_code == 0, r.output


def test_verify_names_every_row_edited_deleted_inserted_reordered_postgresql(pg_url):
    _examples(pg_url)
    check_tampered(pg_url)


def test_replay_untouched_on_postgresql(pg_url):
    _examples(pg_url)
    out = run_cli("replay", "1", "--db", pg_url)
    assert out.exit_code == 0 and "无差异" in out.output, out.output


REVIEWER = """
import sys
from duidan.audit import review
from duidan.store import Store
store = Store.open(sys.argv[1])
for i in range(25):
    review(store, sys.argv[2], "accept", reason=f"{sys.argv[3]} {i}", reviewer=sys.argv[3])
store.close()
"""


def test_concurrent_writers_append_one_unforked_chain(pg_url):
    """Two processes writing reviews at once: the chain-head lock serialises their links."""
    _examples(pg_url)
    procs = [subprocess.Popen([sys.executable, "-c", REVIEWER, pg_url, rec, who], stderr=subprocess.PIPE, text=True)
             for rec, who in (("XC-2021-017/R1", "甲"), ("XC-2021-044/R1", "乙"))]
    for p in procs:
        assert p.wait(timeout=120) == 0, p.stderr.read()
    out = run_cli("verify", "--db", pg_url)
    assert out.exit_code == 0 and "完整" in out.output, out.output
    store = Store.open(pg_url)
    head, rows = store.chain()
    store.close()
    seqs = [r["chain_seq"] for r in rows]
    assert seqs == list(range(1, head["seq"] + 1))     # one chain, no gap, no position taken twice
    assert sum(r["table"] == "reviews" for r in rows) == 50
