"""The interactive front end: a lesson at a prompt-toolkit prompt, in small modules.

app        the read-eval loop (``run_repl``, ``Repl``, ``LineRepl``)
keys       what each key does          editing    when Enter runs, indentation
completer  Tab completion              lexer      highlighting and colours
toolbar    the bottom line             spinner    the line shown while code runs
menu       choosing a lesson         typeahead  keys typed while code runs
"""

from tutor.repl.app import Repl, handle_input, history_path, leaving_on_hangup, run_repl
from tutor.repl.menu import choose_lesson_menu

__all__ = [
    "Repl",
    "choose_lesson_menu",
    "handle_input",
    "history_path",
    "leaving_on_hangup",
    "run_repl",
]
