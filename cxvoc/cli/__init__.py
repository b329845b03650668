"""The ``cx`` command line: a thin typer app over the library.

Sub-commands live in the modules of this package; each module defines ``app`` (a
``typer.Typer``) and ``NAME`` and is discovered here, so packages add commands without editing
this file. Errors map to exit codes through the ``exit_code`` of each package's root error.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import sys
from typing import Annotated

import typer

from .._version import __version__

app = typer.Typer(
    name="cx",
    help="cxkit: contact-center speech and text analytics (Vietnamese first) into VoC records.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cxkit {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", "-V", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help="More logging (-v info, -vv debug).")
    ] = 0,
) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def _register() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        sub = getattr(module, "app", None)
        if isinstance(sub, typer.Typer):
            app.add_typer(sub, name=getattr(module, "NAME", info.name))
        register = getattr(module, "register", None)
        if callable(register):
            register(app)


_register()


EXIT_INTERRUPTED = 130
"""Exit status after Ctrl-C (SIGINT); SIGTERM gives 143 (128 + 15), as shells report signals."""


def main() -> None:
    """Console-script entry point: run the app and map package errors to exit codes.

    Typer returns (rather than raises) the code of ``typer.Exit`` when not in standalone mode,
    and turns Ctrl-C into ``Exit(130)``: the returned code is the process's exit status.
    """
    try:
        code = app(standalone_mode=False)
        if isinstance(code, int) and not isinstance(code, bool) and code:
            if code == EXIT_INTERRUPTED:
                typer.echo("Interrupted.", err=True)
            sys.exit(code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("Aborted.", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        typer.echo("Interrupted.", err=True)
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - the CLI's last line of defence
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        code = getattr(exc, "exit_code", None)
        if not isinstance(code, int):
            raise
        typer.echo(f"error: {exc}", err=True)
        sys.exit(code)
