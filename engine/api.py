"""The library's front door: load → resolve → evaluate → determine, for one case at a time.

    from duidan.api import Evaluator
    ev = Evaluator()                      # the bundled rulebook; or Evaluator(load_rulebook(dir))
    det = ev.evaluate(load_case(path))    # a Determination (engine/determination.py)

The durable_rules session is created lazily, once per process and rulebook, so importing this
module is cheap and worker processes build their own engine.
"""

from __future__ import annotations

from typing import Literal

from .case import Case, fact_value_problem, load_case
from .determination import Determination
from .determine import determine
from .errors import InputError
from .facts import Match, working_memory
from .resolve import Resolution, resolve
from .rulebook import Rulebook, load_rulebook
from .vocab import COMMON_FACTS as _COMMON

Engine = Literal["durable", "reference"]


class Evaluator:
    def __init__(self, rulebook: Rulebook | None = None, engine: Engine = "durable"):
        self.rulebook = rulebook if rulebook is not None else load_rulebook()
        self.engine = engine
        self._durable = None

    def resolve(self, case: Case, file: str = "<case>") -> Resolution:
        _check_rulebook_facts(case, self.rulebook, file)
        return resolve(case, self.rulebook.facts)

    def matches(self, res: Resolution) -> list[Match]:
        wm = working_memory(res)
        if self.engine == "reference":
            from . import reference

            return reference.evaluate(self.rulebook.rules, wm)
        if self._durable is None:
            from .durable_engine import evaluator_for

            self._durable = evaluator_for(self.rulebook.digest, self.rulebook.rules)
        return self._durable.evaluate(wm)

    def evaluate(self, case: Case, file: str = "<case>") -> Determination:
        res = self.resolve(case, file)
        return determine(case, self.rulebook, res, self.matches(res))

    def evaluate_file(self, path) -> Determination:
        return self.evaluate(load_case(path), str(path))


def _check_rulebook_facts(case: Case, book: Rulebook, file: str) -> None:
    """Facts a rulebook declares beyond the contract's common ones are type-checked here."""
    extra = {k: v for k, v in book.facts.items() if k not in _COMMON}
    if not extra:
        return
    problems = []
    for section, items in (("findings", case.findings), ("violations", case.violations)):
        for i, item in enumerate(items):
            for name, value in item.facts.items():
                problem = fact_value_problem(name, value, extra)
                if problem:
                    problems.append((f"{section}[{i}].facts.{name}", problem))
    if problems:
        raise InputError(file, problems)

