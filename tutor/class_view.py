"""`tutor class report` in a terminal: a table per lesson, then who has been away.

Usage: ``show_class_report(Console(), class_report(rows, outlines))``.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table


def _number(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:g}"


def _stuck(messages: list[dict[str, Any]]) -> str:
    """The most shown check message, with how many learners saw it."""
    if not messages:
        return ""
    top = messages[0]
    return f"{escape(top['message'])} ({top['learners']} learners, {top['shown']}×)"


def lesson_table(lesson: dict[str, Any]) -> Table:
    minutes = _number(lesson["median_minutes"])
    table = Table(
        title=(
            f"{escape(lesson['lesson'])} · {escape(lesson['title'])}: {lesson['learners']} "
            f"learners, {lesson['completed']} completed, median {minutes} min"
        ),
        title_justify="left",
    )
    table.add_column("step", overflow="fold")
    for heading in ("done", "skipped", "on it", "attempts", "hints", "min"):
        table.add_column(heading, justify="right")
    table.add_column("most shown check message", overflow="fold")
    for step in lesson["steps"]:
        table.add_row(
            escape(step["id"]),
            str(step["finished"]),
            str(step["skipped"]),
            str(step["on_it"]),
            _number(step["median_attempts"]),
            _number(step["median_hints"]),
            _number(step["median_minutes"]),
            _stuck(step["stuck_on"]),
        )
    return table


def show_class_report(console: Console, report: dict[str, Any]) -> None:
    if not report["lessons"]:
        console.print("No progress saved in this store yet.")
        return
    for lesson in report["lessons"]:
        console.print(lesson_table(lesson))
        console.print()
    days = _number(report["inactive_days"])
    idle = report["inactive"]
    if not idle:
        console.print(f"Every learner saved something in the last {days} days.")
        return
    console.print(f"Inactive for more than {days} days: {len(idle)} learners")
    for learner in idle:
        where = f" · {learner['lesson']}" if learner["lesson"] else ""
        where += f" at {learner['position']}" if learner["position"] else ""
        console.print(
            f"  {escape(learner['learner'])}: last active {learner['last_active']}"
            f" ({learner['days']} days){escape(where)}",
            highlight=False,
        )
