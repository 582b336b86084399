"""The webhook table: which webhook the bot set last (telegram_io/webhook.py compares before setting)."""

from __future__ import annotations

from chatbot.storage import Store


class WebhookStore(Store):
    """The one-row webhook table."""

    def fingerprint(self) -> str | None:
        """The hash of the webhook settings last set, if any."""
        row = self.conn.execute("SELECT fingerprint FROM webhook WHERE id = 1").fetchone()
        return str(row[0]) if row else None

    def remember(self, fingerprint: str) -> None:
        """The webhook was set with these settings."""
        with self.conn:
            self.conn.execute(
                "INSERT INTO webhook (id, fingerprint) VALUES (1, ?)"
                " ON CONFLICT (id) DO UPDATE SET fingerprint = excluded.fingerprint, set_at = CURRENT_TIMESTAMP",
                (fingerprint,),
            )
