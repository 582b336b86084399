"""The layers of chatbot/ are a contract (.importlinter): the core knows neither Telegram nor SQL,
storage knows no handlers, and no handler module imports another to dispatch to it."""

from __future__ import annotations

import ast
import configparser
import os
import re
import subprocess
import sys

from conftest import ROOT


def test_the_layer_contracts_hold():
    lint = subprocess.run(
        [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True, no_logo=True))"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert re.search(r"Contracts: \d+ kept, 0 broken", lint.stdout), lint.stdout


def feature_modules() -> set[str]:
    """The handler modules of a feature each: the top layer of the handlers contract."""
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    layers = [line.strip() for line in config["importlinter:contract:handlers"]["layers"].strip().splitlines()]
    return {name.strip() for name in layers[0].split("|")}


def test_no_handler_module_imports_another_handler_module():
    """What the contract says, read straight from the code: a feature's handler module imports only the
    shared modules below it (chatting, channels, moderating, common), never another feature's."""
    features = feature_modules()
    handlers = ROOT / "chatbot" / "handlers"
    assert features and features <= {p.stem for p in handlers.glob("*.py")}
    for path in handlers.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                parts = node.module.split(".")
                named = {alias.name for alias in node.names} if parts == ["chatbot", "handlers"] else set(parts[2:3])
                imported = (named & features) - {path.stem}
                assert not (parts[:2] == ["chatbot", "handlers"] and imported), f"{path.name} imports {sorted(imported)}"
