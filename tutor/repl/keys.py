"""The REPL's keys. Each binding is a small function; its docstring says what the key does.

    session = PromptSession(key_bindings=repl_key_bindings(tutor, screen))

Editing keys (Enter, Tab, Backspace, Ctrl-X Ctrl-E) follow Python's console and IPython; the
lesson keys (F1, F2, F3) are the ``%hint``, ``%vars`` and ``%step`` commands, printed above the
prompt without losing what the learner was typing. Everything else is prompt_toolkit's Emacs
set: arrows, Ctrl-A/E, Ctrl-R history search, Ctrl-L clear.
"""

from __future__ import annotations

from collections.abc import Callable

from prompt_toolkit.application import run_in_terminal
from prompt_toolkit.application.current import get_app
from prompt_toolkit.enums import DEFAULT_BUFFER
from prompt_toolkit.filters import Condition, has_focus, has_selection
from prompt_toolkit.key_binding import (
    KeyBindings,
    KeyBindingsBase,
    KeyPressEvent,
    merge_key_bindings,
)

from tutor.commands import COMMANDS, FUNCTION_KEYS, run_command
from tutor.engine import Tutor
from tutor.repl.editing import INDENT, enter_runs, next_indent, unclosed_bracket
from tutor.view import View

_typing = has_focus(DEFAULT_BUFFER)


@Condition
def _only_space_before_cursor() -> bool:
    before = get_app().current_buffer.document.current_line_before_cursor
    return not before.strip()


@Condition
def _inside_indent() -> bool:
    before = get_app().current_buffer.document.current_line_before_cursor
    return bool(before) and before.isspace()


# -- editing ---------------------------------------------------------------------------------


def run_or_newline(event: KeyPressEvent, say: Callable[[str], None] = print) -> None:
    """Enter: run a finished statement; otherwise start a new line, indented to match.

    After two empty lines in an input an open bracket keeps from running, ``say`` which."""
    buffer = event.current_buffer
    if buffer.complete_state is not None:
        chosen = buffer.complete_state.current_completion is not None
        buffer.complete_state = None  # close the menu; a chosen completion stays in the text
        if chosen:
            return
    document = buffer.document
    editing_inside = document.line_count > 1 and document.text_after_cursor.strip()
    if not editing_inside and enter_runs(document.text):
        buffer.validate_and_handle()
        return
    if not editing_inside:
        _hint_at_open_bracket(document.text, say)
    buffer.insert_text("\n" + next_indent(document.current_line_before_cursor))


def _hint_at_open_bracket(text: str, say: Callable[[str], None]) -> None:
    """After two empty lines, say which bracket keeps the input from running."""
    lines = text.split("\n")
    if len(lines) < 3 or lines[-1].strip() or lines[-2].strip():
        return
    found = unclosed_bracket(text)
    if found is None:
        return
    bracket, line = found
    message = (
        f"The `{bracket}` on line {line} is still open, so Enter adds lines. Close it, "
        "or press Escape then Enter to run the input as it is."
    )
    run_in_terminal(lambda: say(message))


def run_now(event: KeyPressEvent) -> None:
    """Escape Enter: run the input as it is, finished or not."""
    event.current_buffer.validate_and_handle()


def indent(event: KeyPressEvent) -> None:
    """Tab at the start of a line: indent to the next level (elsewhere Tab completes)."""
    column = len(event.current_buffer.document.current_line_before_cursor)
    event.current_buffer.insert_text(" " * (len(INDENT) - column % len(INDENT)))


def dedent(event: KeyPressEvent) -> None:
    """Backspace inside the indent: go back one whole level."""
    column = len(event.current_buffer.document.current_line_before_cursor)
    event.current_buffer.delete_before_cursor(column % len(INDENT) or len(INDENT))


def edit_in_editor(event: KeyPressEvent) -> None:
    """Ctrl-X Ctrl-E: edit the input in $EDITOR; it comes back to the prompt to run with Enter."""
    event.current_buffer.open_in_editor(validate_and_handle=False)


def interrupt(event: KeyPressEvent) -> None:
    """Ctrl-C: drop the input being typed (at an empty prompt the REPL says how to leave)."""
    event.app.exit(exception=KeyboardInterrupt(), style="class:aborting")


def leave_or_delete(event: KeyPressEvent) -> None:
    """Ctrl-D: leave at an empty prompt (progress is kept); elsewhere delete a character."""
    buffer = event.current_buffer
    if buffer.text:
        buffer.delete()
    else:
        event.app.exit(exception=EOFError(), style="class:exiting")


def editing_key_bindings(say: Callable[[str], None] = print) -> KeyBindings:
    """Enter, Escape Enter, Tab, Backspace, Ctrl-X Ctrl-E, Ctrl-C and Ctrl-D; ``say`` prints
    a hint above the prompt."""
    bindings = KeyBindings()

    @bindings.add("enter", filter=_typing & ~has_selection)
    def enter(event: KeyPressEvent) -> None:
        """Enter: run a finished statement, else a new line (see ``run_or_newline``)."""
        run_or_newline(event, say)

    bindings.add("escape", "enter", filter=_typing)(run_now)
    bindings.add("tab", filter=_typing & _only_space_before_cursor)(indent)
    bindings.add("backspace", filter=_typing & _inside_indent & ~has_selection)(dedent)
    bindings.add("c-x", "c-e", filter=_typing)(edit_in_editor)
    bindings.add("c-c")(interrupt)
    bindings.add("c-d", filter=_typing)(leave_or_delete)
    return bindings


# -- the lesson ------------------------------------------------------------------------------


def lesson_key_bindings(tutor: Tutor, screen: View) -> KeyBindings:
    """The function keys of ``tutor.commands.FUNCTION_KEYS`` (F1 hint, F2 variables, F3 the
    step's text), each running its ``%`` command above the prompt."""
    bindings = KeyBindings()
    for key, command in FUNCTION_KEYS.items():
        bindings.add(key.lower())(_above_prompt(f"%{command}", tutor, screen))
    return bindings


def _above_prompt(command: str, tutor: Tutor, screen: View) -> Callable[[KeyPressEvent], None]:
    def run(event: KeyPressEvent) -> None:
        # run_in_terminal hides the prompt, prints, and draws it again with the input intact.
        run_in_terminal(lambda: run_command(command, tutor, screen))

    run.__doc__ = f"{command}: {COMMANDS[command[1:]].__doc__}"
    return run


def repl_key_bindings(tutor: Tutor, screen: View) -> KeyBindingsBase:
    """All of the REPL's own keys, to pass to ``PromptSession(key_bindings=...)``."""
    say = lambda message: screen.message(message, "dim")  # noqa: E731
    return merge_key_bindings([editing_key_bindings(say), lesson_key_bindings(tutor, screen)])
