"""The learner's ``%`` commands, shared by the piped console and the REPL.

    outcome = run_command("%hint", tutor, view)
    outcome.quit          # the learner asked to leave
    outcome.step_changed  # the front end should show the (new) current step

Each command is a small function whose one-line docstring is its entry in ``%help``;
``COMMANDS`` maps names to them and ``FUNCTION_KEYS`` says which key runs which in the REPL.
Commands talk to a ``tutor.view.View``, never to a concrete screen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tutor.didyoumean import did_you_mean
from tutor.engine import Tutor
from tutor.export import accepted
from tutor.reports import end_of_lesson
from tutor.session import DONE
from tutor.view import View


@dataclass(frozen=True)
class CommandOutcome:
    quit: bool = False
    step_changed: bool = False


NOTHING = CommandOutcome()
Command = Callable[[Tutor, View, str], CommandOutcome]


def hint(tutor: Tutor, screen: View, argument: str = "") -> CommandOutcome:
    """The next hint."""
    if tutor.session.finished:
        screen.message("The lesson is complete; there are no hints left to give.")
        return NOTHING
    text = tutor.hint()
    screen.hint(text, tutor.session.record.hints_used, len(tutor.session.step.hints))
    return NOTHING


def solution(tutor: Tutor, screen: View, argument: str = "") -> CommandOutcome:
    """Show the step's solution (the step is marked as shown)."""
    if tutor.session.finished:
        return NOTHING
    screen.solution(tutor.solution())
    screen.message("Type or paste it to complete the step, or `%skip`.", "dim")
    return NOTHING


def skip(tutor: Tutor, screen: View, argument: str = "") -> CommandOutcome:
    """Skip this step; its solution runs so later steps have what they need."""
    if tutor.session.finished:
        return NOTHING
    note = tutor.skip()
    screen.message(
        note or "Skipped. The step's solution ran, so the next steps can build on it.", "dim"
    )
    return CommandOutcome(step_changed=True)


def back(tutor: Tutor, screen: View, argument: str = "") -> CommandOutcome:
    """Go back to the previous step."""
    if not tutor.back():
        screen.message("This is the first step.")
        return NOTHING
    return CommandOutcome(step_changed=True)


def next_step(tutor: Tutor, screen: View, argument: str = "") -> CommandOutcome:
    """Go to the next step once this one is done."""
    if tutor.go_next():
        return CommandOutcome(step_changed=True)
    if tutor.session.finished:
        screen.message(end_of_lesson(tutor))
    else:
        screen.message("Finish this step first, or use `%skip` to move on without it.")
    return NOTHING


def compare(tutor: Tutor, screen: View, argument: str = "") -> CommandOutcome:
    """Your accepted code beside the lesson's solution, for a step you have done."""
    session = tutor.session
    latest = min(session.index, len(session.records) - 1)  # this step, else the last before it
    index = next((i for i in range(latest, -1, -1) if session.records[i].status == DONE), None)
    step = tutor.lesson.steps[index] if index is not None else None
    if step is None or step.is_choice or index is None:
        screen.message("Finish a step first: `%compare` shows your code beside the lesson's.")
        return NOTHING
    mine = "\n".join(accepted(session.records[index].code))
    screen.compare(f"Step {index + 1}: {step.title or step.id}", mine, step.solution)
    return NOTHING


def goto(tutor: Tutor, screen: View, argument: str = "") -> CommandOutcome:
    """Go to step N (`%goto 3`): any step you have reached, skipped ones included."""
    if not argument.strip().isdigit():
        screen.message("Say which step: `%goto 3` goes to step 3.")
        return NOTHING
    if tutor.goto(int(argument)):
        return CommandOutcome(step_changed=True)
    reachable = min(tutor.session.first_unfinished() + 1, len(tutor.lesson.steps))
    screen.message(
        f"Steps 1 to {reachable} can be reached now; `%goto {reachable}` is the furthest."
    )
    return NOTHING


def reset(tutor: Tutor, screen: View, argument: str = "") -> CommandOutcome:
    """Put this step's variables back as they were when it began."""
    note = tutor.reset_step()
    screen.message(note or "Variables are back as they were at the start of this step.", "dim")
    return NOTHING


def restart(tutor: Tutor, screen: View, argument: str = "") -> CommandOutcome:
    """Start a fresh worker and rebuild the lesson up to this step."""
    screen.message("Starting a fresh worker…", "dim")
    tutor.restart_worker()
    screen.message("Ready: the lesson's state is rebuilt up to this step.", "dim")
    return NOTHING


def variables(tutor: Tutor, screen: View, argument: str = "") -> CommandOutcome:
    """A table of your variables."""
    screen.variables(tutor.variables())
    return NOTHING


def show_step(tutor: Tutor, screen: View, argument: str = "") -> CommandOutcome:
    """Show this step's text again."""
    if not tutor.session.finished:
        screen.step(tutor.lesson, tutor.session.index)
    return NOTHING


def lessons(tutor: Tutor, screen: View, argument: str = "") -> CommandOutcome:
    """List the lessons and your progress."""
    from tutor.catalog import lesson_rows

    screen.lesson_table(lesson_rows(tutor.store))
    return NOTHING


def help_(tutor: Tutor, screen: View, argument: str = "") -> CommandOutcome:
    """This list of commands."""
    screen.help(help_rows())
    return NOTHING


def quit_(tutor: Tutor, screen: View, argument: str = "") -> CommandOutcome:
    """Leave; your progress is kept (also exit() or Ctrl-D)."""
    return CommandOutcome(quit=True)


COMMANDS: dict[str, Command] = {
    "hint": hint,
    "solution": solution,
    "skip": skip,
    "back": back,
    "next": next_step,
    "goto": goto,
    "compare": compare,
    "reset": reset,
    "restart": restart,
    "vars": variables,
    "step": show_step,
    "lessons": lessons,
    "help": help_,
    "quit": quit_,
    "exit": quit_,
}


# The REPL's function keys, each the same as typing its command (the toolbar and %help say so).
FUNCTION_KEYS: dict[str, str] = {"F1": "hint", "F2": "vars", "F3": "step"}


def help_rows() -> list[tuple[str, str]]:
    """``%help``'s table, from each command's docstring: ("%hint", "The next hint (F1)")."""
    keys = {command: key for key, command in FUNCTION_KEYS.items()}
    names: dict[Command, list[str]] = {}
    for name, command in COMMANDS.items():
        names.setdefault(command, []).append(name)
    rows = []
    for command, aliases in names.items():
        summary = (command.__doc__ or "").strip().splitlines()[0].rstrip(".")
        key = keys.get(aliases[0])
        if key:
            summary += f" ({key} in the REPL)"
        rows.append((" / ".join(f"%{a}" for a in aliases), summary))
    return rows


# IPython's magics appear in notebook code that learners paste; none is needed here.
NOTEBOOK_MAGICS = {"matplotlib", "config", "load_ext", "autoreload", "pip", "time", "timeit"}


def run_command(line: str, tutor: Tutor, screen: View) -> CommandOutcome:
    """Run a ``%name`` line; an unknown name gets a suggestion, never an error."""
    words = line.strip().lstrip("%").split(maxsplit=1)
    name = words[0].lower() if words else ""
    argument = words[1] if len(words) > 1 else ""
    command = COMMANDS.get(name)
    if command is None and name in NOTEBOOK_MAGICS:
        screen.message(
            f"`%{name}` is a Jupyter notebook command; the tutor does not need it "
            "(pictures are drawn right here in the terminal). Carry on with the next line.",
            "dim",
        )
        return NOTHING
    if command is None:
        suggestion = did_you_mean(name, list(COMMANDS))
        screen.message(f"Unknown command `%{name}`{suggestion}. `%help` lists the commands.")
        return NOTHING
    return command(tutor, screen, argument)
