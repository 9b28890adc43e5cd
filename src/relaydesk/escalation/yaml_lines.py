"""Where in a YAML file a value lives, so every policy error can name its line.

PyYAML's composer keeps a start mark on every node; a pydantic error location such as
("rules", 3, "then", "priority") is walked down that node tree to the line of the key
(for a mapping entry) or of the item (for a list entry).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import yaml

Loc = Sequence[str | int]


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
