"""Fail when a test file defines a top-level function pytest would never run: not test_*, not a
fixture, not a _private helper. Such a function is a test that silently never executes."""

from __future__ import annotations

import ast
import sys
from pathlib import Path


def dead_functions(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if node.name.startswith(("test", "_")):
            continue
        if any("fixture" in ast.unparse(d) for d in node.decorator_list):
            continue
        found.append(f"{path}:{node.lineno} {node.name}")
    return found


def main(root: str = "tests") -> int:
    dead = [f for p in sorted(Path(root).rglob("test_*.py")) for f in dead_functions(p)]
    for line in dead:
        print(f"never collected (rename to test_* or _helper): {line}")
    return 1 if dead else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
