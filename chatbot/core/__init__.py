"""The rules of the bot: pure, synchronous, with no Telegram and no SQL; they decide and return outcomes."""
