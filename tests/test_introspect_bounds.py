"""`%vars` and Tab never hang the tutor on the learner's slow or endless code.

Before, `%vars` on an object whose `__repr__` looped, or Tab on an object whose `__getattr__`,
`__dir__` or a property was slow, held the worker for good (Ctrl-C ignored: it only reaches
learner code that is running). Now each value and each completion has a time budget.
"""

from __future__ import annotations

import threading
import time

from tutor.kernel.client import Kernel
from tutor.kernel.introspect import COMPLETION_BUDGET, TOO_LONG, VALUE_BUDGET, bounded

SLOW_OBJECTS = """
import time

class EndlessRepr:
    def __repr__(self):
        while True:
            pass

class SleepyRepr:
    def __repr__(self):
        time.sleep(60)
        return "late"

class Stubborn:
    def __repr__(self):  # catches the first interruption and carries on
        while True:
            try:
                while True:
                    pass
            except BaseException:
                break
        return "gave up"

class SlowAttributes:
    def __getattr__(self, name):
        while True:
            pass
    def __dir__(self):
        time.sleep(60)
        return []

class SlowProperty:
    @property
    def weights(self):
        while True:
            pass

endless, sleepy, stubborn = EndlessRepr(), SleepyRepr(), Stubborn()
attrs, prop = SlowAttributes(), SlowProperty()
count = 3
"""


def rows_by_name(kernel: Kernel) -> dict[str, dict[str, str]]:
    return {row["name"]: row for row in kernel.variables()}


def test_vars_shows_a_value_whose_repr_loops_as_not_shown(kernel: Kernel) -> None:
    assert kernel.exec(SLOW_OBJECTS)["ok"]
    started = time.monotonic()
    rows = rows_by_name(kernel)
    elapsed = time.monotonic() - started
    assert rows["endless"]["value"] == TOO_LONG and rows["endless"]["type"] == "EndlessRepr"
    assert rows["sleepy"]["value"] == TOO_LONG
    assert rows["count"]["value"] == "3"  # the others are still described
    assert elapsed < 3 * VALUE_BUDGET + 5  # three slow values, each cut at its budget
    # The worker is free: the next input runs.
    assert kernel.exec("print(count + 1)")["output"] == "4\n"


def test_a_repr_that_catches_the_interruption_is_still_stopped(kernel: Kernel) -> None:
    kernel.exec(SLOW_OBJECTS)
    assert rows_by_name(kernel)["stubborn"]["value"] == "gave up"


def test_tab_on_an_object_with_slow_attributes_returns_within_its_budget(kernel: Kernel) -> None:
    kernel.exec(SLOW_OBJECTS)
    kernel.complete("cou")  # jedi's first, cold call
    for source in ("attrs.", "attrs.we", "prop.weights.", "prop.", "attrs.x."):
        started = time.monotonic()
        reply = kernel.complete(source)
        assert isinstance(reply, list)
        assert time.monotonic() - started < COMPLETION_BUDGET + 3, source
    assert kernel.exec("print(count)")["output"] == "3\n"


def test_the_next_input_runs_while_a_slow_completion_is_answered(kernel: Kernel) -> None:
    kernel.exec(SLOW_OBJECTS)
    kernel.complete("cou")
    asking = threading.Thread(target=kernel.complete, args=("attrs.x.",))
    asking.start()
    time.sleep(0.1)  # the completion holds the worker now
    started = time.monotonic()
    reply = kernel.exec("print('ran')")
    assert reply["output"] == "ran\n"
    assert time.monotonic() - started < COMPLETION_BUDGET + 3
    asking.join()


def test_the_learners_own_alarm_survives_a_bounded_call() -> None:
    import signal

    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *_: fired.append(True))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        assert bounded(lambda: 1 + 1, 1.0, 0) == 2
        assert bounded(lambda: time.sleep(5), 0.05, "late") == "late"
        time.sleep(0.5)
        assert fired == [True]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_tab_pressed_again_while_the_worker_answers_offers_nothing_at_once(
    kernel: Kernel, write_lesson, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from prompt_toolkit.completion import CompleteEvent
    from prompt_toolkit.document import Document

    from tutor.engine import Tutor
    from tutor.lesson import load_lesson
    from tutor.progress import SQLiteStore
    from tutor.repl.completer import TutorCompleter

    lesson = load_lesson(
        write_lesson(
            "id: t\ntitle: T\nsteps:\n  - id: a\n    text: A.\n    solution: x = 1\n"
            "    checks:\n      - defined: x\n"
        )
    )
    tutor = Tutor(lesson, SQLiteStore(tmp_path / "progress.sqlite3"), kernel)
    kernel.exec(SLOW_OBJECTS)
    kernel.complete("cou")
    completer = TutorCompleter(tutor)

    def tab(source: str) -> list[str]:
        found = completer.get_completions(
            Document(source), CompleteEvent(completion_requested=True)
        )
        return [c.text for c in found]

    first = threading.Thread(target=tab, args=("attrs.x.",))
    first.start()
    time.sleep(0.2)
    started = time.monotonic()
    assert tab("cou") == []  # the first Tab is still being answered: no queue behind it
    assert time.monotonic() - started < 0.5
    first.join()
    assert tab("cou") == ["count"]
