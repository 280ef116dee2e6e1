"""A click group whose subcommands are imported only when they are run (or listed in --help).

`duidan evaluate` must not pay for what other commands need: `batch`'s module imports rich (its
progress bar and tables) at import time, which alone cost a one-case evaluate about a fifth of a
second. Commands registered here are named with "module:attribute" and imported on first use.
"""

from __future__ import annotations

import importlib

import click


class LazyGroup(click.Group):
    def __init__(self, *args, lazy_subcommands: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy_subcommands: dict[str, str] = dict(lazy_subcommands or {})

    def add_lazy(self, name: str, target: str) -> None:
        self.lazy_subcommands[name] = target

    def list_commands(self, ctx):
        return sorted({*super().list_commands(ctx), *self.lazy_subcommands})

    def get_command(self, ctx, cmd_name):
        if cmd_name in self.lazy_subcommands and cmd_name not in self.commands:
            module, attr = self.lazy_subcommands[cmd_name].split(":")
            self.add_command(getattr(importlib.import_module(module), attr), cmd_name)
        return super().get_command(ctx, cmd_name)
