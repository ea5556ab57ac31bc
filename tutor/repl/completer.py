"""Tab completion from the learner's live namespace, which lives in the worker.

    completer = make_completer(tutor)   # a ThreadedCompleter: typing never waits for the worker
    TutorCompleter(tutor).get_completions(Document("torch.ra"), CompleteEvent())
    # -> Completion("rand", start_position=-2, display_meta="function"), ...

jedi runs in the worker over the real objects (``Tutor.complete``), so ``features.<Tab>`` lists
tensor methods and ``model.fc1.<Tab>`` a layer's attributes. A ``%`` at the start of the line
completes the tutor's commands instead.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from prompt_toolkit.completion import CompleteEvent, Completer, Completion, ThreadedCompleter
from prompt_toolkit.document import Document

from tutor.commands import COMMANDS
from tutor.engine import Tutor


class TutorCompleter(Completer):
    """Completions for the text before the cursor: tutor commands, else names from the worker."""

    def __init__(self, tutor: Tutor) -> None:
        self.tutor = tutor
        self._asking = threading.Lock()  # held while the worker is asked for completions

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterable[Completion]:
        before = document.text_before_cursor
        if before.lstrip().startswith("%") and "\n" not in before:
            yield from _command_completions(before.lstrip())
            return
        if not before.strip():
            return  # Tab at the start of a line indents (see tutor.repl.keys); nothing to offer
        # One question to the worker at a time: Tabs pressed while one is answered offer
        # nothing rather than queue up in front of the learner's next input.
        if not self._asking.acquire(blocking=False):
            return
        try:
            found = self.tutor.complete(before)
        finally:
            self._asking.release()
        for rest, name, kind in found:
            typed = len(name) - len(rest)
            if typed < 0:
                continue  # jedi's fuzzy matches don't end the typed word; skip them
            yield Completion(name, start_position=-typed, display_meta=kind)


def _command_completions(typed: str) -> Iterable[Completion]:
    word = typed[1:]
    for name, command in COMMANDS.items():
        if name.startswith(word):
            summary = (command.__doc__ or "").strip().rstrip(".")
            yield Completion("%" + name, start_position=-len(typed), display_meta=summary)


def make_completer(tutor: Tutor) -> Completer:
    """The REPL's completer: ``TutorCompleter`` run in a thread, so the prompt stays live."""
    return ThreadedCompleter(TutorCompleter(tutor))
