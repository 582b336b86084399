"""The layers of chatbot/ are a contract (.importlinter): the core knows neither Telegram nor SQL,
storage knows no handlers, and no handler module imports another to dispatch to it."""

from __future__ import annotations

import ast
import os
import subprocess
import sys

from conftest import ROOT


def test_the_layer_contracts_hold():
    lint = subprocess.run(
        [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True, no_logo=True))"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert "broken" not in lint.stdout.lower() and "kept" in lint.stdout.lower()


def test_no_handler_module_imports_another_handler_module():
    """What the contract says, read straight from the code: a handler module imports only the shared
    module(s) below it, never a sibling's entry points."""
    handlers = ROOT / "chatbot" / "handlers"
    siblings = {p.stem for p in handlers.glob("*.py")} - {"__init__", "common"}
    for path in handlers.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                parts = node.module.split(".")
                named = {alias.name for alias in node.names}
                assert not (parts[:2] == ["chatbot", "handlers"] and (set(parts[2:3]) | named) & siblings), (
                    f"{path.name} imports {node.module} {sorted(named)}"
                )
