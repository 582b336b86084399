"""The floor: a minimal python-telegram-bot echo bot that copies every text back to its chat.

Same framework, one copyMessage per message, and nothing else. Run by relay_benchmark.py with
BOT_TOKEN, TELEGRAM_API_URL, CONCURRENT_UPDATES (1: one update at a time, like PTB's own echobot.py
example; more: that many at once) and HTTP_CLIENT (httpx: PTB's default; aiohttp: the bot's own
client, chatbot.telegram_io.http.AiohttpRequest, to show what the client alone is worth).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from telegram import Update
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Copies the message back."""
    if update.effective_chat and update.message:
        await context.bot.copy_message(update.effective_chat.id, update.effective_chat.id, update.message.message_id)


def main() -> None:
    root = os.environ["TELEGRAM_API_URL"]
    concurrent = int(os.environ.get("CONCURRENT_UPDATES", "1"))
    builder = ApplicationBuilder()
    if os.environ.get("HTTP_CLIENT", "httpx") == "aiohttp":
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        from chatbot.telegram_io.http import AiohttpRequest

        builder = builder.request(AiohttpRequest()).get_updates_request(AiohttpRequest())
    application = (
        builder.token(os.environ["BOT_TOKEN"])
        .base_url(f"{root}/bot")
        .concurrent_updates(concurrent if concurrent > 1 else False)
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    application.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
