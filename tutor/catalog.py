"""Finding lessons: the built-in ones shipped in the package, or a YAML file named by path.

find_lesson("lesson1")             # -> the built-in lessons/lesson1.yaml
find_lesson("./my_lesson.yaml")    # -> that file
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from tutor.lesson import Lesson, LessonError, load_lesson
from tutor.progress import ProgressStore


class LessonNotFound(Exception):
    """No built-in lesson has that id and no file has that path."""


def builtin_dir() -> Path:
    """Where the built-in lessons are, installed or in a source checkout."""
    return Path(str(resources.files("tutor.lessons")))


def builtin_paths() -> list[Path]:
    return sorted(builtin_dir().glob("*.yaml"), key=_natural)


def _natural(path: Path) -> tuple[str, int]:
    stem = path.stem.rstrip("0123456789")
    number = path.stem[len(stem) :]
    return stem, int(number) if number else 0


def find_lesson_path(name: str) -> Path:
    candidate = Path(name).expanduser()
    if candidate.suffix in (".yaml", ".yml") or candidate.exists():
        if not candidate.is_file():
            raise LessonNotFound(f"no lesson file at {name}")
        return candidate
    builtin = builtin_dir() / f"{name}.yaml"
    if builtin.is_file():
        return builtin
    # `Lesson1`, `lesson 1`, `1`: what a learner types for a built-in lesson's id
    wanted = name.lower().replace(" ", "")
    for path in builtin_paths():
        if wanted in (path.stem.lower(), path.stem.lower().removeprefix("lesson")):
            return path
    known = ", ".join(p.stem for p in builtin_paths())
    raise LessonNotFound(f"no lesson called '{name}' (built-in lessons: {known})")


def find_lesson(name: str, store: ProgressStore | None = None) -> Lesson:
    """A built-in lesson by id, a lesson file by path, or (given the learner's ``store``) a
    lesson file they have started, by its id."""
    try:
        return load_lesson(find_lesson_path(name))
    except LessonNotFound:
        started = _started_file(name, store) if store is not None else None
        if started is None:
            raise
        return load_lesson(started)


def _started_file(lesson_id: str, store: ProgressStore) -> Path | None:
    place = store.place(lesson_id)
    if place is None or not place.source or not Path(place.source).is_file():
        return None
    return Path(place.source)


def next_lesson_id(lesson_id: str) -> str | None:
    """The built-in lesson after ``lesson_id`` (lesson1 -> lesson2), or None."""
    ids = [path.stem for path in builtin_paths()]
    if lesson_id not in ids or ids.index(lesson_id) + 1 == len(ids):
        return None
    return ids[ids.index(lesson_id) + 1]


def builtin_lessons() -> list[Lesson]:
    """Every built-in lesson that loads (a broken one is reported by ``tutor validate``)."""
    lessons = []
    for path in builtin_paths():
        try:
            lessons.append(load_lesson(path))
        except LessonError:
            continue
    return lessons


def started_file_lessons(store: ProgressStore) -> list[Lesson]:
    """The lessons from files (not built in) that the learner has started and that still load."""
    builtin = {path.stem for path in builtin_paths()}
    found = []
    for place in sorted(store.places(), key=lambda p: p.lesson):
        path = None if place.lesson in builtin else _started_file(place.lesson, store)
        if path is not None:
            try:
                found.append(load_lesson(path))
            except LessonError:
                continue
    return found


def lesson_rows(store: ProgressStore) -> list[tuple[str, str, str]]:
    """(id, title, progress) for each built-in lesson, then each lesson file started, e.g.
    ("lesson1", "Tensors", "3/14 done")."""
    from tutor.session import DONE, SKIPPED

    rows = []
    for lesson in [*builtin_lessons(), *started_file_lessons(store)]:
        records = store.load(lesson.id)
        done = sum(1 for r in records.values() if r.status == DONE)
        skipped = sum(1 for r in records.values() if r.status == SKIPPED)
        text = f"{done}/{len(lesson.steps)} done"
        if skipped:
            text += f", {skipped} skipped"
        if not records:
            text = f"not started ({len(lesson.steps)} steps)"
        rows.append((lesson.id, lesson.title, text))
    return rows


def lesson_to_resume(store: ProgressStore) -> str | None:
    """What ``tutor start`` with no lesson continues, or None when nothing was taken yet.

    After a finished lesson, the next built-in one; else the last lesson taken, by id for a
    built-in lesson and by its file for one started from a file that is still there.
    """
    place = store.last_place()
    if place is None:
        return None
    if place.position == "":  # that lesson is finished: the next one, else the menu
        return next_lesson_id(place.lesson)
    builtin = any(p.stem == place.lesson for p in builtin_paths())
    if builtin or not place.source or not Path(place.source).is_file():
        return place.lesson
    return place.source


def first_lesson_id(store: ProgressStore) -> str | None:
    """The first built-in lesson not finished yet (the first of all when every one is)."""
    ids = [path.stem for path in builtin_paths()]
    for lesson_id in ids:
        place = store.place(lesson_id)
        if place is None or place.position != "":
            return lesson_id
    return ids[0] if ids else None
