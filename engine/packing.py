"""How the store keeps a determination small and still gives back its exact bytes.

A determination repeats rulebook content: every recommendation carries the full text, gloss and
basis of each clause it cites, and the same clause is cited by thousands of recommendations of a
run. The store keeps each such object once, in its `contents` table under the first 16 hex digits
of the sha256 of its canonical JSON, and the determination with the object replaced by
`{"$ref":"<those digits>"}`; what remains is compressed with zlib. Sixteen digits, not 64: zlib
already removes the repetition inside one determination, so what referencing saves is the first
copy of each clause, and a full digest per citation would give most of that back (measured: 4.77
KB per determination with 64 digits). Integrity does not rest on the short key: the rebuilt text
must hash to the determination's full digest, which the chain commits to.

Why string substitution is exact: canonical JSON (engine/documents.py) is compositional — the
serialisation of an object is the serialisation of each member, in sorted order, with no spaces —
so an object's canonical text occurs verbatim inside its parent's, and putting it back gives the
parent's bytes. A `{"$ref":…}` text cannot occur inside a JSON string (its quotes would be
escaped), so the only place it can occur is as an object; a body that holds the text `$ref`
anywhere (from hostile case data) is stored compressed but not packed, so nothing in it is ever
mistaken for a reference, and no replaced object can overlap a reference put in before it.

Compression learns from what it has packed: a `Packer` (one per worker, one per reader) packs
its first values with plain zlib and then uses their text as zlib's preset dictionary, itself
stored once as a content row; a determination compresses to about half again (the repeated field
names, basis citations, sentences of the reason). Which dictionary a value used is in the value,
so it is rebuilt exactly whoever packed it; the stored bytes of a value may differ between runs
with different workers, its text and digest never do.

A packed value is one tag byte, for a dictionary its 16-digit key, then the zlib stream: `z`
plain text, `r` text with references; `Z` and `R` the same compressed against a dictionary.
Nothing here touches the database (engine/store.py does).
"""

from __future__ import annotations

import functools
import hashlib
import re
import zlib
from collections.abc import Callable, Iterable

PLAIN = b"z"
REFS = b"r"
# zlib's level, measured against the dictionary on the 1,500-case corpus: 6 writes a determination in
# twice the time of 3 (250 vs 120 us) for 17% fewer bytes (1.66 vs 2.0 KB; the store is 7.8 vs 8.2 KB
# a case); 4 is slower than 3 and larger; 1 is 2.6 KB.
LEVEL = 3
MAX_TEXT = 256 * 1024 * 1024   # a stored value never expands beyond this (a tampered row could)
_MARK = '{"$ref":'
KEY_DIGITS = 16
KNOWN_OBJECTS = 10_000   # shared objects a packer remembers (see substitute)
_REF = re.compile(r'\{"\$ref":"([0-9a-f]{16})"\}')


class PackError(ValueError):
    """A stored value that is not what the store writes: damaged, or a reference not stored."""


def content_digest(text: str) -> str:
    """The key a content row is stored under."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:KEY_DIGITS]


def shared_objects(det: dict) -> list[str]:
    """The canonical texts of the rulebook content a determination repeats: its cited clauses.

    Serialised with orjson, which writes these objects (text, lists of text, null) as the canonical
    encoder does and five times faster. Exactness never rests on that: `substitute` only replaces
    a text that occurs verbatim, so a text that differed would only go unreferenced."""
    import orjson

    from .documents import canonical_json

    seen: dict[int, str] = {}
    for rec in det.get("recommendations", ()):
        for c in rec.get("clauses", ()):
            if id(c) not in seen:
                try:
                    seen[id(c)] = orjson.dumps(c, option=orjson.OPT_SORT_KEYS).decode("utf-8")
                except TypeError:   # what orjson refuses (an integer past 64 bits, a key not text)
                    seen[id(c)] = canonical_json(c)
    return list(seen.values())


def substitute(raw: bytes, shared: Iterable[str], known: dict) -> tuple[bytes, dict[str, str]]:
    """The text's UTF-8 bytes with each shared object that occurs in it replaced by its reference.

    Bytes, the form zlib takes: an object occurs in the text exactly where its encoding occurs in
    the bytes (a character's encoding never occurs inside another's), so the result is the text's.
    `known` keeps each object's bytes, key and reference: a packer meets the same few hundred
    clause objects in every case, and hashing each anew for its key was a fifth of this step."""
    contents: dict[str, str] = {}
    if b"$ref" in raw:
        return raw, contents
    # Longest first, so an object inside another is kept with it; sorted, so the packing of the
    # same text is the same bytes whatever order the objects came in.
    for obj in sorted(set(shared), key=lambda s: (-len(s), s)):
        # Only an object's or array's text holding a quote: it cannot occur inside a string (its
        # quote would be escaped there), nor start or end inside a reference.
        if not (obj[:1] in "{[" and obj[-1:] in "}]" and '"' in obj):
            continue
        found = known.get(obj)
        if found is None:
            if len(known) >= KNOWN_OBJECTS:   # a rulebook's clauses in their editions, with room
                known.clear()
            d = content_digest(obj)
            found = known[obj] = (obj.encode("utf-8"), d, f'{_MARK}"{d}"}}'.encode("ascii"))
        data, d, ref = found
        if data in raw:
            contents[d] = obj
            raw = raw.replace(data, ref)
    return raw, contents


class Packer:
    """Packs values one after another; after the first DICT_BYTES of text, against a dictionary
    made of that text (see the module doc)."""

    DICT_BYTES = 32 * 1024   # zlib's window: a longer dictionary is not used

    def __init__(self) -> None:
        self._sample: list[bytes] = []
        self._size = 0
        self._dict: tuple[str, str, zlib._Compress] | None = None   # key, text, a compressor primed with it
        self._known: dict[str, tuple[bytes, str, bytes]] = {}   # see substitute

    def pack(self, text: str, shared: Iterable[str] = ()) -> tuple[bytes, dict[str, str]]:
        raw, contents = substitute(text.encode("utf-8"), shared, self._known)
        tag = REFS if contents else PLAIN
        if self._dict is None:
            self._learn(raw)
            return tag + zlib.compress(raw, LEVEL), contents
        key, dict_text, primed = self._dict
        # A copy of a compressor that has read the dictionary: priming one anew costs a quarter
        # of compressing a determination; the output is the same bytes.
        z = primed.copy()
        contents[key] = dict_text
        return tag.upper() + key.encode("ascii") + z.compress(raw) + z.flush(), contents

    def _learn(self, raw: bytes) -> None:
        self._sample.append(raw)
        self._size += len(raw)
        if self._size >= self.DICT_BYTES:
            # The end of the sample: zlib finds the nearest match first. A cut inside a
            # character drops it, so the dictionary is text, stored as any content row is.
            tail = b"".join(self._sample)[-self.DICT_BYTES:].decode("utf-8", "ignore")
            self._dict = (content_digest(tail), tail, zlib.compressobj(LEVEL, zdict=tail.encode("utf-8")))
            self._sample = []


def unpack(value: bytes | str | None, content: Callable[[str], str | None] = lambda d: None) -> str:
    """The exact text that was packed. `content(digest)` gives a stored object's text (None:
    not stored). A str is a value written by something other than the store (SQLite keeps
    whatever it is given): it is returned as it is, for the digest checks to judge."""
    if value is None:
        raise PackError("no value stored")
    if isinstance(value, str):
        return value
    tag, text = _inflate(value, content)
    if tag in (PLAIN, PLAIN.upper()):
        return text

    def put_back(m: re.Match) -> str:
        obj = content(m.group(1))
        if obj is None:
            raise PackError(f"refers to content {m.group(1)} which is not in the store")
        return obj

    return _REF.sub(put_back, text)


@functools.lru_cache(maxsize=16)
def _encoded(dict_text: str) -> bytes:
    # A reader meets the same few dictionaries in every value; encoding one (32 KB of text that is
    # not ASCII) was a quarter of unpacking a determination. Keyed by the text itself, not its key.
    return dict_text.encode("utf-8")


def _inflate(value: bytes, content: Callable[[str], str | None]) -> tuple[bytes, str]:
    """(tag, text before references are put back)."""
    value = bytes(value)   # PostgreSQL's driver hands back memoryview
    tag = value[:1]
    if tag not in (PLAIN, REFS, PLAIN.upper(), REFS.upper()):
        raise PackError("not a value the store writes (unknown tag)")
    start = 1
    if tag.isupper():
        key, start = value[1:1 + KEY_DIGITS].decode("ascii", "replace"), 1 + KEY_DIGITS
        dict_text = content(key)
        if dict_text is None:
            raise PackError(f"compressed against dictionary {key}, which is not in the store")
        z = zlib.decompressobj(zdict=_encoded(dict_text))
    else:
        z = zlib.decompressobj()
    try:
        raw = z.decompress(value[start:], MAX_TEXT)
        if z.unconsumed_tail:
            raise PackError(f"expands beyond {MAX_TEXT} bytes")
        raw += z.flush()
        if not z.eof:
            raise PackError("truncated")
        return tag, raw.decode("utf-8")
    except (zlib.error, UnicodeDecodeError) as e:
        raise PackError(f"damaged ({e})") from None
