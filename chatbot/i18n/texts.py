"""Every text a person sees, looked up by key in the reader's language: `t("welcome", lang)`.

Each language is a module `locales/<code>.py` holding a dict `TEXTS`. English is complete and is the
fallback for a key another catalogue lacks. Adding a language is one new file plus its code in
`LANGUAGES`; test.py checks that every catalogue has the same keys and placeholders, and that the
code uses every key with the placeholders its text names.
"""

from __future__ import annotations

import importlib

DEFAULT_LANGUAGE = "en"
# Order matters: /language shows the languages in this order.
LANGUAGES: tuple[str, ...] = ("en", "ru", "es")

CATALOGUES: dict[str, dict[str, str]] = {
    code: importlib.import_module(f"chatbot.i18n.locales.{code}").TEXTS for code in LANGUAGES
}


def language_of(code: str | None) -> str:
    """The catalogue for a Telegram `language_code` ("ru", "es-AR", ...); English for any other or none."""
    prefix = (code or "").split("-")[0].lower()
    return prefix if prefix in CATALOGUES else DEFAULT_LANGUAGE


def t(key: str, lang: str, /, **values: object) -> str:
    """The text for `key` in `lang` (English where that language lacks it), filled with `values`."""
    catalogue = CATALOGUES.get(lang) or CATALOGUES[DEFAULT_LANGUAGE]
    text = catalogue.get(key) or CATALOGUES[DEFAULT_LANGUAGE][key]
    return text.format(**values)
