"""`tutor class ...`: an instructor's commands, and the --store/--learner options all share.

    tutor class report [LESSON] [--json] [--inactive DAYS] [--store URL]
    tutor class import FILE... [--store URL]

Thin, like ``cli``: parse, call ``classroom``/``bundles``/``progress``, one line per failure.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from tutor.classroom import Outline
    from tutor.progress import LearnerStore

StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="Where progress is kept: sqlite:///path/file or postgresql://user@host/database "
        "(default: TUTOR_STORE, else the file in your data folder).",
        show_default=False,
    ),
]
LearnerOption = Annotated[
    str | None,
    typer.Option(
        "--learner",
        help="Whose progress (default: TUTOR_LEARNER, else your login name).",
        show_default=False,
    ),
]

class_app = typer.Typer(
    help="For instructors: where a class stands, and progress bundles merged into a store.",
    no_args_is_help=True,
)


def say(text: str) -> None:
    typer.echo(f"tutor: {text}", err=True)


def open_class_store(
    url: str | None, learner: str | None = None, local_copy: bool = False
) -> LearnerStore:
    """The store for a command, or a one-line failure. An instructor's commands need no local
    copy of a server's rows; a learner's do (``local_copy``)."""
    from tutor.progress import StoreError, open_store

    try:
        return open_store(url, learner, on_notice=say, local_copy=local_copy)
    except StoreError as error:
        say(str(error))
        raise typer.Exit(1) from None


@class_app.command("report")
def report(
    lesson: Annotated[
        str | None, typer.Argument(help="One lesson id; every lesson with progress if omitted.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    inactive: Annotated[
        float, typer.Option("--inactive", help="List learners with no save for this many days.")
    ] = 7.0,
    store: StoreOption = None,
) -> None:
    """Per lesson and step: finished, skipped, on it; median attempts, hints and minutes; the
    check messages most often shown; learners inactive for some days."""
    from tutor.classroom import class_report
    from tutor.progress import StoreError

    opened = open_class_store(store)
    try:
        data = class_report(opened.dump(None, lesson), _outlines(), lesson, inactive)
    except StoreError as error:
        say(str(error))
        raise typer.Exit(1) from None
    finally:
        opened.close()
    if as_json:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    from tutor.class_view import show_class_report
    from tutor.render import make_console

    plain = bool(os.environ.get("NO_COLOR")) or not sys.stdout.isatty()
    show_class_report(make_console(plain), data)


def _outlines() -> dict[str, Outline]:
    """Titles and step order of the built-in lessons (others: as learners met their steps)."""
    from tutor.catalog import builtin_lessons
    from tutor.classroom import Outline

    return {
        lesson.id: Outline(lesson.title, [step.id for step in lesson.steps])
        for lesson in builtin_lessons()
    }


@class_app.command("import")
def import_bundles(
    files: Annotated[list[Path], typer.Argument(help="Bundles from `tutor progress --export`.")],
    store: StoreOption = None,
) -> None:
    """Merge learners' progress bundles into the store (importing one twice changes nothing)."""
    from tutor.bundles import BundleError, read_bundle
    from tutor.progress import StoreError

    opened = open_class_store(store)
    failed = 0
    try:
        for path in files:
            try:
                rows = read_bundle(path)
                opened.merge(rows)
            except (BundleError, StoreError) as error:
                say(str(error))
                failed += 1
                continue
            learners = ", ".join(sorted(rows.learners())) or "nobody"
            typer.echo(f"{path}: {len(rows.steps)} step records of {learners} merged.")
    finally:
        opened.close()
    if failed:
        raise typer.Exit(1)


def export_progress(store: LearnerStore, path: Path) -> None:
    """`tutor progress --export FILE`: this learner's rows as a bundle."""
    from tutor.bundles import BundleError, write_bundle

    rows = store.dump(store.learner)
    try:
        write_bundle(path, rows, store.learner)
    except BundleError as error:
        say(str(error))
        raise typer.Exit(1) from None
    lessons = len({r.lesson for r in rows.steps})
    typer.echo(
        f"Wrote {len(rows.steps)} step records of {store.learner} in {lessons} lessons to {path}."
    )


def reset_everything(yes: bool, ask: bool) -> None:
    """`tutor reset --all`: the progress file (a server store's local copy) is moved aside, so a
    damaged one never stands in the way; what a server holds is kept."""
    from tutor.progress import default_store_path, default_store_url, move_aside, sqlite_path

    path = sqlite_path(default_store_url())
    kept = "" if path else " (your progress on the class's server is kept)"
    path = path or default_store_path()
    if not yes and ask and not typer.confirm(f"Move {path} aside and start afresh{kept}?"):
        raise typer.Exit(1)
    try:
        aside = move_aside(path)
    except OSError as error:
        say(f"cannot move {path} aside: {error.strerror or error}")
        raise typer.Exit(1) from None
    if aside is None:
        typer.echo(f"No progress file at {path}; nothing to clear.")
        return
    typer.echo(f"Moved {path} to {aside}; progress starts afresh{kept}.")
