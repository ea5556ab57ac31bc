"""Judging a learner's input: when a step's verdicts count, and the notes that name a near miss.

    feedback = judge(step, codes, latest="y = activation(z)", reply=kernel.check(...))
    feedback.shown      # False: the input only looked at something, so no verdict is shown
    touches("b.shape", {"b"})          # -> False: looking is not an attempt
    bound_names("a, b = 1, 2")         # -> {"a", "b"}

Everything here is plain Python over source text, step definitions and check replies: the
heuristics are tested without a worker.
"""

from __future__ import annotations

import ast
import builtins
import difflib

from tutor.checks import REGISTRY
from tutor.checks.base import Verdict, failed
from tutor.checks.reading import called_name
from tutor.kernel.protocol import CheckReply
from tutor.lesson import Step
from tutor.results import Feedback


def judge(step: Step, codes: list[str], latest: str, reply: CheckReply, revisit: bool) -> Feedback:
    """The feedback on ``latest``, the newest of this step's inputs ``codes``.

    ``revisit``: the step was finished before, so values left from then may pass it again.
    """
    if "verdicts" not in reply:  # the checking machinery itself failed
        broken = [failed("The checks could not run", reply.get("error", ""))]
        return Feedback(broken, passed=False, shown=True)
    verdicts: list[Verdict] = reply["verdicts"]
    passed = bool(verdicts) and all(v.passed for v in verdicts)
    if passed and not revisit and not worked_on_here(step, codes):
        return Feedback(verdicts, passed=False, shown=False)  # a value left from before
    targets = step_targets(step)
    if passed and revisit and targets and not touches(latest, targets):
        # Back at a finished step, looking around (`type(model)`) is not doing it again (a
        # step whose checks read only the output is done by looking, though).
        return Feedback(verdicts, passed=False, shown=False)
    notes = list(reply.get("shadowed", []))
    named_otherwise = misspelling(latest, verdicts, step_targets(step)) or renamed_note(
        reply, verdicts
    )
    near_miss = named_otherwise or out_of_place_twin(latest, step.solution)
    near_miss = near_miss or defined_otherwise(latest, step, verdicts)
    if near_miss and not passed:
        notes.insert(0, near_miss)
    shown = passed or bool(near_miss) or is_attempt(latest, step, verdicts)
    partial = not shown and made_part(latest, step, verdicts)
    if partial:
        missing = next(v.missing for v in verdicts if not v.passed)
        notes.insert(0, f"So far so good. The step also asks for `{missing}`.")
    feedback = Feedback(verdicts, passed, shown or partial, notes=notes, partial=partial)
    if passed:
        feedback.explanation = step.explanation
    return feedback


def worked_on_here(step: Step, codes: list[str]) -> bool:
    """Whether this step's inputs made what it checks.

    A value left over from an earlier step (a `y` that is already right) must not pass a
    step that asks to compute it again another way: some input here must assign a checked
    name that the solution assigns, or change one in place.
    """
    made = bound_names(step.solution) & step_targets(step)
    if not made:
        return True
    return any(bound_names(code) & made or changes_in_place(code, made) for code in codes)


def made_part(latest: str, step: Step, verdicts: list[Verdict]) -> bool:
    """Whether ``latest`` made a part the step checks (a right `activation`) while another
    part is still missing (`y` not made yet): worth an acknowledgement, not a failure."""
    failing = next((v for v in verdicts if not v.passed), None)
    if failing is None or not failing.missing:
        return False
    made = bound_names(latest) & step_targets(step)
    return bool(made) and failing.missing not in made and any(v.passed for v in verdicts)


def is_attempt(latest: str, step: Step, verdicts: list[Verdict]) -> bool:
    """Whether to show a failure: the input was an attempt, and not merely a first part of
    the work (making `a` before the `b` that the check still misses)."""
    if not touches(latest, step_targets(step)):
        return False
    if only_sets_up(latest, step, verdicts):
        return False
    missing = next((v.missing for v in verdicts if not v.passed), "")
    return not missing or missing in (names_in(latest) or set())


# Checks of what training did: they fail until the training has run.
_CHECKS_OF_RESULTS = {"loss_falls", "optimizer_stepped", "accuracy", "gradients"}


def only_sets_up(latest: str, step: Step, verdicts: list[Verdict]) -> bool:
    """Whether ``latest`` only gets things ready (`losses = []`, `model = Net()`) for a step
    whose failing check judges what training did: too early for a failure."""
    failing = next((i for i, v in enumerate(verdicts) if not v.passed), None)
    if failing is None or failing >= len(step.checks):
        return False
    if step.checks[failing].name not in _CHECKS_OF_RESULTS:
        return False
    try:
        body = ast.parse(latest).body
    except SyntaxError:
        return False
    return bool(body) and all(_gets_ready(statement) for statement in body)


# Methods that switch a network or optimizer into a state, rather than compute a result.
_SWITCHES = {"train", "eval", "to", "cuda", "cpu", "zero_grad", "requires_grad_"}


def _gets_ready(statement: ast.stmt) -> bool:
    """An import, a switch (`model.train()`), or a name given a fresh start: an empty or zero
    value (`losses = []`, `correct = 0`) or a new object (`model = Net()`,
    `optimizer = optim.SGD(...)`). A computed value (`accuracy = correct / total`) is a result,
    to be judged."""
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return True
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
        call = statement.value  # `model.train()`, `optimizer.zero_grad()`
        return isinstance(call.func, ast.Attribute) and called_name(call) in _SWITCHES
    if not isinstance(statement, (ast.Assign, ast.AnnAssign)) or statement.value is None:
        return False
    value = statement.value
    if isinstance(value, (ast.List, ast.Dict, ast.Tuple, ast.Set)):
        return not (value.keys if isinstance(value, ast.Dict) else value.elts)
    if isinstance(value, ast.Constant):
        return value.value in (0, 0.0, None, "")
    if isinstance(value, ast.Call):  # a class made: `Net()`, `nn.NLLLoss()`, `optim.Adam(...)`
        return called_name(value)[:1].isupper()
    return False


_TRUSTED_NAMES = {"torch", "np", "numpy", "nn", "F"}


def snapshot_names(step: Step) -> list[str] | None:
    """The names a step's snapshot must copy: those its solution and checks use (None: all)."""
    used = names_in(step.solution) if step.solution else set()
    if used is None:
        return None
    return sorted(used | step_targets(step))


def step_targets(step: Step) -> set[str]:
    """The learner names a step's checks look at (named arguments, and names in expressions)."""
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


def misspelling(latest: str, verdicts: list[Verdict], wanted: set[str] | None = None) -> str:
    """A note when the input defined a name close to the one a check misses (`activaton`).

    A name the step asks for too (`weights_1` beside the missing `weights_2`) is no misspelling.
    """
    missing = next((v.missing for v in verdicts if not v.passed), "")
    if not missing:
        return ""
    defined = sorted(bound_names(latest) - (wanted or set()))
    close = difflib.get_close_matches(missing, defined, n=1, cutoff=0.75)
    if not close or close[0] == missing:
        return ""
    return f"You defined `{close[0]}`; the step asks for `{missing}`."


def defined_otherwise(latest: str, step: Step, verdicts: list[Verdict]) -> str:
    """A note when the input defined the step's function under a name of its own (`def
    sigmoid` where the step asks for `activation`), as code copied from elsewhere does."""
    missing = next((v.missing for v in verdicts if not v.passed), "")
    if not missing or missing not in _definitions(step.solution):
        return ""
    made = sorted(_definitions(latest) - {missing})
    if len(made) != 1:
        return ""
    return (
        f"You defined `{made[0]}`; the step asks for `{missing}`. "
        f"`{missing} = {made[0]}` gives it that name too."
    )


def _definitions(code: str) -> set[str]:
    """The functions and classes ``code`` defines at its top level."""
    try:
        body = ast.parse(code).body
    except SyntaxError:
        return set()
    kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return {statement.name for statement in body if isinstance(statement, kinds)}


def method_calls(code: str) -> set[str]:
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    return {
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }


# Methods that give a tensor of another shape, where a solution reshapes one in place.
_RESHAPING_TWINS = {"resize_": ("view", "reshape")}


def out_of_place_twin(latest: str, solution: str) -> str:
    """A note when the input called `mul` where the solution changes a tensor with `mul_`, or
    let the result of `images.view(...)` go where the solution calls `images.resize_(...)`."""
    wanted = {m for m in method_calls(solution) if m.endswith("_") and not m.endswith("__")}
    for method in sorted(wanted):
        if method[:-1] in method_calls(latest):
            return (
                f"`{method[:-1]}` returns a new tensor and leaves the original as it was; "
                f"`{method}` (with the underscore) changes the tensor itself."
            )
        for call, owner in _discarded_calls(latest, _RESHAPING_TWINS.get(method, ())):
            return (
                f"`{call}` gives a new tensor and leaves `{owner}` as it was: keep the result, "
                f"`{owner} = {call}`, or use `{method}`, which changes `{owner}` itself."
            )
    return ""


def _discarded_calls(code: str, methods: tuple[str, ...]) -> list[tuple[str, str]]:
    """`images.view(64, 1, 784)` typed as a statement of its own: its result is thrown away."""
    if not methods:
        return []
    try:
        body = ast.parse(code).body
    except SyntaxError:
        return []
    found = []
    for statement in body:
        call = statement.value if isinstance(statement, ast.Expr) else None
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute):
            owner = call.func.value
            if call.func.attr in methods and isinstance(owner, ast.Name):
                found.append((ast.unparse(call), owner.id))
    return found


def renamed_note(reply: CheckReply, verdicts: list[Verdict]) -> str:
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
        return _changes_in_place(body[0], targets) or _saves(body[0], names, targets)
    return bool(names & targets) if targets else True


def _saves(expression: ast.Expr, names: set[str], targets: set[str]) -> bool:
    """`torch.save(model, 'checkpoint.pth')`: writing a checked name to a file is doing the
    step, not looking at it, though it is a bare expression."""
    call = expression.value
    saves = (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == "save"
        and isinstance(call.func.value, ast.Name)
    )
    return saves and (bool(names & targets) if targets else True)


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
