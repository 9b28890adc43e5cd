"""YAML configuration files (the escalation policy, the routing file) checked by pydantic,
with every mistake reported as "file:line: field: message".

Where in a YAML file a value lives: PyYAML's composer keeps a start mark on every node; a
pydantic error location such as ("rules", 3, "then", "priority") is walked down that node
tree to the line of the key (for a mapping entry) or of the item (for a list entry).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

Loc = Sequence[str | int]
M = TypeVar("M", bound=BaseModel)


class ConfigIssue(BaseModel):
    model_config = ConfigDict(frozen=True)

    source: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


class ConfigError(ValueError):
    """A file that cannot be used; `issues` lists every mistake found, in file order."""

    def __init__(self, issues: list[ConfigIssue]) -> None:
        self.issues = sorted(issues, key=lambda i: (i.line or 0, i.field))
        super().__init__("\n".join(str(i) for i in self.issues))


def load_model(
    text: str,
    source: str,
    model: type[M],
    *,
    shape: str,
    checks: Callable[[M], Iterable[tuple[Loc, str]]] | None = None,
    error: type[ConfigError] = ConfigError,
) -> M:
    """Parse YAML text into `model`; raise `error` listing every mistake with its line.

    `shape` says what the top level should be ("a policy is a mapping with ..."); `checks`
    finds what needs the whole validated model, as (location, message) pairs.
    """
    try:
        root = compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise error([_syntax_issue(exc, source)]) from exc
    issues = [
        ConfigIssue(source=source, line=line, field=field_path(loc), message="key given twice")
        for loc, line in duplicate_keys(root)
    ]
    if not isinstance(data, dict):
        raise error([*issues, ConfigIssue(source=source, line=1, field="", message=shape)])
    try:
        value = model.model_validate(data)
    except ValidationError as exc:
        issues += [_schema_issue(e, root, source) for e in exc.errors()]
        raise error(issues) from exc
    for loc, message in checks(value) if checks else ():
        issues.append(
            ConfigIssue(
                source=source, line=line_of(root, loc), field=field_path(loc), message=message
            )
        )
    if issues:
        raise error(issues)
    return value


def read_text(path: Path, error: type[ConfigError] = ConfigError) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise error(
            [ConfigIssue(source=str(path), line=None, field="", message=f"cannot read: {exc}")]
        ) from exc


def field_path(loc: Loc) -> str:
    """("rules", 2, "then", "team") -> "rules[2].then.team"."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _syntax_issue(exc: yaml.YAMLError, source: str) -> ConfigIssue:
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    words = [getattr(exc, "problem", None), getattr(exc, "context", None)]
    detail = "; ".join(w for w in words if w) or str(exc)
    return ConfigIssue(source=source, line=line, field="", message=f"YAML syntax error: {detail}")


def _schema_issue(error: Any, root: yaml.Node | None, source: str) -> ConfigIssue:
    loc = [part for part in error["loc"] if not (isinstance(part, str) and part.startswith("["))]
    kind, value = error["type"], error.get("input")
    if kind == "extra_forbidden":
        message = "unknown key"
    elif kind == "missing":
        message = "required key missing"
    else:
        message = str(error["msg"]).removeprefix("Value error, ")
        if kind != "value_error" and isinstance(value, str | int | float | bool):
            message += f" (got {value!r})"
    return ConfigIssue(
        source=source, line=line_of(root, loc), field=field_path(loc), message=message
    )


def compose(text: str) -> yaml.Node | None:
    """The node tree of text; raises yaml.YAMLError (with a problem mark) on bad syntax."""
    return yaml.compose(text, Loader=yaml.SafeLoader)


def line_of(root: yaml.Node | None, loc: Loc) -> int:
    """The 1-based line of the deepest node loc reaches (line 1 for an empty document)."""
    if root is None:
        return 1
    node, line = root, root.start_mark.line + 1
    for part in loc:
        step = _child(node, part)
        if step is None:
            break  # a missing field, or a pydantic-internal location part: stop here
        line, node = step
    return line


def _child(node: yaml.Node, part: str | int) -> tuple[int, yaml.Node] | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                return key.start_mark.line + 1, value
    is_index = isinstance(part, int) and 0 <= part < len(node.value)
    if isinstance(node, yaml.SequenceNode) and is_index:
        item = node.value[int(part)]
        return item.start_mark.line + 1, item
    return None


def duplicate_keys(root: yaml.Node | None) -> Iterator[tuple[tuple[str | int, ...], int]]:
    """(location, line) of every key given twice in one mapping.

    Plain YAML loading keeps the last one silently; in a policy that hides a rule.
    """
    yield from _duplicates(root, ())


def _duplicates(
    node: yaml.Node | None, path: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], int]]:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = str(key.value)
            if name in seen:
                yield (*path, name), key.start_mark.line + 1
            seen.add(name)
            yield from _duplicates(value, (*path, name))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _duplicates(item, (*path, index))
