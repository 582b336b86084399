"""Every text a person sees, looked up by key in the reader's language: `t("welcome", lang)`.

Each language is a module `locales/<code>.py` holding a dict `TEXTS`. English is complete and is the
fallback for a key another catalogue lacks. Adding a language is one new file plus its code in
`LANGUAGES`; test.py checks that every catalogue has the same keys and placeholders, and that the
code uses every key with the placeholders its text names.
"""

from __future__ import annotations

import importlib

DEFAULT_LANGUAGE = "en"
LANGUAGES: tuple[str, ...] = ("en",)

CATALOGUES: dict[str, dict[str, str]] = {
    code: importlib.import_module(f"locales.{code}").TEXTS for code in LANGUAGES
}


def t(key: str, lang: str, /, **values: object) -> str:
    """The text for `key` in `lang` (English where that language lacks it), filled with `values`."""
    catalogue = CATALOGUES.get(lang) or CATALOGUES[DEFAULT_LANGUAGE]
    text = catalogue.get(key) or CATALOGUES[DEFAULT_LANGUAGE][key]
    return text.format(**values)
