"""The schema, as the steps that build it: `MIGRATIONS[n]` upgrades schema version n to n+1.

Never edit a step that has shipped: add one. Each runs in one transaction (database.py), and the
version lives in `PRAGMA user_version`.
"""

MIGRATIONS: tuple[str, ...] = (
    # 0 -> 1: the seed's schema, plus ban reason, VIP end date, chat ids on ratings,
    # payments, and the search queue.
    """
    CREATE TABLE users (
        user_id INTEGER PRIMARY KEY,
        gender TEXT NOT NULL CHECK (gender IN ('male', 'female')),
        age INTEGER NOT NULL CHECK (age BETWEEN 18 AND 100),
        is_vip BOOLEAN NOT NULL DEFAULT 0,
        is_banned BOOLEAN NOT NULL DEFAULT 0,
        subscribed BOOLEAN NOT NULL DEFAULT 0,
        created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
        vip_until TIMESTAMP,
        ban_reason TEXT,
        banned_at TIMESTAMP
    );
    CREATE TABLE chat_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        user1_id INTEGER NOT NULL,
        user2_id INTEGER NOT NULL,
        started_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
        ended_at TIMESTAMP,
        FOREIGN KEY (user1_id) REFERENCES users(user_id),
        FOREIGN KEY (user2_id) REFERENCES users(user_id),
        CHECK (user1_id <> user2_id)
    );
    CREATE TABLE ratings (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        rater_id INTEGER NOT NULL,
        target_id INTEGER NOT NULL,
        rating_type TEXT NOT NULL CHECK (rating_type IN ('good', 'bad', 'scam')),
        created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
        chat_id INTEGER NOT NULL,
        FOREIGN KEY (rater_id) REFERENCES users(user_id),
        FOREIGN KEY (target_id) REFERENCES users(user_id),
        FOREIGN KEY (chat_id) REFERENCES chat_history(id),
        UNIQUE (rater_id, chat_id)
    );
    CREATE TABLE payments (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        telegram_payment_charge_id TEXT NOT NULL UNIQUE,
        user_id INTEGER NOT NULL,
        amount INTEGER NOT NULL,
        currency TEXT NOT NULL,
        payload TEXT NOT NULL,
        vip_until TIMESTAMP NOT NULL,
        created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
        FOREIGN KEY (user_id) REFERENCES users(user_id)
    );
    CREATE TABLE search_queue (
        user_id INTEGER PRIMARY KEY,
        joined_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
        FOREIGN KEY (user_id) REFERENCES users(user_id)
    );
    CREATE INDEX idx_ratings_target ON ratings(target_id);
    CREATE INDEX idx_ratings_type ON ratings(rating_type);
    CREATE INDEX idx_ratings_target_type ON ratings(target_id, rating_type, rater_id);
    CREATE INDEX idx_ratings_created ON ratings(created_at);
    CREATE INDEX idx_users_vip ON users(is_vip);
    CREATE INDEX idx_users_banned ON users(is_banned);
    CREATE INDEX idx_users_created ON users(created_at);
    CREATE INDEX idx_chat_history_user1 ON chat_history(user1_id);
    CREATE INDEX idx_chat_history_user2 ON chat_history(user2_id);
    CREATE INDEX idx_chat_history_started ON chat_history(started_at);
    CREATE INDEX idx_chat_history_open ON chat_history(id) WHERE ended_at IS NULL;
    CREATE INDEX idx_payments_user ON payments(user_id);
    CREATE INDEX idx_payments_created ON payments(created_at);
    """,
    # 1 -> 2: which copy stands for which message, in both directions, for replies and edits.
    # Rows live only while their chat is open (end_chat deletes them).
    """
    CREATE TABLE message_map (
        user_id INTEGER NOT NULL,
        message_id INTEGER NOT NULL,
        peer_id INTEGER NOT NULL,
        peer_message_id INTEGER NOT NULL,
        chat_id INTEGER NOT NULL,
        PRIMARY KEY (user_id, message_id),
        FOREIGN KEY (chat_id) REFERENCES chat_history(id)
    ) WITHOUT ROWID;
    CREATE INDEX idx_message_map_chat ON message_map(chat_id);
    """,
    # 2 -> 3: every update fetched from Telegram until its handlers finish, so a crash loses none.
    """
    CREATE TABLE update_journal (
        update_id INTEGER PRIMARY KEY,
        body TEXT NOT NULL,
        done BOOLEAN NOT NULL DEFAULT 0,
        replays INTEGER NOT NULL DEFAULT 0,
        received_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
    );
    CREATE INDEX idx_update_journal_pending ON update_journal(update_id) WHERE done = 0;
    CREATE INDEX idx_update_journal_received ON update_journal(received_at);
    """,
    # 3 -> 4: where each user is in a multi-step flow (flows.py), so a restart loses nobody half-way.
    # users.subscribed (the seed's) is no longer written: channel membership is checked live.
    """
    CREATE TABLE conversations (
        user_id INTEGER NOT NULL,
        flow TEXT NOT NULL,
        step TEXT NOT NULL,
        data TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (user_id, flow)
    ) WITHOUT ROWID;
    """,
    # 4 -> 5: partner preferences (VIP), who must never meet again (from 👎 and ⛔, so the block
    # outlives the ratings), Stars subscriptions, and refunds. vip_from is the VIP end a payment
    # started from, so a refund takes back exactly the time it bought; NULL on older rows.
    """
    CREATE TABLE preferences (
        user_id INTEGER PRIMARY KEY,
        partner_gender TEXT CHECK (partner_gender IN ('male', 'female')),
        age_min INTEGER NOT NULL DEFAULT 18,
        age_max INTEGER NOT NULL DEFAULT 100,
        CHECK (18 <= age_min AND age_min <= age_max AND age_max <= 100),
        FOREIGN KEY (user_id) REFERENCES users(user_id)
    );
    CREATE TABLE blocks (
        user_id INTEGER NOT NULL,
        blocked_id INTEGER NOT NULL,
        created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
        PRIMARY KEY (user_id, blocked_id)
    ) WITHOUT ROWID;
    CREATE INDEX idx_blocks_blocked ON blocks(blocked_id);
    INSERT INTO blocks (user_id, blocked_id, created_at)
        SELECT rater_id, target_id, MIN(created_at) FROM ratings
        WHERE rating_type IN ('bad', 'scam') GROUP BY rater_id, target_id;
    CREATE TABLE subscriptions (
        user_id INTEGER PRIMARY KEY,
        charge_id TEXT NOT NULL,
        renews_at TIMESTAMP NOT NULL,
        canceled BOOLEAN NOT NULL DEFAULT 0,
        FOREIGN KEY (user_id) REFERENCES users(user_id)
    );
    ALTER TABLE payments ADD COLUMN kind TEXT NOT NULL DEFAULT 'one_off' CHECK (kind IN ('one_off', 'subscription'));
    ALTER TABLE payments ADD COLUMN vip_from TIMESTAMP;
    ALTER TABLE payments ADD COLUMN refunded_at TIMESTAMP;
    ALTER TABLE payments ADD COLUMN refunded_by INTEGER;
    CREATE INDEX idx_payments_user_latest ON payments(user_id, id);
    CREATE INDEX idx_search_queue_joined ON search_queue(joined_at);
    """,
    # 5 -> 6: moderation and privacy. Reports with a reason and an outcome; bans with an end (NULL:
    # permanent) and who lifted them; appeals, one per ban; the admin cards of reports and appeals,
    # to edit them all when one admin acts; the audit log; filter strikes and mutes. message_map marks
    # which row is the sender's own message (`sent`), for report evidence. payments and
    # subscriptions lose their foreign key to users: they outlive a user's /deleteme.
    """
    CREATE TABLE reports (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        reporter_id INTEGER NOT NULL,
        target_id INTEGER NOT NULL,
        chat_id INTEGER NOT NULL,
        reason TEXT NOT NULL CHECK (reason IN ('sexual', 'insults', 'spam', 'underage', 'other')),
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'banned', 'suspended', 'dismissed')),
        handled_by INTEGER,
        handled_at TIMESTAMP,
        created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
        UNIQUE (reporter_id, chat_id)
    );
    CREATE INDEX idx_reports_target ON reports(target_id, status, reporter_id);
    INSERT INTO reports (reporter_id, target_id, chat_id, reason, created_at)
        SELECT rater_id, target_id, chat_id, 'other', created_at FROM ratings WHERE rating_type = 'scam';
    CREATE TABLE bans (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id INTEGER NOT NULL,
        reason TEXT,
        admin_id INTEGER,
        created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
        until TIMESTAMP,
        lifted_at TIMESTAMP,
        lifted_by INTEGER
    );
    CREATE INDEX idx_bans_active ON bans(user_id) WHERE lifted_at IS NULL;
    INSERT INTO bans (user_id, reason, created_at)
        SELECT user_id, ban_reason, COALESCE(banned_at, CURRENT_TIMESTAMP) FROM users WHERE is_banned = 1;
    CREATE TABLE appeals (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ban_id INTEGER NOT NULL UNIQUE,
        user_id INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'accepted', 'rejected')),
        handled_by INTEGER,
        handled_at TIMESTAMP,
        created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
        FOREIGN KEY (ban_id) REFERENCES bans(id)
    );
    CREATE TABLE cards (
        kind TEXT NOT NULL CHECK (kind IN ('report', 'appeal')),
        item_id INTEGER NOT NULL,
        admin_id INTEGER NOT NULL,
        message_id INTEGER NOT NULL,
        PRIMARY KEY (kind, item_id, admin_id)
    ) WITHOUT ROWID;
    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        admin_id INTEGER,
        action TEXT NOT NULL,
        target_id INTEGER,
        detail TEXT NOT NULL DEFAULT '',
        created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
    );
    CREATE TABLE strikes (
        user_id INTEGER NOT NULL,
        created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
    );
    CREATE INDEX idx_strikes_user ON strikes(user_id, created_at);
    CREATE TABLE mutes (
        user_id INTEGER NOT NULL,
        started_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
        until TIMESTAMP NOT NULL
    );
    CREATE INDEX idx_mutes_user ON mutes(user_id, started_at);
    CREATE INDEX idx_mutes_until ON mutes(until);
    ALTER TABLE message_map ADD COLUMN sent BOOLEAN NOT NULL DEFAULT 0;
    CREATE INDEX idx_chat_history_ended ON chat_history(ended_at) WHERE ended_at IS NOT NULL;
    CREATE TABLE payments_kept (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        telegram_payment_charge_id TEXT NOT NULL UNIQUE,
        user_id INTEGER NOT NULL,
        amount INTEGER NOT NULL,
        currency TEXT NOT NULL,
        payload TEXT NOT NULL,
        vip_until TIMESTAMP NOT NULL,
        created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
        kind TEXT NOT NULL DEFAULT 'one_off' CHECK (kind IN ('one_off', 'subscription')),
        vip_from TIMESTAMP,
        refunded_at TIMESTAMP,
        refunded_by INTEGER
    );
    INSERT INTO payments_kept SELECT id, telegram_payment_charge_id, user_id, amount, currency, payload, vip_until,
        created_at, kind, vip_from, refunded_at, refunded_by FROM payments;
    DROP TABLE payments;
    ALTER TABLE payments_kept RENAME TO payments;
    CREATE INDEX idx_payments_user ON payments(user_id);
    CREATE INDEX idx_payments_created ON payments(created_at);
    CREATE INDEX idx_payments_user_latest ON payments(user_id, id);
    CREATE TABLE subscriptions_kept (
        user_id INTEGER PRIMARY KEY,
        charge_id TEXT NOT NULL,
        renews_at TIMESTAMP NOT NULL,
        canceled BOOLEAN NOT NULL DEFAULT 0
    );
    INSERT INTO subscriptions_kept SELECT user_id, charge_id, renews_at, canceled FROM subscriptions;
    DROP TABLE subscriptions;
    ALTER TABLE subscriptions_kept RENAME TO subscriptions;
    """,
    # 6 -> 7: the language each user reads (texts.LANGUAGES), from their Telegram app or /language.
    """
    ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
    """,
    # 7 -> 8: operator tooling. Who blocked the bot (excluded from announcements, counted in /stats)
    # and who refuses announcements; the announcements and how far each got (`cursor`: the last
    # recipient, in user id order, it was sent to or is being sent to); daily activity for /stats.
    """
    ALTER TABLE users ADD COLUMN blocked_at TIMESTAMP;
    ALTER TABLE users ADD COLUMN announcements BOOLEAN NOT NULL DEFAULT 1;
    CREATE INDEX idx_users_blocked ON users(blocked_at) WHERE blocked_at IS NOT NULL;
    CREATE TABLE broadcasts (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        admin_id INTEGER NOT NULL,
        message_id INTEGER NOT NULL,
        kind TEXT NOT NULL,
        text TEXT,
        entities TEXT NOT NULL DEFAULT '[]',
        status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'running', 'done', 'stopped', 'cancelled')),
        total INTEGER NOT NULL DEFAULT 0,
        cursor INTEGER NOT NULL DEFAULT 0,
        sent INTEGER NOT NULL DEFAULT 0,
        failed INTEGER NOT NULL DEFAULT 0,
        blocked INTEGER NOT NULL DEFAULT 0,
        progress_message_id INTEGER,
        created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
        started_at TIMESTAMP,
        finished_at TIMESTAMP
    );
    CREATE INDEX idx_broadcasts_running ON broadcasts(status) WHERE status = 'running';
    CREATE TABLE activity (
        day TEXT NOT NULL,
        user_id INTEGER NOT NULL,
        searched BOOLEAN NOT NULL DEFAULT 0,
        PRIMARY KEY (day, user_id)
    ) WITHOUT ROWID;
    CREATE INDEX idx_activity_user ON activity(user_id);
    """,
    # 8 -> 9: what keeps good conversations going. Each user's interests (core.interests bits). An
    # open offer to exchange profiles, one per chat, with the offerer's username (the row goes once
    # answered or once the chat ends). Requests to chat again, one open per sender. Each user's
    # invite code, and who joined through whose link with what it earned: those rows outlive /deleteme
    # of either side, so a user who re-registers is not counted (nor rewarded) twice. VIP earned by
    # inviting is a payment of its own kind ('referral'), which the kind's CHECK must allow.
    """
    ALTER TABLE users ADD COLUMN interests INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE reveal_offers (
        chat_id INTEGER PRIMARY KEY,
        offerer_id INTEGER NOT NULL,
        offerer_username TEXT,
        created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
    );
    CREATE INDEX idx_reveal_offers_offerer ON reveal_offers(offerer_id);
    CREATE TABLE rematch_requests (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        chat_id INTEGER NOT NULL,
        from_id INTEGER NOT NULL,
        to_id INTEGER NOT NULL,
        created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
    );
    CREATE UNIQUE INDEX idx_rematch_requests_from ON rematch_requests(from_id);
    CREATE INDEX idx_rematch_requests_to ON rematch_requests(to_id);
    CREATE TABLE invite_codes (
        user_id INTEGER PRIMARY KEY,
        code TEXT NOT NULL UNIQUE
    );
    CREATE TABLE referrals (
        invitee_id INTEGER PRIMARY KEY,
        inviter_id INTEGER NOT NULL,
        joined_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
        outcome TEXT NOT NULL DEFAULT 'pending' CHECK (outcome IN ('pending', 'rewarded', 'capped', 'none')),
        decided_at TIMESTAMP,
        vip_days INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX idx_referrals_inviter ON referrals(inviter_id, outcome, decided_at);
    CREATE INDEX idx_referrals_joined ON referrals(joined_at);
    CREATE INDEX idx_referrals_decided ON referrals(decided_at) WHERE outcome = 'rewarded';
    CREATE TABLE payments_kept (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        telegram_payment_charge_id TEXT NOT NULL UNIQUE,
        user_id INTEGER NOT NULL,
        amount INTEGER NOT NULL,
        currency TEXT NOT NULL,
        payload TEXT NOT NULL,
        vip_until TIMESTAMP NOT NULL,
        created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
        kind TEXT NOT NULL DEFAULT 'one_off' CHECK (kind IN ('one_off', 'subscription', 'referral')),
        vip_from TIMESTAMP,
        refunded_at TIMESTAMP,
        refunded_by INTEGER
    );
    INSERT INTO payments_kept SELECT id, telegram_payment_charge_id, user_id, amount, currency, payload, vip_until,
        created_at, kind, vip_from, refunded_at, refunded_by FROM payments;
    DROP TABLE payments;
    ALTER TABLE payments_kept RENAME TO payments;
    CREATE INDEX idx_payments_user ON payments(user_id);
    CREATE INDEX idx_payments_created ON payments(created_at);
    CREATE INDEX idx_payments_user_latest ON payments(user_id, id);
    """,
    # 9 -> 10: the chat a person controls. Whether the copies of a user's messages are protected
    # (no forwarding or saving) and whether the partner's photos, videos and animations reach them
    # covered (on by default); when each reply-map row was written (Unix time, within WRITE_DELAY of
    # the send; NULL on older rows), for what Telegram still lets the bot delete (48 hours).
    """
    ALTER TABLE users ADD COLUMN protect_content BOOLEAN NOT NULL DEFAULT 0;
    ALTER TABLE users ADD COLUMN hide_media BOOLEAN NOT NULL DEFAULT 1;
    ALTER TABLE message_map ADD COLUMN sent_at INTEGER;
    CREATE INDEX idx_message_map_peer ON message_map(peer_id, sent_at) WHERE sent = 0;
    """,
    # 10 -> 11: the webhook the bot last set (a hash of its URL, secret, max_connections and update
    # kinds), so a restart with nothing changed does not set it again. Telegram never tells the secret.
    """
    CREATE TABLE webhook (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        fingerprint TEXT NOT NULL,
        set_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
    );
    """,
    # 11 -> 12: when each user last moved in each flow, so a step left half-way (a registration
    # abandoned at the age, an appeal never written) is forgotten after FLOW_EXPIRE_DAYS instead of
    # being kept, in the table and in memory, for everyone who ever opened the bot. Rows older than
    # this version count from the upgrade. The update (a press on a card) that decided each report
    # and appeal: the journal replays a press a crash cut short, and it must find its own decision
    # and carry out the rest, where any other press reads "already handled". And an index no query
    # uses: offers are only ever looked up by chat (the primary key), so it only cost every offer a write.
    """
    ALTER TABLE conversations ADD COLUMN updated_at TIMESTAMP;
    UPDATE conversations SET updated_at = CURRENT_TIMESTAMP;
    CREATE INDEX idx_conversations_updated ON conversations(updated_at);
    ALTER TABLE reports ADD COLUMN decided_update INTEGER;
    ALTER TABLE appeals ADD COLUMN decided_update INTEGER;
    DROP INDEX idx_reveal_offers_offerer;
    """,
    # 12 -> 13: whether the banned user was sent the ban notice, and the appellant the decision, so
    # a press that a crash cut short, replayed at the next start, carries out the rest without
    # telling them twice. Bans and decided appeals from before the upgrade count as told (a press cut
    # short by a crash just before the upgrade, replayed after it, then tells nobody: rare, and a
    # missed notice is also what the banned user's next message brings).
    """
    ALTER TABLE bans ADD COLUMN notified_at TIMESTAMP;
    UPDATE bans SET notified_at = created_at;
    ALTER TABLE appeals ADD COLUMN told_at TIMESTAMP;
    UPDATE appeals SET told_at = COALESCE(handled_at, CURRENT_TIMESTAMP) WHERE status != 'open';
    """,
)
