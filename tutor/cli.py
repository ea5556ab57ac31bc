"""The ``tutor`` command: a thin layer that parses arguments and calls the core.

Every failure a user can cause ends in one clear line and an exit status, never a traceback.
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tutor.cli_class import LearnerOption, StoreOption, class_app

if TYPE_CHECKING:
    from tutor.kernel.client import Kernel
    from tutor.lesson import Lesson
    from tutor.progress import LearnerStore, ProgressStore

app = typer.Typer(
    name="tutor",
    help="A terminal tutor that teaches PyTorch. Start with: tutor start lesson1",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: flags read as flags, not as `--plain <bool>`
)

TrustOption = Annotated[
    bool,
    typer.Option(
        "--trust",
        help="Run a lesson file without asking first (for scripts and CI). A lesson file runs "
        "Python on your machine; built-in lessons never ask.",
    ),
]

DeviceOption = Annotated[
    str,
    typer.Option(
        "--device", help="Where learner code runs: auto (CUDA, then MPS, then CPU), cpu, cuda, mps."
    ),
]


def fail(message: str, status: int = 1) -> typer.Exit:
    typer.echo(f"tutor: {message}", err=True)
    return typer.Exit(status)


def _open_store(url: str | None = None, learner: str | None = None) -> LearnerStore:
    from tutor.cli_class import open_class_store

    return open_class_store(url, learner, local_copy=True)


@app.command()
def start(
    lesson: Annotated[
        str | None, typer.Argument(help="A lesson id (lesson1) or a YAML file.", metavar="LESSON")
    ] = None,
    device: DeviceOption = "auto",
    plain: Annotated[
        bool, typer.Option("--plain", help="No colour, no full-screen features.")
    ] = False,
    trust: TrustOption = False,
    store: StoreOption = None,
    learner: LearnerOption = None,
) -> None:
    """Take a lesson: read a step, type Python, get feedback. Progress is saved as you go."""
    from tutor.early import plain_output, take_kernel

    if device not in ("auto", "cpu", "cuda", "mps") and not device.startswith("cuda:"):
        raise fail(f"unknown device '{device}': use auto, cpu, cuda or mps", 2)
    kernel = take_kernel(device, plain)  # torch imports in the worker while the lesson loads
    try:
        status = _run_lesson(
            lesson, kernel, plain_output(plain), not plain, _open_store(store, learner), trust
        )
    finally:
        kernel.close()
    raise typer.Exit(status)


def _run_lesson(
    name: str | None,
    kernel: Kernel,
    plain: bool,
    line_editing: bool,
    store: LearnerStore,
    trust: bool = False,
) -> int:
    from tutor.catalog import LessonNotFound, find_lesson
    from tutor.engine import Tutor
    from tutor.kernel.client import WorkerDied, WorkerUnavailable
    from tutor.lesson import LessonError
    from tutor.render import Screen, make_console

    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    if name is None:
        name = _choose_lesson(store, interactive, plain=not line_editing)
        if name is None:
            return 0
    try:
        lesson = find_lesson(name)
    except LessonNotFound as error:
        raise fail(str(error), 2) from None
    except LessonError as error:
        for problem in error.problems:
            typer.echo(str(problem), err=True)
        raise fail(f"{name} is not a valid lesson; fix the lines above") from None
    _ensure_trusted(lesson, trust)
    screen = Screen(make_console(plain), plain=plain)
    tutor = Tutor(lesson, store, kernel, on_output=screen.output)
    others = store.open_session(lesson.id)
    if others:
        from tutor.progress import sessions_notice

        screen.message(sessions_notice(others), "dim")
    try:
        if interactive:  # NO_COLOR keeps the REPL, without colour; --plain reads plain lines
            from tutor.repl import run_repl

            return run_repl(tutor, screen, line_editing=line_editing)
        from tutor.console import ConsoleFrontEnd

        return ConsoleFrontEnd(tutor, screen, echo=not sys.stdin.isatty()).run(sys.stdin)
    except WorkerUnavailable as error:
        raise fail(str(error)) from None
    except WorkerDied as died:
        raise fail(f"{died.how} and could not be restarted; your progress is saved") from None
    finally:
        store.close()


def _ensure_trusted(lesson: Lesson, trust: bool) -> None:
    """A lesson file from elsewhere runs only once the learner has said yes (see tutor.trust)."""
    from tutor.trust import NotTrusted, ensure_trusted

    ask = (lambda q: typer.confirm(q, default=False)) if sys.stdin.isatty() else None
    try:
        ensure_trusted(lesson, trust=trust, ask=ask, show=typer.echo)
    except NotTrusted as error:
        raise fail(str(error)) from None


def _choose_lesson(store: ProgressStore, interactive: bool, plain: bool) -> str | None:
    """The lesson to continue, else the lesson menu (interactive) or the first lesson."""
    from tutor.catalog import first_lesson_id, lesson_to_resume

    name = lesson_to_resume(store)
    if name is not None:
        return name
    if interactive:
        from tutor.repl import choose_lesson_menu

        return choose_lesson_menu(store, plain=plain)
    return first_lesson_id(store)


@app.command("list")
def list_lessons() -> None:
    """List the built-in lessons with your progress."""
    from tutor.catalog import lesson_rows
    from tutor.early import plain_output
    from tutor.render import Screen, make_console

    rows = lesson_rows(_open_store())
    Screen(make_console(plain_output(False))).lesson_table(rows)


@app.command()
def progress(
    lesson: Annotated[
        str | None, typer.Argument(help="One lesson id; all lessons if omitted.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    export: Annotated[
        Path | None, typer.Option("--export", help="Write your progress to FILE, a JSON bundle.")
    ] = None,
    store_url: StoreOption = None,
    learner: LearnerOption = None,
) -> None:
    """Show your progress, per lesson and step (or --export it for `tutor class import`)."""
    from tutor.catalog import LessonNotFound, builtin_lessons, find_lesson, started_file_lessons
    from tutor.lesson import LessonError
    from tutor.reports import progress_report

    store = _open_store(store_url, learner)
    if export:
        from tutor.cli_class import export_progress

        return export_progress(store, export)
    try:
        lessons = (
            [find_lesson(lesson, store)]
            if lesson
            else [*builtin_lessons(), *started_file_lessons(store)]
        )
    except (LessonNotFound, LessonError) as error:
        raise fail(str(error), 2) from None
    report = progress_report(lessons, store)
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    from tutor.early import plain_output
    from tutor.render import Screen, make_console, progress_tables

    Screen(make_console(plain_output(False))).show(*progress_tables(report))


@app.command()
def reset(
    lesson: Annotated[
        str | None, typer.Argument(help="The lesson id whose progress to clear.")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    every: Annotated[
        bool, typer.Option("--all", help="Every lesson: the progress file is moved aside.")
    ] = False,
) -> None:
    """Clear your progress in one lesson, or in all (--all, also for a damaged file)."""
    from tutor.catalog import LessonNotFound, find_lesson
    from tutor.lesson import LessonError

    if every or lesson is None:
        if lesson is not None or not every:
            raise fail("name one lesson to clear, or --all for every lesson", 2)
        from tutor.checkpoints import clear_all_checkpoints
        from tutor.cli_class import reset_everything

        reset_everything(yes, sys.stdin.isatty())
        clear_all_checkpoints()
        return

    try:
        lesson_id = find_lesson(lesson, _open_store()).id
    except LessonNotFound as error:
        raise fail(str(error), 2) from None
    except LessonError:
        lesson_id = lesson
    if not yes and sys.stdin.isatty() and not typer.confirm(f"Clear all progress in {lesson_id}?"):
        raise typer.Exit(1)
    _open_store().reset(lesson_id)
    from tutor.checkpoints import clear_checkpoints

    clear_checkpoints(lesson_id)
    typer.echo(f"Progress in {lesson_id} cleared.")


@app.command()
def export(
    lesson: Annotated[str, typer.Argument(help="A lesson id (lesson1) or a YAML file.")],
    to: Annotated[
        Path, typer.Option("--to", help="The folder to write into.", file_okay=False)
    ] = Path("."),
    store_url: StoreOption = None,
    learner: LearnerOption = None,
) -> None:
    """Write your accepted code in a lesson as LESSON.py and LESSON.ipynb (a Jupyter notebook)."""
    from tutor.catalog import LessonNotFound, find_lesson
    from tutor.export import write_files
    from tutor.lesson import LessonError

    try:
        found = find_lesson(lesson)
    except (LessonNotFound, LessonError) as error:
        raise fail(str(error), 2) from None
    records = _open_store(store_url, learner).load(found.id)
    try:
        script, notebook = write_files(found, records, to)
    except OSError as error:
        raise fail(f"cannot write into {to}: {error.strerror or error}") from None
    typer.echo(f"Wrote {script} and {notebook}.")


@app.command()
def validate(paths: Annotated[list[Path], typer.Argument(help="Lesson YAML files.")]) -> None:
    """Check lesson files against the schema; print each problem as file:line:col: message.

    Validating never runs the lesson's code, so it is safe on a file from anyone.
    """
    from tutor.lesson import validate_file

    problems = [problem for path in paths for problem in validate_file(path)]
    for problem in problems:
        typer.echo(str(problem))
    if problems:
        raise typer.Exit(1)
    typer.echo(f"{len(paths)} lesson file{'s' if len(paths) != 1 else ''} valid.")


@app.command()
def schema() -> None:
    """Print the JSON Schema of lesson files (for editors' YAML plugins)."""
    from tutor.schema import lesson_schema

    typer.echo(json.dumps(lesson_schema(), indent=2))


@app.command("test")
def test_lessons(
    lessons: Annotated[
        list[str] | None,
        typer.Argument(help="Lesson ids or YAML files; all built-in if omitted."),
    ] = None,
    device: DeviceOption = "auto",
    trust: TrustOption = False,
) -> None:
    """Run each step's solution through its checks (must pass) and an empty attempt (must fail)."""
    from tutor.catalog import LessonNotFound, builtin_paths, find_lesson
    from tutor.kernel.client import Kernel
    from tutor.lesson import LessonError
    from tutor.lessontest import test_lesson

    names = lessons or [p.stem for p in builtin_paths()]
    kernel = Kernel(device=device)
    failures = 0
    try:
        for name in names:
            try:
                lesson = find_lesson(name)
            except LessonNotFound as error:
                typer.echo(f"FAIL {name}: {error}")
                failures += 1
                continue
            except LessonError as error:
                for problem in error.problems:
                    typer.echo(f"FAIL {problem}")
                failures += 1
                continue
            _ensure_trusted(lesson, trust)
            report = test_lesson(lesson, kernel)
            for step in report.steps:
                mark = "ok  " if step.ok else "FAIL"
                typer.echo(
                    f"{mark} {lesson.id}/{step.step_id}"
                    + (f": {step.problem}" if step.problem else "")
                )
                if step.slow:
                    typer.echo(
                        f"slow {lesson.id}/{step.step_id}: its solution ran {step.seconds:.1f} s; "
                        "learners wait at least that long"
                    )
            if report.problem:
                typer.echo(f"FAIL {lesson.id}: {report.problem}")
            failures += 0 if report.ok else 1
            passed = sum(1 for s in report.steps if s.ok)
            typer.echo(f"{lesson.id}: {passed}/{len(lesson.steps)} steps pass")
    finally:
        kernel.close()
    if failures:
        raise typer.Exit(1)


data_app = typer.Typer(help="Data sets: the bundled subsets, or the full sets once fetched.")
app.add_typer(data_app, name="data")
app.add_typer(class_app, name="class")


@data_app.command("fetch")
def data_fetch(
    datasets: Annotated[
        list[str] | None, typer.Argument(help="mnist, fashion-mnist (both if omitted).")
    ] = None,
    mirror: Annotated[
        str | None, typer.Option("--mirror", help="A base URL serving the IDX .gz files.")
    ] = None,
) -> None:
    """Download the full MNIST / Fashion-MNIST sets (checksums verified) for the lessons."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TaskID, TextColumn

    from tutor.fetch import FetchError, fetch

    names = datasets or ["mnist", "fashion-mnist"]
    with Progress(
        TextColumn("{task.description}"), BarColumn(), DownloadColumn(), transient=False
    ) as bars:
        tasks: dict[str, TaskID] = {}

        def show(name: str, done: int, total: int | None) -> None:
            if name not in tasks:
                tasks[name] = bars.add_task(name, total=total)
            bars.update(tasks[name], completed=done, total=total)

        for name in names:
            try:
                paths = fetch(name, base_url=mirror, on_progress=show)
            except FetchError as error:
                raise fail(str(error)) from None
            bars.console.print(f"{name}: {len(paths)} files in {paths[0].parent}")


def main() -> None:
    for stream in (sys.stdout, sys.stderr):  # a ✓ must not crash an ASCII-only terminal
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="replace")  # type: ignore[union-attr]
    try:
        app()
    except Exception as error:  # a store that fails after it opened: still one line
        store = sys.modules.get("tutor.progress.store")  # loaded if it raised: no import cost
        if store is None or not isinstance(error, store.StoreError):
            raise
        typer.echo(f"tutor: {error}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        typer.echo("", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
