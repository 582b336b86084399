"""Types: mypy --strict over the bot's own modules, and --check-untyped-defs over tests and benchmarks."""

from __future__ import annotations

from mypy import api

from conftest import ROOT

CONFIG = str(ROOT / "mypy.ini")


def production_files() -> list[str]:
    files = [p for p in ROOT.glob("*.py") if p.name != "test.py"]
    files += [*(ROOT / "chatbot").rglob("*.py")]
    return sorted(str(p) for p in files)


def test_the_bot_passes_mypy_strict():
    assert "bot.py" in "".join(production_files()) and any("handlers" in f for f in production_files())
    out, err, status = api.run(["--config-file", CONFIG, "--strict", *production_files()])
    assert status == 0, out + err


def test_tests_and_benchmarks_pass_mypy():
    paths = [str(ROOT / "test.py"), str(ROOT / "tests"), str(ROOT / "benchmarks")]
    out, err, status = api.run(["--config-file", CONFIG, *paths])
    assert status == 0, out + err
