"""The interactive front end: a lesson at a prompt-toolkit prompt in the terminal.

    status = run_repl(tutor, screen)          # read, run, judge, until the learner leaves
    name = choose_lesson_menu(store)          # "lesson1", or None if the learner backed out

The lesson's flow (step screens, choice answers, when feedback shows, entering the next step)
is ``ConsoleFrontEnd``'s, shared with the piped front end: this module only reads input better
(highlighting, completion, history, the toolbar and keys of ``repl_keys``) and keeps Ctrl-C
for the learner's running code. Without a capable terminal (``TERM=dumb``, ``--plain``) the
same flow reads lines with ``input()``.
"""

from __future__ import annotations

import contextlib
import shutil
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType

from prompt_toolkit import PromptSession
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.output import ColorDepth
from prompt_toolkit.shortcuts import confirm
from prompt_toolkit.utils import is_dumb_terminal

from tutor.console import ConsoleFrontEnd
from tutor.engine import Tutor
from tutor.inputs import Input
from tutor.paths import data_home
from tutor.progress import ProgressStore
from tutor.render import Screen
from tutor.repl_completer import make_completer
from tutor.repl_editing import as_inputs, enter_runs
from tutor.repl_keys import repl_key_bindings
from tutor.repl_lexer import python_lexer, repl_style
from tutor.repl_spinner import Spinner
from tutor.repl_toolbar import make_toolbar

PROMPT = ">>> "
CONTINUATION = "... "
# Completing these once while the learner reads the first step loads jedi's view of torch and
# of the builtins, so that the first Tab is as quick as the rest.
WARM_UP = ("torch.ra", "pri")


def run_repl(tutor: Tutor, screen: Screen, line_editing: bool = True) -> int:
    """Take the lesson at an interactive prompt; return the process exit status.

    ``line_editing=False`` (``--plain``) or a ``TERM=dumb`` terminal reads plain lines instead.
    """
    if not line_editing or is_dumb_terminal():
        return LineRepl(tutor, screen).run()
    return Repl(tutor, screen).run()


def history_path(lesson_id: str) -> Path:
    """Where a lesson's input history is kept across runs."""
    return data_home() / "history" / f"{lesson_id}.txt"


def _history(lesson_id: str) -> History:
    path = history_path(lesson_id)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    except OSError:
        return InMemoryHistory()  # a read-only home must not stop the lesson
    return FileHistory(str(path))


class LineRepl:
    """The lesson's flow over plain ``input()`` lines, with ``>>>`` and ``...`` prompts.

    Used where prompt-toolkit can't draw (``TERM=dumb``) or was asked not to (``--plain``);
    Enter follows the same rules as in ``Repl`` (``repl_editing.enter_runs``).
    """

    def __init__(self, tutor: Tutor, screen: Screen) -> None:
        self.tutor = tutor
        self.screen = screen
        self.front = ConsoleFrontEnd(tutor, screen, echo=False)

    def run(self) -> int:
        with leaving_on_hangup():
            self.front.begin()
            status = self._loop()
        say_goodbye(self.tutor, self.screen)
        return status

    def _loop(self) -> int:
        while True:
            try:
                text = self.read()
            except EOFError:
                print()
                return 0
            except KeyboardInterrupt:
                print()
                self.screen.message("KeyboardInterrupt (Ctrl-D or `%quit` leaves)", "dim")
                continue
            for item in as_inputs(text):
                status = handle_input(self.front, item)
                if status is not None:
                    return status

    def read(self) -> str:
        """One input: lines until ``enter_runs`` says it is complete."""
        lines = [input(PROMPT)]
        while not enter_runs("\n".join(lines)):
            lines.append(input(CONTINUATION))
        return "\n".join(lines)


class Repl:
    """The lesson at a prompt-toolkit prompt: highlighting, completion, history, toolbar, keys.

    Tests pass no terminal: inside ``create_app_session(input=pipe_input, output=DummyOutput())``
    the prompt reads the pipe, and the ``Screen`` may write to a ``StringIO``.
    """

    def __init__(self, tutor: Tutor, screen: Screen, warm_up: bool = True) -> None:
        self.tutor = tutor
        self.screen = screen
        self.front = ConsoleFrontEnd(tutor, screen, echo=False)
        self.warm_up = warm_up
        self.session: PromptSession[str] = PromptSession(
            multiline=True,  # Enter is ours: repl_keys.run_or_newline decides run or new line
            lexer=None if screen.plain else python_lexer(),
            style=repl_style(screen.plain),
            include_default_pygments_style=False,
            color_depth=ColorDepth.MONOCHROME if screen.plain else None,
            completer=make_completer(tutor),
            complete_while_typing=False,  # Tab completes, as in Python's console and IPython
            history=_history(tutor.lesson.id),
            search_ignore_case=True,
            key_bindings=repl_key_bindings(tutor, screen),
            bottom_toolbar=make_toolbar(tutor),
            prompt_continuation=[("class:continuation", CONTINUATION)],
            tempfile_suffix=".py",  # $EDITOR highlights the input as Python
        )

    def run(self) -> int:
        with leaving_on_hangup():
            # Ctrl-C here leaves the tutor (no learner code runs yet), so the line doesn't offer it.
            with self._spinner("getting the lesson ready", hint=""):
                self.front.begin()
            if self.warm_up:
                threading.Thread(target=self._warm_up, name="tutor-warm-up", daemon=True).start()
            status = self._loop()
        say_goodbye(self.tutor, self.screen)
        return status

    def _warm_up(self) -> None:
        for source in WARM_UP:
            self.tutor.complete(source)

    def _loop(self) -> int:
        interrupts = 0  # Ctrl-C presses in a row at an empty prompt
        while True:
            try:
                text = self.session.prompt([("class:prompt", PROMPT)])
            except EOFError:
                return 0
            except KeyboardInterrupt:
                if self.session.default_buffer.text.strip():
                    interrupts = 0  # it only dropped what was being typed
                    continue
                interrupts += 1
                if interrupts == 1:
                    self.screen.message(
                        "Ctrl-C again to leave, or Ctrl-D. Your progress is kept.", "dim"
                    )
                    continue
                if self._confirm_leave():
                    return 0
                interrupts = 0
                continue
            interrupts = 0
            for item in as_inputs(text):
                with self._spinner("running", hint="Ctrl-C stops"):
                    status = handle_input(self.front, item)
                if status is not None:
                    return status

    def _confirm_leave(self) -> bool:
        try:
            return confirm("Leave the tutor? Your progress is kept.")
        except (KeyboardInterrupt, EOFError):
            return True

    @contextlib.contextmanager
    def _spinner(self, label: str, hint: str) -> Iterator[None]:
        """While a step runs, a calm spinner line on a real terminal (never in plain mode)."""
        console = self.screen.console
        file = console.file
        if self.screen.plain or not file.isatty():
            yield
            return
        with Spinner(file, label, hint) as spinner:
            console.file = spinner  # type: ignore[assignment]
            try:
                yield
            finally:
                console.file = file


def handle_input(front: ConsoleFrontEnd, item: Input) -> int | None:
    """``front.handle(item)``, with Ctrl-C kept for the learner's code.

    While the input is handled, Ctrl-C in the front never raises: it is passed to the worker,
    which stops learner code and ignores it otherwise. A ``KeyboardInterrupt`` in the middle of
    talking to the worker would leave a reply unread and the conversation out of step.
    """
    kernel = front.tutor.kernel

    def forward(signum: int, frame: FrameType | None) -> None:
        if kernel.info is not None:  # a worker still importing torch would die of SIGINT
            kernel.interrupt()

    with _signal_handler(signal.SIGINT, forward):
        return front.handle(item)


@contextlib.contextmanager
def _signal_handler(
    signum: int, handler: Callable[[int, FrameType | None], None]
) -> Iterator[None]:
    """``handler`` for ``signum`` inside the block (only the main thread may set one)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signum, handler)
    try:
        yield
    finally:
        signal.signal(signum, previous)


@contextlib.contextmanager
def leaving_on_hangup() -> Iterator[None]:
    """Closing the terminal (SIGHUP) or ``kill`` (SIGTERM) leave as Ctrl-D does, only quietly.

    Python's default would end the process on the spot, leaving the terminal in raw mode; an
    exception unwinds prompt-toolkit (which restores the terminal) and the CLI (which stops the
    worker). Progress needs nothing: every step is saved when it happens.
    """

    def leave(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    with contextlib.ExitStack() as stack:
        for signum in (signal.SIGTERM, signal.SIGHUP):
            stack.enter_context(_signal_handler(signum, leave))
        yield


def say_goodbye(tutor: Tutor, screen: Screen) -> None:
    screen.message(tutor.progress_line())
    if not tutor.session.finished:
        screen.message("Your progress is saved: `tutor start` continues from here.", "dim")


# -- choosing a lesson -----------------------------------------------------------------------


def choose_lesson_menu(store: ProgressStore, plain: bool = False) -> str | None:
    """Ask which built-in lesson to take, showing each one's progress; None if none is chosen.

    ``plain`` (or a dumb terminal) asks for a number instead of drawing an arrow-key menu.
    """
    from tutor.catalog import lesson_rows

    rows = lesson_rows(store)
    if not rows:
        print("No lessons are installed.", file=sys.stderr)
        return None
    if plain or is_dumb_terminal():
        return _choose_by_number(rows)
    from prompt_toolkit.shortcuts import choice

    width = shutil.get_terminal_size().columns - 10  # the menu's "  >  1. " margin
    options = [(lesson, _menu_label(title, progress, width)) for lesson, title, progress in rows]
    try:
        return choice("Which lesson? (arrows and Enter; Ctrl-C leaves)", options=options)
    except (KeyboardInterrupt, EOFError):
        return None


def _menu_label(title: str, progress: str, width: int) -> str:
    """``Tensors in PyTorch · 3/12 done``, shortened to fit: the menu cuts, never wraps."""
    label = f"{title} · {progress}"
    if len(label) > width:
        label = f"{title} · {progress.split(' (')[0]}"  # "not started (12 steps)" -> "not started"
    return label if len(label) <= width else label[: max(width - 1, 1)] + "…"


def _choose_by_number(rows: list[tuple[str, str, str]]) -> str | None:
    for number, (_, title, progress) in enumerate(rows, start=1):
        print(f"  {number}) {title} · {progress}")
    while True:
        try:
            answer = input("Which lesson? (number, Enter for 1) ").strip()
        except (KeyboardInterrupt, EOFError):
            print()
            return None
        if not answer:
            return rows[0][0]
        if answer.isdigit() and 1 <= int(answer) <= len(rows):
            return rows[int(answer) - 1][0]
        if answer in {lesson for lesson, _, _ in rows}:
            return answer
