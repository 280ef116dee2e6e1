"""duidan (对单): accountability decided against the published responsibility lists.

The public API (docs/api.md):

    import duidan
    det = duidan.evaluate("case.yaml")                 # a Determination, under the bundled rulebook
    book = duidan.load_rulebook("my-rules/")           # a rulebook directory
    case = duidan.load_case("case.yaml", book.domain)  # a case, checked against its vocabulary
    det = duidan.evaluate(case, book)
    result = duidan.batch(["findings.csv"], roster="roster.yaml", db="sqlite:///duidan.db")
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["Determination", "EngineFault", "InputError", "Rulebook", "batch", "evaluate", "load_case",
           "load_rulebook", "__version__"]


def __getattr__(name: str):
    # Lazy: `import duidan` stays cheap; each name imports its module on first use.
    if name == "evaluate":
        from .api import evaluate
        return evaluate
    if name == "load_case":
        from .case import load_case
        return load_case
    if name in ("load_rulebook", "Rulebook"):
        from . import rulebook
        return getattr(rulebook, name)
    if name == "Determination":
        from .determination import Determination
        return Determination
    if name in ("InputError", "EngineFault"):
        from . import errors
        return getattr(errors, name)
    if name == "batch":
        from .batch import batch
        return batch
    raise AttributeError(f"module 'duidan' has no attribute {name!r}")
