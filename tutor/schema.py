"""The JSON Schema of a lesson file, built from one description of the format and the checks.

``lesson_schema()`` is what ``tutor schema`` prints (point an editor's YAML plugin at it) and what
``tutor validate`` checks against. Check arguments come from the check functions' signatures, so a
new check in ``checks/`` is described here without editing this file.
"""

from __future__ import annotations

from typing import Any

IDENTIFIER = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"

_CODE = {"type": "string", "description": "Python source"}


def _step_schema(check_names: list[str], check_schemas: dict[str, Any]) -> dict[str, Any]:
    option = {
        "anyOf": [
            {"type": "string", "minLength": 1},
            {
                "type": "object",
                "properties": {
                    "text": {"type": "string", "minLength": 1},
                    "why": {"type": "string", "description": "shown when this option is chosen"},
                },
                "required": ["text"],
                "additionalProperties": False,
            },
        ]
    }
    check_item = {
        "type": "object",
        "description": "one check: its name as the only key, its arguments as the value",
        "minProperties": 1,
        "maxProperties": 1,
        "propertyNames": {"enum": check_names},
        "properties": check_schemas,
    }
    return {
        "type": "object",
        "properties": {
            "id": {"type": "string", "pattern": IDENTIFIER},
            "kind": {"enum": ["code", "choice"], "default": "code"},
            "title": {"type": "string"},
            "text": {"type": "string", "minLength": 1, "description": "Markdown; $...$ is math"},
            "given": {**_CODE, "description": "code run for the learner and shown"},
            "solution": {**_CODE, "description": "code that completes the step"},
            "checks": {"type": "array", "items": check_item, "minItems": 1},
            "hints": {"type": "array", "items": {"type": "string", "minLength": 1}},
            "seed": {"type": "integer", "description": "torch.manual_seed before the given code"},
            "options": {"type": "array", "items": option, "minItems": 2},
            "answer": {"type": "string", "minLength": 1},
            "explanation": {"type": "string", "description": "shown once the step is passed"},
            "mistakes": {
                "type": "array",
                "description": "mistakes learners make here; `tutor test` types each one",
                "items": {
                    "type": "object",
                    "properties": {
                        "code": {**_CODE, "description": "what the learner types"},
                        "says": {
                            "description": "words the feedback must contain",
                            "anyOf": [
                                {"type": "string", "minLength": 1},
                                {"type": "array", "items": {"type": "string", "minLength": 1}},
                            ],
                        },
                    },
                    "required": ["code", "says"],
                    "additionalProperties": False,
                },
            },
            "time_budget": {
                "type": "number",
                "exclusiveMinimum": 0,
                "description": "seconds one input may run before it is stopped (default 600)",
            },
        },
        "required": ["id", "text"],
        "additionalProperties": False,
        "allOf": [
            {
                "if": {"properties": {"kind": {"const": "choice"}}, "required": ["kind"]},
                "then": {"required": ["options", "answer"]},
            },
            {
                "if": {"properties": {"kind": {"const": "code"}}},
                "then": {"required": ["solution", "checks"]},
            },
        ],
    }


def lesson_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a lesson file."""
    from tutor.checks import REGISTRY

    names = sorted(REGISTRY)
    check_schemas = {name: REGISTRY[name].json_schema() for name in names}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "tutor-lesson.schema.json",
        "title": "tutor lesson",
        "type": "object",
        "properties": {
            "id": {"type": "string", "pattern": IDENTIFIER},
            "title": {"type": "string", "minLength": 1},
            "description": {"type": "string"},
            "setup": {**_CODE, "description": "run when the lesson starts or resumes"},
            "steps": {"type": "array", "items": _step_schema(names, check_schemas), "minItems": 1},
        },
        "required": ["id", "title", "steps"],
        "additionalProperties": False,
    }
