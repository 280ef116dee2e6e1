"""The library's front door: load → resolve → evaluate → determine → render the reasons.

    import duidan
    det = duidan.evaluate("cases/village_dual_signature.yaml")      # the bundled rulebook
    det.to_dict()                                                    # the determination as data

or, for many cases under one rulebook, an :class:`Evaluator` (it keeps the engine session):

    ev = Evaluator(load_rulebook("my-rules/"))
    det = ev.evaluate(load_case(path, ev.rulebook.domain))

The durable_rules session is created lazily, once per process and rulebook, so importing this
module is cheap and worker processes build their own engine.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from .case import Case, load_case
from .determine import determine_data, digest_and_text
from .documents import rebuild
from .facts import Match, working_memory
from .resolve import Resolution, resolve
from .rulebook import Rulebook, load_rulebook

if TYPE_CHECKING:   # the models are built where they are asked for: `duidan evaluate` renders the plain data
    from .determination import Determination

Engine = Literal["durable", "reference"]


class Evaluator:
    def __init__(self, rulebook: Rulebook | None = None, engine: Engine = "durable"):
        self.rulebook = rulebook if rulebook is not None else load_rulebook()
        self.engine = engine
        self._durable = None

    def resolve(self, case: Case, file: str = "<case>") -> Resolution:
        return resolve(case, self.rulebook.domain, self.rulebook.meta.accumulation)

    def matches(self, res: Resolution) -> list[Match]:
        if self.engine == "reference":
            from . import reference

            return reference.evaluate(self.rulebook.rules, working_memory(res))
        if self._durable is None:
            from .durable_engine import evaluator_for

            self._durable = evaluator_for(self.rulebook.digest, self.rulebook.rules)
        return self._durable.evaluate(working_memory(res, self._durable.keys))

    def evaluate(self, case: Case, file: str = "<case>") -> Determination:
        """The determination of `case`, its reason sentences rendered (the last step). The models are
        rebuilt from the plain data without validating: it is our own output, and a property test
        (tests/test_properties.py) checks validation gives the very same objects."""
        from .determination import Determination

        return rebuild(Determination, self.evaluate_data(case, file))

    def evaluate_data(self, case: Case, file: str = "<case>") -> dict:
        """The same determination as plain data, exactly `evaluate(case).to_dict()`, without building
        the models."""
        return self._plain(case, file, digest=True)

    def evaluate_json(self, case: Case, file: str = "<case>") -> tuple[dict, str]:
        """evaluate_data and its canonical JSON, serialised once (the digest is computed from the
        same pieces): what a batch worker stores."""
        det = self._plain(case, file, digest=False)
        det["digest"], text = digest_and_text(det)
        return det, text

    def _plain(self, case: Case, file: str, digest: bool) -> dict:
        from .views.reason import add_reasons

        res = self.resolve(case, file)
        return add_reasons(determine_data(case, self.rulebook, res, self.matches(res), digest=digest), self.rulebook)

    def evaluate_file(self, path) -> Determination:
        return self.evaluate(load_case(path, self.rulebook.domain), str(path))


_default: dict[str, Evaluator] = {}


def evaluate(case: Case | str | Path, rulebook: Rulebook | str | Path | None = None,
             engine: Engine = "durable") -> Determination:
    """Determine one case (a loaded :class:`Case` or a path to a case file) under `rulebook` (a
    loaded rulebook, a rulebook directory, or None for the bundled one). Raises InputError on bad
    input, EngineFault if the engine misbehaves."""
    if rulebook is None or isinstance(rulebook, (str, Path)):
        key = f"{engine}:{rulebook}"
        if key not in _default:
            _default[key] = Evaluator(load_rulebook(rulebook), engine)
        ev = _default[key]
    else:
        ev = Evaluator(rulebook, engine)
    if isinstance(case, (str, Path)):
        return ev.evaluate_file(case)
    return ev.evaluate(case)
