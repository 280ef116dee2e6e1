"""The cyclic garbage collector while `duidan evaluate` starts, in a process of its own.

Before its first case is written, a one-case evaluate makes a few hundred thousand objects
(modules, model classes, the validators pydantic builds on first use, the rulebook) and nearly all
of them live until the process ends. The collector traverses them again and again while they are
made (after every 700 allocations) and once more at exit, and finds next to nothing. So evaluate
pauses it until its first case is done, then freezes what exists (`gc.freeze`: never traversed
again, not even at exit) and resumes it for the cases that follow.

Only the `duidan` program itself (`main()`) does this: a test or a program that runs a command in
its own process keeps its collector as it was.
"""

from __future__ import annotations

import gc

_own_process = False


def own_process() -> None:
    global _own_process
    _own_process = True


class _Starting:
    def __init__(self, paused: bool):
        self._paused = paused

    def done(self) -> None:
        """The first case is done: what exists now lives until exit. Later calls do nothing."""
        if self._paused:
            self._paused = False
            gc.freeze()
            gc.enable()


def paused_while_starting() -> _Starting:
    paused = _own_process and gc.isenabled()
    if paused:
        gc.disable()
    return _Starting(paused)
