"""The anonymous chat bot's package: the layers below `bot.py` (see README.md, "How it works").

core/        the rules: pairing state, partner choice, flows, moderation, payments (no Telegram, no SQL)
storage/     one class per feature's tables, the migrations (composed by `database.Database`)
telegram_io/ talking to Telegram: the sending policy, pacing, the HTTP client, update order and journal, button data
handlers/    one module per feature: read the update, call the core, store, render, send
i18n/        texts by key per language
ops/         operator modes (--check, --health, --restore), logging, metrics
"""
