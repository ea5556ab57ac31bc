"""The interactive front end: a lesson at a prompt-toolkit prompt in the terminal.

    status = run_repl(tutor, screen)          # read, run, judge, until the learner leaves

The lesson's flow (step screens, choice answers, when feedback shows, entering the next step)
is ``tutor.flow.LessonFlow``, shared with the piped front end: this module only reads input
better (highlighting, completion, history, the toolbar and keys of ``tutor.repl.keys``) and keeps
Ctrl-C for the learner's running code. Without a capable terminal (``TERM=dumb``, ``--plain``) the
same flow reads lines with ``input()``.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType

from prompt_toolkit import PromptSession
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.output import ColorDepth
from prompt_toolkit.shortcuts import confirm
from prompt_toolkit.utils import is_dumb_terminal

from tutor.engine import Tutor
from tutor.flow import LessonFlow
from tutor.inputs import Input
from tutor.paths import data_home
from tutor.render import Screen
from tutor.repl.completer import make_completer
from tutor.repl.editing import as_inputs, enter_runs
from tutor.repl.keys import repl_key_bindings
from tutor.repl.lexer import python_lexer, repl_style
from tutor.repl.spinner import Spinner
from tutor.repl.toolbar import make_toolbar
from tutor.repl.typeahead import keys_wait

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
    Enter follows the same rules as in ``Repl`` (``tutor.repl.editing.enter_runs``).
    """

    def __init__(self, tutor: Tutor, screen: Screen) -> None:
        self.tutor = tutor
        self.screen = screen
        self.flow = LessonFlow(tutor, screen)

    def run(self) -> int:
        with leaving_on_hangup():
            self.flow.begin()
            status = self._loop()
        self.flow.goodbye()
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
            status = handle_input(self.flow, as_inputs(text))
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
        self.flow = LessonFlow(tutor, screen)
        self.warm_up = warm_up
        self.session: PromptSession[str] = PromptSession(
            multiline=True,  # Enter is ours: keys.run_or_newline decides run or new line
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
            with self._spinner("getting the lesson ready", hint=""), self._keys_wait():
                self.flow.begin()
            if self.warm_up:
                threading.Thread(target=self._warm_up, name="tutor-warm-up", daemon=True).start()
            status = self._loop()
        self.flow.goodbye()
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
            with self._spinner("running", hint="Ctrl-C stops"), self._keys_wait():
                status = handle_input(self.flow, as_inputs(text))
            if status is not None:
                return status

    def _keys_wait(self) -> contextlib.AbstractContextManager[None]:
        """Keys typed from here to the next prompt reach it as typed: a line typed during a
        long run runs after it, and Ctrl-D leaves (``tutor.repl.typeahead``)."""
        return keys_wait(self.session.input)

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
            width = max(console.width - 2, 20)
            # A training loop's progress replaces the running line, redrawn a few times a second.
            self.flow.show_progress = lambda line, _summary: spinner.show(lambda: line.text(width))
            try:
                yield
            finally:
                console.file = file
                self.flow.show_progress = lambda _line, _summary: None


def handle_input(flow: LessonFlow, items: list[Input]) -> int | None:
    """``flow.handle_cell(items)``, with Ctrl-C kept for the learner's code.

    While the input is handled, Ctrl-C in the front never raises: it is passed to the worker,
    which stops learner code and ignores it otherwise. A ``KeyboardInterrupt`` in the middle of
    talking to the worker would leave a reply unread and the conversation out of step.
    """
    kernel = flow.tutor.kernel

    def forward(signum: int, frame: FrameType | None) -> None:
        if kernel.info is not None:  # a worker still importing torch would die of SIGINT
            kernel.interrupt()

    with _signal_handler(signal.SIGINT, forward):
        return flow.handle_cell(items)


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
