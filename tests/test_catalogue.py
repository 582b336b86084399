"""The text catalogues against the code: every key the code uses exists, every key is used, and each
text's {placeholders} are exactly what the code passes. Read from the source (ast), so a text on a
path no test reaches is checked too."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from conftest import ROOT
from chatbot.i18n.texts import CATALOGUES, DEFAULT_LANGUAGE, LANGUAGES, t

# Functions that look a text up, and the position of the key among their arguments.
LOOKUPS = {"t": 0, "text_for": 1, "say": 1, "tell_admins": 0}
NOT_VALUES = {"markup"}  # keyword arguments of the lookups that are not placeholders
ENGLISH = CATALOGUES[DEFAULT_LANGUAGE]


def production_files() -> list[Path]:
    files = [p for p in ROOT.glob("*.py") if p.name != "test.py"] + sorted((ROOT / "chatbot").rglob("*.py"))
    return sorted(files)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


class Lookups(ast.NodeVisitor):
    """Every text lookup in a module: (where, keys or None if not literal, keyword names or None for **)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.found: list[tuple[str, list[str] | None, set[str] | None]] = []
        self.function = ""

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:  # noqa: N802
        outer, self.function = self.function, node.name
        self.generic_visit(node)
        self.function = outer

    visit_AsyncFunctionDef = visit_FunctionDef  # noqa: N815

    def visit_Call(self, node: ast.Call) -> None:  # noqa: N802
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name in LOOKUPS and self.function not in LOOKUPS and len(node.args) > LOOKUPS[name]:
            key = node.args[LOOKUPS[name]]
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                keys: list[str] | None = [key.value]
            elif isinstance(key, ast.IfExp) and all(
                isinstance(b, ast.Constant) and isinstance(b.value, str) for b in (key.body, key.orelse)
            ):
                keys = [key.body.value, key.orelse.value]  # type: ignore[attr-defined]
            else:
                keys = None
            names = {kw.arg for kw in node.keywords if kw.arg not in NOT_VALUES}
            where = f"{self.path.name}:{node.lineno}"
            self.found.append((where, keys, None if None in names else {n for n in names if n}))
        self.generic_visit(node)


def all_lookups() -> list[tuple[str, list[str] | None, set[str] | None]]:
    found = []
    for path in production_files():
        visitor = Lookups(path)
        visitor.visit(ast.parse(path.read_text(encoding="utf-8")))
        found += visitor.found
    return found


def string_constants() -> set[str]:
    return {
        node.value
        for path in production_files()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def test_the_scan_sees_the_code():
    lookups = all_lookups()
    assert len(lookups) > 80
    assert any(keys == ["searching"] for _, keys, _ in lookups)


def test_every_key_the_code_uses_exists_with_the_placeholders_it_passes():
    problems = []
    for where, keys, names in all_lookups():
        if names is None:
            problems.append(f"{where}: values passed with ** cannot be checked")
            continue
        if keys is None:
            if names:
                problems.append(f"{where}: a key chosen at run time with values {sorted(names)}")
            continue
        for key in keys:
            if key not in ENGLISH:
                problems.append(f"{where}: no text {key!r}")
            elif placeholders(ENGLISH[key]) != names:
                problems.append(f"{where}: {key!r} needs {sorted(placeholders(ENGLISH[key]))}, gets {sorted(names)}")
    assert problems == []


def test_keys_chosen_at_run_time_need_no_values():
    # A key not looked up literally is passed around as a string and looked up without values.
    literal = {key for _, keys, _ in all_lookups() if keys for key in keys}
    dynamic = (string_constants() & set(ENGLISH)) - literal
    assert "link_blocked" in dynamic and "gender_male" in dynamic
    assert {key: sorted(placeholders(ENGLISH[key])) for key in dynamic if placeholders(ENGLISH[key])} == {}


def test_every_key_of_the_catalogue_is_used():
    assert sorted(set(ENGLISH) - string_constants()) == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_has_every_key_with_the_same_placeholders(lang):
    catalogue = CATALOGUES[lang]
    assert sorted(set(ENGLISH) - set(catalogue)) == []
    assert sorted(set(catalogue) - set(ENGLISH)) == []
    differ = [key for key in ENGLISH if placeholders(ENGLISH[key]) != placeholders(catalogue[key])]
    assert differ == []


def leading_emoji(label: str) -> str:
    """The label's first word if it is an emoji (no letters), else nothing ("Cancel" has none)."""
    first = label.split()[0]
    return "" if any(c.isalpha() for c in first) else first


@pytest.mark.parametrize("lang", LANGUAGES)
def test_buttons_keep_their_leading_emoji_in_every_language(lang):
    buttons = [key for key in ENGLISH if key.startswith("btn_")]
    assert len([key for key in buttons if leading_emoji(ENGLISH[key])]) > 20
    for key in buttons:
        assert leading_emoji(CATALOGUES[lang][key]) == leading_emoji(ENGLISH[key]), key


def test_lookup_falls_back_to_english_and_fills_placeholders():
    assert t("searching", "xx") == ENGLISH["searching"]
    assert t("admin_banned", DEFAULT_LANGUAGE, user_id=7) == "User 7 is banned."
    with pytest.raises(KeyError):
        t("admin_banned", DEFAULT_LANGUAGE)  # a missing value is an error, not a "{user_id}" shown to someone
    with pytest.raises(KeyError):
        t("no_such_text", DEFAULT_LANGUAGE)
