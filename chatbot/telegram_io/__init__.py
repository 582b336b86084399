"""Talking to Telegram: every Bot API call, what its errors mean, how fast, in which order."""
