"""National instruments as dated data (`instruments.yaml`): editions, provisions, and citing them by date.

A `basis` in a rulebook is a reference `INSTRUMENT/PROVISION`. Which article that is depends on
the day: a provision is cited in the edition in force on the lapse date (从旧), and not at all if
no edition of its instrument was in force then. Rule authors may also write a citation as text
("中国共产党问责条例(2019) 第7条"); the loader turns it into the reference of the provision that
article belongs to, or refuses it with the closest valid article.
"""


import datetime as dt
import re
from functools import cached_property
from typing import Any, Literal

from pydantic import Field, model_validator

from .documents import IsoDate, Model
from .errors import closest, unknown

INSTRUMENTS_SCHEMA = "duidan/instruments/v1"
WILDCARD = "*"   # `conduct.*`: the provision of the violation's own kind

_CITATION = re.compile(r"^\s*(?:《)?(?P<title>[^()（）《》]+?)(?:》)?\s*[(（](?P<edition>[^()（）]+)[)）]\s*(?P<article>.*?)\s*$")
_ARTICLE_NO = re.compile(r"^第(\d+)条")


class InstrumentEdition(Model):
    edition: str
    in_force: IsoDate
    in_force_verified: bool = True
    articles: int | None = None          # how many articles the edition has, where known
    articles_verified: bool = True
    source: str = ""


class Provision(Model):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)?$")
    summary: str
    articles: dict[str, str]             # edition -> article ("第7条第3项"), chapter, or "" (the whole text)
    unverified: list[str] = []           # editions whose article number was not read in the text
    # Direct track: the sanctions the article allows, as [lightest, heaviest] on the sanction ladder.
    ranges: dict[str, list[str]] = {}


class Instrument(Model):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    short: str = ""
    kind: Literal["party_regulation", "law", "normative_document", "provincial"]
    editions: list[InstrumentEdition] = Field(min_length=1)
    provisions: list[Provision] = []

    @model_validator(mode="after")
    def _consistent(self):
        dates = [e.in_force for e in self.editions]
        if dates != sorted(dates) or len(set(dates)) != len(dates):
            raise ValueError(f"{self.id}: editions must be listed oldest first, with distinct in_force dates")
        names = [e.edition for e in self.editions]
        for p in self.provisions:
            for ed in [*p.articles, *p.unverified, *p.ranges]:
                if ed not in names:
                    raise ValueError(f"{self.id}/{p.id}: {unknown('edition', ed, names)}")
            for ed, rng in p.ranges.items():
                if len(rng) != 2:
                    raise ValueError(f"{self.id}/{p.id}.ranges.{ed}: give [lightest, heaviest]")
            for ed, art in p.articles.items():
                m = _ARTICLE_NO.match(art)
                total = self.edition(ed).articles
                if m and total is not None and int(m[1]) > total:
                    raise ValueError(f"{self.id}/{p.id}: {self.title}({ed}) has {total} articles; {art} does not exist")
        return self

    def edition(self, name: str) -> InstrumentEdition:
        return next(e for e in self.editions if e.edition == name)

    def edition_at(self, day: dt.date) -> InstrumentEdition | None:
        found = None
        for e in self.editions:
            if e.in_force <= day:
                found = e
        return found

    def until(self, name: str) -> dt.date | None:
        """The day the edition stopped being in force: the next edition's in_force."""
        i = [e.edition for e in self.editions].index(name)
        return self.editions[i + 1].in_force if i + 1 < len(self.editions) else None


class Citation(Model):
    """One provision as cited on one day: what a recommendation's `basis` line says."""

    ref: str
    instrument: str
    title: str
    edition: str
    in_force: str
    article: str
    summary: str
    verified: bool

    @property
    def text(self) -> str:
        art = f" {self.article}" if self.article else ""
        mark = "" if self.verified else ("（条文号未经核实）" if self.article else "（未经核实）")
        return f"{self.title}({self.edition}){art}{mark}"


class InstrumentTable(Model):
    schema_: Literal["duidan/instruments/v1"] = Field(alias="schema")
    instruments: list[Instrument] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self):
        ids = [i.id for i in self.instruments]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"duplicate instrument id {dup[0]!r}")
        return self

    @cached_property
    def by_id(self) -> dict[str, Instrument]:
        return {i.id: i for i in self.instruments}

    @cached_property
    def by_title(self) -> dict[str, Instrument]:
        out: dict[str, Instrument] = {}
        for i in self.instruments:
            out[i.title] = i
            if i.short:
                out[i.short] = i
        return out

    @cached_property
    def refs(self) -> list[str]:
        return [f"{i.id}/{p.id}" for i in self.instruments for p in i.provisions]

    def provision(self, ref: str) -> tuple[Instrument, Provision]:
        return self._provisions[ref]

    @cached_property
    def _provisions(self) -> dict[str, tuple[Instrument, Provision]]:
        return {f"{i.id}/{p.id}": (i, p) for i in self.instruments for p in i.provisions}

    # ------------------------------------------------------------ reading a reference

    def resolve(self, text: Any) -> str:
        """`text` (a reference or a citation) as a reference; ValueError with the closest otherwise."""
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"a basis is a reference INSTRUMENT/PROVISION, got {text!r}")
        text = text.strip()
        if "/" in text and not text.startswith("《"):
            iid, _, pid = text.partition("/")
            if iid not in self.by_id:
                raise ValueError(unknown("instrument", iid, self.by_id))
            pids = [p.id for p in self.by_id[iid].provisions]
            if pid.endswith(f".{WILDCARD}"):
                family = pid[:-1]
                if any(p.startswith(family) for p in pids):
                    return text
                raise ValueError(f"instrument {iid!r} has no provisions {family}…")
            if pid not in pids:
                raise ValueError(unknown(f"provision of {iid}", pid, pids))
            return text
        return self._from_citation(text)

    def _from_citation(self, text: str) -> str:
        m = _CITATION.match(text)
        if not m:
            hint = closest(text, self.refs)
            raise ValueError(f"unknown basis {text!r}: write INSTRUMENT/PROVISION (e.g. {hint or self.refs[0]!r}) "
                             f"or TITLE(EDITION) 第N条")
        title, edition, article = m["title"].strip(), m["edition"].strip(), m["article"].strip()
        inst = self.by_title.get(title)
        if inst is None:
            raise ValueError(unknown("instrument", title, self.by_title))
        names = [e.edition for e in inst.editions]
        if edition not in names:
            raise ValueError(f"{inst.title}: {unknown('edition', edition, names)}")
        ed = inst.edition(edition)
        no = _ARTICLE_NO.match(article)
        if no and ed.articles is not None and int(no[1]) > ed.articles:
            raise ValueError(f"{inst.title}({edition}) has {ed.articles} articles; {article} does not exist")
        cited = {p.articles[edition]: p for p in inst.provisions if edition in p.articles}
        # The article itself, or the article an item of it belongs to (第7条第8项 -> 第7条).
        for candidate in (article, no[0] if no else None):
            if candidate is not None and candidate in cited:
                return f"{inst.id}/{cited[candidate].id}"
        hint = closest(article, cited)
        listed = ", ".join(f"{a}（{p.summary}）" for a, p in list(cited.items())[:8])
        raise ValueError(f"{inst.title}({edition}) {article}: no provision of the instruments table cites it"
                         + (f"; did you mean {hint!r}?" if hint else f"; cited articles: {listed}"))

    # ------------------------------------------------------------ citing on a day

    def cite(self, ref: str, day: dt.date, kind: str | None = None) -> Citation | None:
        """The provision as it reads in the edition in force on `day`, or None when no edition of
        the instrument (or none that has this provision) was in force. `kind` fills a wildcard."""
        if ref.endswith(f".{WILDCARD}"):
            if kind is None:
                return None
            ref = ref[:-1] + kind
            if ref not in self._provisions:
                return None
        inst, prov = self.provision(ref)
        ed = inst.edition_at(day)
        if ed is None or ed.edition not in prov.articles:
            return None
        key = (ref, ed.edition)
        if key not in self._cited:   # a provision reads the same throughout an edition
            self._cited[key] = Citation(ref=ref, instrument=inst.id, title=inst.title, edition=ed.edition,
                                        in_force=ed.in_force.isoformat(), article=prov.articles[ed.edition],
                                        summary=prov.summary, verified=ed.edition not in prov.unverified)
        return self._cited[key]

    @cached_property
    def _cited(self) -> dict[tuple[str, str], Citation]:
        return {}

    def sanction_range(self, ref: str, edition: str) -> list[str] | None:
        inst, prov = self.provision(ref)
        return prov.ranges.get(edition)
