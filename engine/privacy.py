"""Pseudonyms for people's names in output (`--redact`); docs/privacy.md explains the choices.

A name is replaced by `人员-` and 8 hex digits of HMAC-SHA256(key, person id): the same person gets
the same pseudonym everywhere in one output (and in every output made with the same key), and two
people get different ones. The key matters: person ids are short and guessable (`p1`, a staff
number), so a fixed, published key would let anyone recompute the pseudonym of a known id. The key
is therefore secret: `DUIDAN_REDACT_KEY` when set (to link outputs made on different days or
machines, keep it like a password), otherwise a random key made for this one invocation (nothing
links two outputs).

Only the output is redacted: the store and the case files keep the exact values, and the digest
shown is that of the unredacted determination (so whoever holds the original can match them).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets

KEY_ENV = "DUIDAN_REDACT_KEY"
_invocation_key = secrets.token_bytes(32)


def _key() -> bytes:
    env = os.environ.get(KEY_ENV)
    return env.encode("utf-8") if env else _invocation_key


def pseudonym(person_id: str, key: bytes | None = None) -> str:
    digest = hmac.new(key or _key(), person_id.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"人员-{digest[:8]}"


def redact_names(case, det: dict, domain=None):
    """(case, determination) with every person's name replaced by their pseudonym, wherever it
    appears in a text (the reason sentence, a description, a title); the determination is plain
    data, and so is the redacted one. `domain` is the vocabulary the case was read against (the
    rulebook's): the redacted case is checked against the same."""
    import copy

    from .case import Case

    names = {p.name: pseudonym(p.id) for p in case.people if p.name.strip()}
    order = sorted(names, key=len, reverse=True)    # 欧阳某某 before 欧阳某

    def scrub(v):
        if isinstance(v, str):
            for n in order:
                if n in v:
                    v = v.replace(n, names[n])
            return v
        if isinstance(v, list):
            return [scrub(x) for x in v]
        if isinstance(v, dict):
            return {k: scrub(x) for k, x in v.items()}
        return v

    c = case.model_dump(mode="json", by_alias=True)
    for p in c["people"]:
        p["name"] = pseudonym(p["id"])
    d = copy.deepcopy(det)
    for r in d["recommendations"]:
        if r["subject"]["kind"] == "person":
            r["subject"]["name"] = pseudonym(r["subject"]["id"])
    digest = d["digest"]
    d = scrub(d)
    d["digest"] = digest
    ctx = {"domain": domain} if domain is not None else None
    return Case.model_validate(scrub(c), context=ctx), d
