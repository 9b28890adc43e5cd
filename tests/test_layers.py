"""DESIGN.md's rule: dependencies point inward. Each part imports only what it may."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "relaydesk"

# part -> the project parts it may import (besides itself and the top-level helpers)
ALLOWED = {
    "domain": set(),
    "bot": {"domain"},
    "escalation": {"domain"},
    "routing": {"domain"},
    "store": {"domain"},
}
TOP_LEVEL = {"clock", "settings", "config_file", "__init__"}


def project_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "relaydesk" and len(parts) > 1:
                found.add(parts[1])
    return found


@pytest.mark.parametrize("part", sorted(ALLOWED))
def test_part_imports_only_inward(part: str) -> None:
    folder = SRC / part
    assert folder.is_dir()
    offenders = {
        str(path.relative_to(SRC)): sorted(bad)
        for path in folder.rglob("*.py")
        if (bad := project_imports(path) - ALLOWED[part] - {part} - TOP_LEVEL - {"clock"})
    }
    assert offenders == {}
