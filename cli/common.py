"""What every command shares: the one exception a library error becomes, and the output width."""

from __future__ import annotations

import contextlib
import shutil
import sys

import click

from duidan.errors import EngineFault, InputError


class CommandError(click.ClickException):
    """A library error as one line on stderr (`error: …`) and exit code 1; never a traceback."""

    exit_code = 1

    def show(self, file=None) -> None:
        click.echo(f"error: {self.format_message()}", err=True)


@contextlib.contextmanager
def library_errors(where: str = ""):
    """Map the library's errors to CommandError. `where` prefixes database errors (the store URL)."""
    from duidan.store import DatabaseError, StoreError  # noqa: PLC0415  (the store is slow to import)

    try:
        yield
    except InputError as e:
        raise CommandError(e.message) from None
    except EngineFault as e:
        raise CommandError(str(e)) from None
    except StoreError as e:
        raise CommandError(str(e)) from None
    except DatabaseError as e:
        raise CommandError(f"database {where}: {str(e).splitlines()[0]}") from None
    except OSError as e:
        raise CommandError(f"{e.filename or where}: {e.strerror or e}") from None


def width() -> int | None:
    """The terminal's width when printing to one; None (renderers keep rows whole) otherwise."""
    return shutil.get_terminal_size().columns if sys.stdout.isatty() else None
