"""Shared fixtures. Rulebooks and evaluators are built once per session: durable_rules allows one
registration per ruleset per process, and building them is the slow part."""

from __future__ import annotations

from pathlib import Path

import pytest

from duidan.api import Evaluator
from duidan.rulebook import load_rulebook

HERE = Path(__file__).parent
ROOT = HERE.parent
MINI = HERE / "fixtures" / "mini_rulebook"


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
