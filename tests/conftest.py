"""Shared fixtures. Rulebooks and evaluators are built once per session: durable_rules allows one
registration per ruleset per process, and building them is the slow part."""

from __future__ import annotations

import contextlib
import os
import re
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck

from duidan.api import Evaluator
from duidan.rulebook import load_rulebook

HERE = Path(__file__).parent
ROOT = HERE.parent
MINI = HERE / "fixtures" / "mini_rulebook"

# Generated cases are large and evaluated on a real engine: on a loaded CI machine hypothesis's
# speed and size health checks would fail runs that found nothing wrong.
RELAXED = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large,
           HealthCheck.filter_too_much]


@pytest.fixture(scope="session")
def bundled():
    return load_rulebook()


@pytest.fixture(scope="session")
def mini():
    return load_rulebook(MINI)


@pytest.fixture(scope="session", params=["bundled", "mini"])
def book(request):
    return load_rulebook(None if request.param == "bundled" else MINI)


@pytest.fixture(scope="session")
def engines(book):
    """(durable evaluator, reference evaluator) over the same rulebook."""
    return Evaluator(book, "durable"), Evaluator(book, "reference")


# ---------------------------------------------------------------- databases (the batch store)
#
# PostgreSQL tests run when DUIDAN_TEST_PG names a server (.ci/run sets it) and are skipped
# otherwise; when it is set, an unreachable server fails them. Each test gets its own schema
# (through the connection's search_path), dropped afterwards, so tests never see each other's rows.

PG_ENV = "DUIDAN_TEST_PG"


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'duidan.db'}"


def _pg_server() -> str:
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"{PG_ENV} is not set (PostgreSQL store tests)")
    return base


def _libpq(url: str) -> str:
    return re.sub(r"^postgresql\+psycopg://", "postgresql://", url)


@contextlib.contextmanager
def pg_schema(base: str):
    """A fresh schema on the server at `base`; yields the store URL that uses it."""
    import psycopg

    schema = f"duidan_test_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(_libpq(base), autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
    except psycopg.OperationalError as e:
        pytest.fail(f"{PG_ENV}={base} is set but the server is unreachable: {e}")
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(_libpq(base), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def pg_url():
    with pg_schema(_pg_server()) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """Each store test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'duidan.db'}"
    else:
        with pg_schema(_pg_server()) as url:
            yield url
