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


def redact_names(case, det):
    """(case, determination) with every person's name replaced by their pseudonym."""
    from .determination import Determination

    people = [p.model_copy(update={"name": pseudonym(p.id)}) for p in case.people]
    case = case.model_copy(update={"people": people})
    d = det.to_dict()
    for r in d["recommendations"]:
        if r["subject"]["kind"] == "person":
            r["subject"]["name"] = pseudonym(r["subject"]["id"])
    return case, Determination.model_validate(d)
