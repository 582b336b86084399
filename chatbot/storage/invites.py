"""Invites: each user's opaque invite code, and who joined through whose link with what it earned.

A referral row outlives /deleteme of either side: it is the inviter's reward record, and it keeps a
user who deletes themselves and re-registers from being counted (or rewarded) twice.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from chatbot.storage import Store, utc_text

# Random bytes in a code: 8 make 11 URL-safe characters (Telegram allows A-Z a-z 0-9 _ - in a start link).
CODE_BYTES = 8


class InviteStore(Store):
    """The invite_codes and referrals tables."""

    def code_of(self, user_id: int) -> str:
        """The user's invite code, made on first use (random: it never reveals who shared it)."""
        row = self.conn.execute("SELECT code FROM invite_codes WHERE user_id = ?", (user_id,)).fetchone()
        if row:
            return str(row[0])
        while True:
            code = secrets.token_urlsafe(CODE_BYTES)
            with self.conn:
                cur = self.conn.execute(
                    "INSERT INTO invite_codes (user_id, code) VALUES (?, ?) ON CONFLICT DO NOTHING", (user_id, code)
                )
            if cur.rowcount == 1:
                return code
            row = self.conn.execute("SELECT code FROM invite_codes WHERE user_id = ?", (user_id,)).fetchone()
            if row:  # made meanwhile; otherwise the random code was taken: draw again
                return str(row[0])

    def inviter(self, code: str) -> int | None:
        """Whose code this is (None for an unknown one)."""
        row = self.conn.execute("SELECT user_id FROM invite_codes WHERE code = ?", (code,)).fetchone()
        return int(row[0]) if row else None

    def record_join(self, invitee_id: int, inviter_id: int) -> bool:
        """Count a new user for their inviter; False if this user was ever counted before."""
        with self.conn:
            return (
                self.conn.execute(
                    "INSERT INTO referrals (invitee_id, inviter_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                    (invitee_id, inviter_id),
                ).rowcount
                == 1
            )

    def pending_inviter(self, invitee_id: int) -> int | None:
        """The inviter of a user whose referral has not been decided yet."""
        row = self.conn.execute(
            "SELECT inviter_id FROM referrals WHERE invitee_id = ? AND outcome = 'pending'", (invitee_id,)
        ).fetchone()
        return int(row[0]) if row else None

    def inviter_of(self, invitee_id: int) -> int | None:
        """Whose invite the user joined through, whatever it earned (None: through nobody's)."""
        row = self.conn.execute("SELECT inviter_id FROM referrals WHERE invitee_id = ?", (invitee_id,)).fetchone()
        return int(row[0]) if row else None

    def rewards_since(self, inviter_id: int, since: datetime) -> int:
        """How many rewards the inviter got since `since`."""
        row = self.conn.execute(
            "SELECT COUNT(*) FROM referrals WHERE inviter_id = ? AND outcome = 'rewarded' AND decided_at >= ?",
            (inviter_id, utc_text(since)),
        ).fetchone()
        return int(row[0])

    def decide(self, invitee_id: int, outcome: str, vip_days: int = 0) -> bool:
        """Record what the referral earned ('rewarded', 'capped' or 'none'); False if it was decided already."""
        with self.conn:
            return (
                self.conn.execute(
                    "UPDATE referrals SET outcome = ?, vip_days = ?, decided_at = CURRENT_TIMESTAMP"
                    " WHERE invitee_id = ? AND outcome = 'pending'",
                    (outcome, vip_days, invitee_id),
                ).rowcount
                == 1
            )

    def summary(self, inviter_id: int) -> tuple[int, int]:
        """(people who joined through the user's link, VIP days it earned)."""
        row = self.conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(vip_days), 0) FROM referrals WHERE inviter_id = ?", (inviter_id,)
        ).fetchone()
        return int(row[0]), int(row[1])
