"""The tutor's core loop, shared by every front end: a session, the worker, the progress store.

    tutor = Tutor(lesson, store, Kernel(), on_output=print_chunk)
    tutor.prepare()                  # worker ready, lesson setup run, earlier steps replayed
    tutor.enter_step()               # the current step's given code runs (its output streams)
    result = tutor.submit("y = activation(torch.sum(features * weights) + bias)")
    result.feedback.passed           # -> True; the session has moved to the next step

Nothing here prints: results are plain data that ``tutor.console`` and ``tutor.repl`` render.
If the worker dies, the tutor starts a new one, rebuilds the step's state and says so in the
result (``restarted``); no progress is lost.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tutor.checks.base import Verdict, failed
from tutor.kernel.client import Kernel, OutputCallback, WorkerDied
from tutor.lesson import Lesson, Step
from tutor.progress import ProgressStore
from tutor.session import DONE, Session


@dataclass
class RunResult:
    """What running some code in the worker did."""

    ok: bool = True
    error: str = ""
    explanation: list[str] = field(default_factory=list)
    interrupted: bool = False
    exit_code: int | None = None
    output: str = ""
    hidden_lines: int = 0
    restarted: str = ""  # why the worker was restarted while running this, if it was

    @classmethod
    def from_reply(cls, reply: dict[str, Any]) -> RunResult:
        return cls(
            ok=bool(reply.get("ok", True)),
            error=reply.get("error", ""),
            explanation=list(reply.get("explanation", [])),
            interrupted=bool(reply.get("interrupted", False)),
            exit_code=reply.get("exit_code"),
            output=reply.get("output", ""),
            hidden_lines=int(reply.get("hidden_lines", 0)),
        )


@dataclass
class Feedback:
    """The step's checks on the learner's work. ``shown`` is False for an unrelated exploration."""

    verdicts: list[Verdict]
    passed: bool
    shown: bool
    notes: list[str] = field(default_factory=list)
    explanation: str = ""


@dataclass
class Submission:
    run: RunResult
    feedback: Feedback | None = None

    @property
    def passed(self) -> bool:
        return self.feedback is not None and self.feedback.passed


@dataclass
class ChoiceResult:
    passed: bool
    message: str


class Tutor:
    """One lesson being taken: the session, its worker and where progress is saved."""

    def __init__(
        self,
        lesson: Lesson,
        store: ProgressStore,
        kernel: Kernel,
        on_output: OutputCallback | None = None,
    ) -> None:
        self.lesson = lesson
        self.store = store
        self.kernel = kernel
        self.on_output = on_output
        self.session = Session(lesson, store.load(lesson.id))
        self.resumed = self.session.started
        self._step_output: list[str] = []
        self._input_number = 0

    # -- worker state ------------------------------------------------------------------------

    @property
    def device(self) -> str:
        return self.kernel.wait_ready().device

    def prepare(self) -> RunResult:
        """Wait for the worker, run the lesson's setup and replay the steps before this one.

        Returns the setup's result: a lesson whose setup fails (a damaged data file, say)
        should say so before its first step.
        """
        self.kernel.wait_ready()
        return self._rebuild()

    def _rebuild(self) -> RunResult:
        """Setup, then each earlier step from the learner's own code.

        If that code kills the worker on the way (code can act differently the second time: it
        may read a file it wrote), a new worker rebuilds the steps from their solutions instead.
        """
        try:
            return self._rebuild_with(learner_code=True)
        except WorkerDied:
            self.kernel.restart()
            return self._rebuild_with(learner_code=False)

    def _rebuild_with(self, learner_code: bool) -> RunResult:
        self.kernel.request({"op": "reset_all"})
        setup = RunResult()
        if self.lesson.setup:
            setup = self._exec(self.lesson.setup, "<setup>", quiet=True)
        for index in range(min(self.session.index, len(self.lesson.steps))):
            self._replay_step(index, learner_code)
        return setup

    def _replay_step(self, index: int, learner_code: bool = True) -> None:
        step, record = self.lesson.steps[index], self.session.records[index]
        self._begin(step, quiet=True)
        codes = record.code if learner_code else []
        replayed = [self._exec(code, f"<replay {step.id}>", quiet=True) for code in codes]
        if step.is_choice:
            return
        if record.status != DONE or not codes or not all(r.ok for r in replayed):
            self._exec(step.solution, f"<solution {step.id}>", quiet=True)

    def _replay_current_inputs(self) -> str:
        """Resuming part-way through a step: the inputs that ran so far, in order.

        An input that now kills the worker is dropped and the step rebuilt without it; the
        returned text says so (empty when all went well).
        """
        record = self.session.record
        if record.finished:
            return ""  # revisiting a finished step starts it afresh; its accepted code is kept
        for number, code in enumerate(list(record.code)):
            try:
                self._exec(code, "<replay>", quiet=True)
            except WorkerDied as died:
                record.code = record.code[:number]
                self._save_step()
                self.kernel.restart()
                self._rebuild()
                self._begin(self.session.step, quiet=True)
                self._replay_current_inputs()
                return (
                    f"Replaying your earlier input `{code.splitlines()[0]}` stopped the worker "
                    f"({died.how}); it was left out, and the step rebuilt without it."
                )
        return ""

    def _begin(self, step: Step, quiet: bool) -> RunResult:
        reply = self.kernel.request(
            {
                "op": "begin_step",
                "given": step.given,
                "seed": step.seed,
                "quiet": quiet,
                "filename": f"<given {step.id}>",
                "names": snapshot_names(step),
            },
            None if quiet else self.on_output,
        )
        return RunResult.from_reply(reply)

    def _exec(self, code: str, filename: str, quiet: bool = False) -> RunResult:
        reply = self.kernel.request(
            {"op": "exec", "code": code, "filename": filename, "quiet": quiet},
            None if quiet else self.on_output,
        )
        return RunResult.from_reply(reply)

    def _recover(self, how: str) -> str:
        """Start a new worker, rebuild the current step's state; return what to tell the learner."""
        self.kernel.restart()
        self._rebuild()
        if not self.session.finished:
            self._begin(self.session.step, quiet=True)
            self._replay_current_inputs()
        return (
            f"{how}. A new worker was started and this step's state rebuilt; no progress was lost."
        )

    def _guarded(self, action: Callable[[], Any]) -> tuple[Any, str]:
        """Run ``action``; if the worker dies meanwhile, recover and report how."""
        try:
            return action(), ""
        except WorkerDied as died:
            return None, self._recover(died.how)

    # -- steps -------------------------------------------------------------------------------

    def enter_step(self) -> RunResult:
        """Start the current step: its seed and given code run, and its starting state is kept."""
        self._step_output = []
        self._save_place()
        result, restarted = self._guarded(lambda: self._begin(self.session.step, quiet=False))
        if restarted:
            return RunResult(ok=False, restarted=restarted)
        dropped, restarted = self._guarded(self._replay_current_inputs)
        result.restarted = restarted or dropped or ""
        return result

    def submit(self, code: str) -> Submission:
        """Run the learner's input; for a code step, judge it with the step's checks."""
        self._input_number += 1
        filename = f"<input-{self._input_number}>"
        run, restarted = self._guarded(lambda: self._exec(code, filename))
        if restarted:
            return Submission(RunResult(ok=False, restarted=restarted))
        if not run.ok or run.exit_code is not None or self.session.finished:
            return Submission(run)
        if not self.session.record.finished:  # a revisited step keeps the code it passed with
            self.session.record_input(code)
        self._step_output.append(run.output)
        self._save_step()
        if self.session.step.is_choice:
            return Submission(run)
        feedback, restarted = self._guarded(lambda: self._judge(code))
        if restarted:
            run.restarted = restarted
            return Submission(run)
        return Submission(run, feedback)

    def _judge(self, latest: str) -> Feedback:
        step = self.session.step
        reply = self.kernel.request(
            {
                "op": "check",
                "checks": [(c.name, c.args) for c in step.checks],
                "solution": step.solution,
                "code": "\n".join(self.session.record.code),
                "output": "".join(self._step_output),
                "bound": sorted(bound_names(latest)),
            }
        )
        if "verdicts" not in reply:  # the checking machinery itself failed
            verdicts = [failed("The checks could not run", reply.get("error", ""))]
            return Feedback(verdicts, passed=False, shown=True)
        verdicts: list[Verdict] = reply["verdicts"]
        passed = bool(verdicts) and all(v.passed for v in verdicts)
        if passed and not self._worked_on_here(step):
            return Feedback(verdicts, passed=False, shown=False)  # a value left from before
        notes = list(reply.get("shadowed", []))
        named_otherwise = _misspelling(latest, verdicts) or _renamed(reply, verdicts)
        near_miss = named_otherwise or _out_of_place_twin(latest, step.solution)
        if near_miss and not passed:
            notes.insert(0, near_miss)
        shown = passed or bool(near_miss) or self._is_attempt(latest, step, verdicts)
        if shown:
            self.session.record_attempt(passed)
            self._save_step()
        feedback = Feedback(verdicts, passed, shown, notes=notes)
        if passed:
            feedback.explanation = step.explanation
            self.session.advance()
            self._save_place()
        return feedback

    def _worked_on_here(self, step: Step) -> bool:
        """Whether this step's inputs made what it checks.

        A value left over from an earlier step (a `y` that is already right) must not pass a
        step that asks to compute it again another way: some input here must assign a checked
        name that the solution assigns, or change one in place.
        """
        made = bound_names(step.solution) & step_targets(step)
        if not made or self.session.record.finished:
            return True
        return any(
            bound_names(code) & made or changes_in_place(code, made)
            for code in self.session.record.code
        )

    @staticmethod
    def _is_attempt(latest: str, step: Step, verdicts: list[Verdict]) -> bool:
        """Whether to show a failure: the input was an attempt, and not merely a first part of
        the work (making `a` before the `b` that the check still misses)."""
        if not touches(latest, step_targets(step)):
            return False
        missing = next((v.missing for v in verdicts if not v.passed), "")
        return not missing or missing in (names_in(latest) or set())

    def answer(self, text: str) -> ChoiceResult:
        """Answer a choice step with an option's text or its number."""
        step = self.session.step
        option = match_option(step, text)
        if option is None:
            choices = "; ".join(f"{n}) `{o.text}`" for n, o in enumerate(step.options, start=1))
            near = close_option(step, text)
            guess = f"Did you mean `{near.text}`? " if near else ""
            return ChoiceResult(
                False, f"{guess}Answer with one of the options or its number: {choices}"
            )
        self.session.record.answer = option.text
        passed = option.text == step.answer
        self.session.record_attempt(passed)
        self._save_step()
        if passed:
            message = step.explanation or option.why
            self.session.advance()
            self._save_place()
            return ChoiceResult(True, message)
        why = option.why or "Have another look at the step's text."
        return ChoiceResult(False, f"`{option.text}` is not the answer. {why}")

    # -- learner commands --------------------------------------------------------------------

    def hint(self) -> str | None:
        text = self.session.next_hint()
        self._save_step()
        return text

    def solution(self) -> str:
        text = self.session.show_solution()
        self._save_step()
        return text

    def skip(self) -> str:
        """Mark the step skipped and run its solution quietly, so later steps have its names."""
        step = self.session.step
        if not step.is_choice and self.session.record.status != DONE:
            _, restarted = self._guarded(
                lambda: self._exec(step.solution, f"<solution {step.id}>", quiet=True)
            )
            if restarted:
                return restarted
        self.session.skip()
        self._save_step(self.session.records[self.session.index - 1], step)
        self._save_place()
        return ""

    def back(self) -> bool:
        moved = self.session.back()
        self._save_place()
        return moved

    def go_next(self) -> bool:
        moved = self.session.go_next()
        self._save_place()
        return moved

    def reset_step(self) -> str:
        """Put the namespace back as it was when this step began."""
        _, restarted = self._guarded(lambda: self.kernel.request({"op": "reset_step"}))
        self._step_output = []
        if not self.session.finished and not self.session.record.finished:
            self.session.record.code.clear()  # undone: a resume must not replay it
            self._save_step()
        return restarted

    def restart_worker(self) -> None:
        """A fresh worker, with the lesson's state rebuilt up to this step."""
        self._recover("Restarted on request")

    def variables(self) -> list[dict[str, str]]:
        rows, _ = self._guarded(lambda: self.kernel.request({"op": "vars"}).get("rows", []))
        return rows or []

    def complete(self, source: str) -> list[tuple[str, str, str]]:
        try:
            return self.kernel.request({"op": "complete", "source": source}).get("completions", [])
        except WorkerDied:
            return []

    def progress_line(self) -> str:
        return (
            f"{self.lesson.id}: {self.session.count(DONE)}/{len(self.lesson.steps)} steps complete"
        )

    def close(self) -> None:
        self.kernel.close()

    # -- persistence -------------------------------------------------------------------------

    def _save_step(self, record: Any = None, step: Step | None = None) -> None:
        if step is None:
            if self.session.finished:
                return
            step, record = self.session.step, self.session.record
        self.store.save_step(self.lesson.id, step.id, record)

    def _save_place(self) -> None:
        position = "" if self.session.finished else self.session.step.id
        source = str(self.lesson.source or "")
        self.store.save_place(self.lesson.id, position, source)


_TRUSTED_NAMES = {"torch", "np", "numpy", "nn", "F"}


def snapshot_names(step: Step) -> list[str] | None:
    """The names a step's snapshot must copy: those its solution and checks use (None: all)."""
    used = names_in(step.solution) if step.solution else set()
    if used is None:
        return None
    return sorted(used | step_targets(step))


def step_targets(step: Step) -> set[str]:
    """The learner names a step's checks look at (named arguments, and names in expressions)."""
    import builtins

    from tutor.checks import REGISTRY

    names: set[str] = set()
    for call in step.checks:
        spec = REGISTRY.get(call.name)
        if spec is not None:
            names.update(n.split(".")[0].split("[")[0] for n in spec.target_names(call.args))
        expression = call.args.get("expr")
        if isinstance(expression, str):
            found = names_in(expression) or set()
            names.update(found - _TRUSTED_NAMES - set(vars(builtins)))
    return names


def names_in(code: str) -> set[str] | None:
    """Every name an input mentions, defines or imports; None when it does not parse."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return None
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
    return names


def bound_names(code: str) -> set[str]:
    """The names an input binds at its top level (assigned, defined, imported)."""
    try:
        body = ast.parse(code).body
    except SyntaxError:
        return set()
    bound: set[str] = set()
    for statement in body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(statement.name)
            continue
        for node in ast.walk(statement):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                bound.add(node.id)
    return bound


def _misspelling(latest: str, verdicts: list[Verdict]) -> str:
    """A note when the input defined a name close to the one a check misses (`activaton`)."""
    import difflib

    missing = next((v.missing for v in verdicts if not v.passed), "")
    if not missing:
        return ""
    close = difflib.get_close_matches(missing, sorted(bound_names(latest)), n=1, cutoff=0.75)
    if not close or close[0] == missing:
        return ""
    return f"You defined `{close[0]}`; the step asks for `{missing}`."


def _method_calls(code: str) -> set[str]:
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    return {
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }


def _out_of_place_twin(latest: str, solution: str) -> str:
    """A note when the input called `mul` where the solution changes a tensor with `mul_`."""
    wanted = {m for m in _method_calls(solution) if m.endswith("_") and not m.endswith("__")}
    for method in sorted(wanted):
        if method[:-1] in _method_calls(latest):
            return (
                f"`{method[:-1]}` returns a new tensor and leaves the original as it was; "
                f"`{method}` (with the underscore) changes the tensor itself."
            )
    return ""


def _renamed(reply: dict[str, Any], verdicts: list[Verdict]) -> str:
    """A note when the input made the missing value under another name (`y` for `output`)."""
    alias = reply.get("renamed", "")
    missing = next((v.missing for v in verdicts if not v.passed), "")
    if not alias or not missing:
        return ""
    return f"Your `{alias}` holds what `{missing}` should; the step checks `{missing}`."


def touches(code: str, targets: set[str]) -> bool:
    """Whether an input is an attempt at the step, so that a failing check should be shown.

    Looking is not an attempt: a bare expression (`a`, `print(y)`, `b.shape`) is exploring,
    unless it changes a value in place (`b.mul_(2)`). Anything else that mentions a checked
    name is an attempt; when the checks name nothing (``uses``, ``output``), any non-bare
    input is.
    """
    names = names_in(code)
    if names is None:
        return False
    body = ast.parse(code).body
    if len(body) == 1 and isinstance(body[0], ast.Expr):
        return _changes_in_place(body[0], targets)
    return bool(names & targets) if targets else True


def changes_in_place(code: str, names: set[str]) -> bool:
    """Whether ``code`` calls an in-place method (``mul_``) on one of ``names``."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return False
    return _changes_in_place(tree, names)


def _changes_in_place(expression: ast.AST, targets: set[str]) -> bool:
    """A call of an in-place method (``mul_``, ``resize_``, ``fill_``) on a checked name."""
    for node in ast.walk(expression):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            method = node.func.attr
            if method.endswith("_") and not method.endswith("__"):
                root = node.func.value
                while isinstance(root, (ast.Attribute, ast.Subscript, ast.Call)):
                    root = root.func if isinstance(root, ast.Call) else root.value
                if isinstance(root, ast.Name) and (not targets or root.id in targets):
                    return True
    return False


def match_option(step: Step, text: str) -> Any:
    """The option ``text`` names: its text (ignoring case, backticks, ``()`` and a ``torch.``
    prefix), else its number."""
    answer = text.strip().strip("`'\"").strip()
    wanted = _normalise_option(answer)
    for option in step.options:
        if _normalise_option(option.text) == wanted:
            return option
    if answer.isdigit():
        number = int(answer)
        return step.options[number - 1] if 1 <= number <= len(step.options) else None
    return None


def close_option(step: Step, text: str) -> Any:
    """The option ``text`` nearly names (`resize` for `resize_`), or None."""
    import difflib

    options = {_normalise_option(o.text): o for o in step.options}
    wanted = _normalise_option(text)
    close = difflib.get_close_matches(wanted, list(options), n=1, cutoff=0.75)
    if close:
        return options[close[0]]
    # a word of one option (`channels` for `colour channels`)
    word = text.strip().lower()
    holding = [o for o in step.options if word in o.text.lower().split()]
    return holding[0] if len(word) >= 4 and word.isidentifier() and len(holding) == 1 else None


def _normalise_option(text: str) -> str:
    text = "".join(text.split()).strip("`").lower()  # `(2, )` names the option `(2,)`
    for prefix in ("torch.", "np.", "numpy."):
        text = text.removeprefix(prefix)
    return text[:-2] if text.endswith("()") else text
