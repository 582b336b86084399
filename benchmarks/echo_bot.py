"""The floor: a minimal python-telegram-bot echo bot that copies every text back to its chat.

Same framework, same HTTP client, one copyMessage per message, and nothing else. Run by
relay_benchmark.py with BOT_TOKEN, TELEGRAM_API_URL and CONCURRENT_UPDATES (1: one update at a
time, like PTB's own echobot.py example; more: that many at once).
"""

from __future__ import annotations

import os

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Copies the message back."""
    if update.effective_chat and update.message:
        await context.bot.copy_message(update.effective_chat.id, update.effective_chat.id, update.message.message_id)


def main() -> None:
    root = os.environ["TELEGRAM_API_URL"]
    concurrent = int(os.environ.get("CONCURRENT_UPDATES", "1"))
    application = (
        ApplicationBuilder()
        .token(os.environ["BOT_TOKEN"])
        .base_url(f"{root}/bot")
        .concurrent_updates(concurrent if concurrent > 1 else False)
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    application.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
