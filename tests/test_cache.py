"""The parsed-rulebook cache (engine/cache.py): a hit gives the very rulebook a parse gives; an edit
to any file is a miss; a corrupt or tampered entry is never trusted; DUIDAN_NO_CACHE=1 turns it off."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from duidan.cache import cache_dir, cache_key, load_rulebook_cached
from duidan.errors import InputError
from duidan.rulebook import bundled_path, load_rulebook

ROOT = Path(__file__).resolve().parent.parent
CASE = ROOT / "cases" / "village_misappropriation_two_investigations.yaml"


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("DUIDAN_NO_CACHE", raising=False)
    return tmp_path / "xdg" / "duidan" / "rulebooks"


@pytest.fixture
def book_dir(tmp_path):
    dst = tmp_path / "book"
    shutil.copytree(bundled_path(), dst, ignore=shutil.ignore_patterns("__pycache__"))
    return dst


def entries(cache):
    return sorted(cache.glob("*.json")) if cache.exists() else []


def test_hit_is_the_parsed_rulebook(cache, book_dir):
    parsed = load_rulebook(book_dir)
    first = load_rulebook_cached(book_dir)        # a miss: parses and writes the entry
    assert cache_dir() == cache and len(entries(cache)) == 1
    second = load_rulebook_cached(book_dir)       # a hit: rebuilt from the entry
    # Same content to the byte, same digest, and it still says where it was loaded from.
    assert second.canonical == first.canonical == parsed.canonical
    assert second.digest == parsed.digest
    assert second.source == str(book_dir)
    # ... and the very same objects, though rebuilt without validation (documents.rebuild)
    assert second == parsed


@pytest.mark.parametrize("where", ["bundled", "mini", "fixture rulebooks"])
def test_rebuild_gives_what_validation_gives(where):
    """Why: a cache hit rebuilds the rulebook without validating it (engine/cache.py); every field
    type must come back as validation makes it (dates, floats, tuples, tagged unions, nested
    models), or a hit would differ from a parse in ways equality of the canonical text hides."""
    from duidan.documents import canonical_json, rebuild
    from duidan.rulebook import Rulebook, rulebook_from_canonical

    roots = {"bundled": [bundled_path()], "mini": [ROOT / "tests" / "fixtures" / "mini_rulebook"],
             "fixture rulebooks": sorted(p.parent for p in (ROOT / "tests" / "fixtures").rglob("rulebook.yaml"))}[where]
    assert roots
    for root in roots:
        parsed = load_rulebook(root)
        # what a hit gave before: the same canonical text, validated (its dicts in sorted order)
        book = rulebook_from_canonical(parsed.canonical, parsed.digest)
        back = rebuild(Rulebook, json.loads(book.canonical))
        assert back == book == parsed.model_copy(update={"source": ""})
        assert _types(back) == _types(book)
        assert canonical_json(back.model_dump(mode="json", by_alias=True)) == parsed.canonical


def _types(x):
    """The type of every value in a model tree (== between models ignores 1 vs 1.0, a list vs a tuple
    inside a dict...), and the fields each model holds as set (== ignores them too)."""
    from pydantic import BaseModel

    if isinstance(x, BaseModel):
        return (type(x).__name__, sorted(x.model_fields_set), [(k, _types(getattr(x, k))) for k in type(x).model_fields])
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [_types(v) for v in x])
    if isinstance(x, dict):
        return ("dict", [(k, _types(v)) for k, v in x.items()])   # in order: iteration sees it
    return type(x).__name__


def test_edit_to_any_file_is_a_miss(cache, book_dir):
    load_rulebook_cached(book_dir)
    key = cache_key(book_dir)
    rules = book_dir / "rules" / "primary.yaml"
    text = rules.read_text(encoding="utf-8")
    first_title = next(line for line in text.splitlines() if line.strip().startswith("title:"))
    rules.write_text(text.replace(first_title, first_title + "（改）", 1), encoding="utf-8")
    assert cache_key(book_dir) != key             # the key covers every file's bytes
    edited = load_rulebook_cached(book_dir)
    # The edit is seen (a title is presentation: canonical changes, the digest need not).
    assert edited.canonical == load_rulebook(book_dir).canonical
    assert "（改）" in edited.canonical
    assert len(entries(cache)) == 2
    # A file the rulebook does not even list is covered too: stale entries can never be read.
    before = cache_key(book_dir)
    (book_dir / "notes.txt").write_text("x", encoding="utf-8")
    assert cache_key(book_dir) != before


@pytest.mark.parametrize("damage", ["garbage", "truncated", "tampered", "empty"])
def test_damaged_entry_is_ignored_and_rewritten(cache, book_dir, damage):
    good = load_rulebook_cached(book_dir)
    [entry] = entries(cache)
    text = entry.read_text(encoding="utf-8")
    if damage == "garbage":
        entry.write_bytes(b"\x00\xff not json")
    elif damage == "truncated":
        entry.write_text(text[: len(text) // 2], encoding="utf-8")
    elif damage == "empty":
        entry.write_text("", encoding="utf-8")
    else:
        # A valid header and well-formed JSON whose content was changed: the SHA-256 check refuses it.
        header, _, canonical = text.partition("\n")
        data = json.loads(canonical)
        data["rules"][0]["form"] = "talk" if data["rules"][0].get("form") != "talk" else "criticism"
        entry.write_text(header + "\n" + json.dumps(data, ensure_ascii=False), encoding="utf-8")
    again = load_rulebook_cached(book_dir)
    assert again.canonical == good.canonical and again.digest == good.digest
    assert entry.read_text(encoding="utf-8") == text   # rewritten whole


def test_no_cache_env_and_unwritable_directory(cache, book_dir, monkeypatch, tmp_path):
    monkeypatch.setenv("DUIDAN_NO_CACHE", "1")
    assert load_rulebook_cached(book_dir).digest == load_rulebook(book_dir).digest
    assert entries(cache) == []                  # nothing read, nothing written
    monkeypatch.delenv("DUIDAN_NO_CACHE")
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))   # the cache directory cannot be created
    assert load_rulebook_cached(book_dir).digest == load_rulebook(book_dir).digest


def test_invalid_rulebook_raises_and_is_not_cached(cache, book_dir):
    (book_dir / "rulebook.yaml").write_text("schema: duidan/rulebook/v1\nname: x\n", encoding="utf-8")
    with pytest.raises(InputError):
        load_rulebook_cached(book_dir)
    assert entries(cache) == []


def test_cli_output_identical_with_and_without_cache(tmp_path):
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "xdg"))
    cmd = [sys.executable, "-c", "from duidan.cli.main import main; main()", "evaluate", str(CASE), "--format", "json"]
    off = subprocess.run(cmd, capture_output=True, env=dict(env, DUIDAN_NO_CACHE="1"), check=True).stdout
    miss = subprocess.run(cmd, capture_output=True, env=env, check=True).stdout
    hit = subprocess.run(cmd, capture_output=True, env=env, check=True).stdout
    assert off == miss == hit and off                 # determinism: same input, same rulebook, same bytes


def test_cold_evaluate_imports_neither_rich_nor_sqlalchemy(tmp_path):
    # `duidan evaluate` of one case must not pay for what batch and the store need (issue 13, item 6).
    code = (f"import sys; sys.argv = ['duidan', 'evaluate', {str(CASE)!r}]\n"
            "from duidan.cli.main import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('rich', 'sqlalchemy', 'sqlmodel'))\n"
            "print('HEAVY', heavy, 'duidan.determination' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                       env=dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "xdg")))
    # ... nor the determination models: the views render its plain data.
    assert "HEAVY [] False" in r.stdout, r.stdout[-500:]
