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


class FilePath(click.Path):
    """click.Path that turns a name the file system cannot encode into a usage error.

    click stats every path it converts and only catches OSError; a lone surrogate in an argument
    (possible from a shell script or a test, never from a decoded argv) raised UnicodeEncodeError
    through it as a traceback.
    """

    def convert(self, value, param, ctx):
        try:
            return super().convert(value, param, ctx)
        except (UnicodeError, ValueError):
            shown = str(value).encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace")
            self.fail(f"'{shown}' is not a file name this system can use (it holds characters that cannot "
                      "be encoded); check the argument", param, ctx)
