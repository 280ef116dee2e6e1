"""Options every command that reads input shares: `--limit NAME=VALUE` (docs/limits.md)."""

from __future__ import annotations

import click


def _apply(ctx, param, specs):
    from duidan.limits import configure, current, from_environment, parse_limits

    before = current()
    try:
        configure(parse_limits(list(specs), from_environment()))
    except ValueError as e:
        raise click.BadParameter(str(e), ctx=ctx, param=param) from None
    # The limits are process-wide: put them back when the command ends, so that a command run
    # in-process (a test, an embedding program) leaves no trace.
    ctx.call_on_close(lambda: configure(before))
    return specs


LIMIT = click.option(
    "--limit", "limits", multiple=True, metavar="NAME=VALUE", expose_value=False, is_eager=True,
    callback=_apply,
    help="Raise (or lower) an input limit, e.g. --limit max_bytes=64MiB (see docs/limits.md; "
         "env DUIDAN_LIMITS).")
