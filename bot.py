"""Anonymous chat bot for Telegram: pairs strangers at random and relays their messages.

`AnonymousChatBot` builds the services and is the registrar: `register_handlers` is the one ordered
list of every command, button, flow step and update kind the bot answers, each pointing at the
function that handles it. `main()` runs long polling (or webhook mode when WEBHOOK_URL is set, chatbot/telegram_io/webhook.py),
or one of the operator modes (chatbot/ops/modes.py).
"""

from __future__ import annotations

import gc

# Loading the modules below makes a few hundred thousand objects that live as long as the process:
# the collections that ran meanwhile found no garbage and took about a sixth of the start (0.19 of
# 1.18 s, `python -c "import bot"`). Collection resumes once they are loaded, and gc.freeze() keeps
# every later full collection from walking them again.
gc.disable()

import asyncio  # noqa: E402 (after gc.disable, as every import below)
import logging
import os
import signal
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    MessageReactionHandler,
    PreCheckoutQueryHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from chatbot.core.flows import Conversations, Flow, Step
from chatbot.core.matching import Seeker
from chatbot.core.pairing import ChatState, Pairing
from chatbot.handlers import (
    account,
    admin,
    broadcast,
    chat,
    gate,
    invites,
    moderation,
    payments,
    ratings,
    registration,
    rematch,
    relay,
    reports,
    reveal,
    settings,
    system,
    unsend,
)
from chatbot.handlers.common import CONTEXT_TYPES, BotData, Context, Services
from chatbot.i18n.languages import Languages
from chatbot.ops import instance, metrics
from chatbot.ops import modes as ops
from chatbot.ops.activity import ActivityLog
from chatbot.telegram_io import callbacks, webhook
from chatbot.telegram_io.filters import InChat, InFlow
from chatbot.telegram_io.http import AiohttpRequest, ConflictWatch, PollingRequest, beat
from chatbot.telegram_io.pacing import PerChatRateLimiter
from chatbot.telegram_io.sending import ErrorPolicy
from chatbot.telegram_io.updates import PerUserUpdateProcessor, RelayStats, UpdateJournal
from config import Config, ConfigError, load_config
from database import Database
from utils import MessageFilter, RateLimiter

gc.freeze()
gc.enable()

__version__ = "1.0.0"

logger = logging.getLogger("chatbot")

App = Application[Any, Context, Any, Any, BotData, Any]


class AnonymousChatBot:
    """Builds the services, registers every handler, and runs the application."""

    def __init__(self, config: Config, db: Database) -> None:
        self.config = config
        self.db = db
        self._stopping = False  # a stop signal came (polling: later ones are only said)
        self.state = ChatState(db.chats, db.matching)
        self.state.restore()
        self.update_processor = PerUserUpdateProcessor(config.concurrent_updates)
        self.relay_stats = RelayStats()
        self.journal = UpdateJournal(db, self.update_processor, self.relay_stats)
        self.update_processor.on_finished = self.journal.finish
        self.pacing = PerChatRateLimiter(
            chat_rate=config.api_chat_rate,
            chat_burst=config.api_chat_burst,
            bulk_rate=config.bulk_rate,
            backoff_chats=config.flood_backoff_chats,
            max_retries=config.api_max_retries,
            max_in_flight=config.api_concurrency,
            retry_seconds=config.api_retry_seconds,
        )
        # What an error means beyond its call (a 403: the user blocked the bot) is the sending policy's.
        self.pacing.on_error = ErrorPolicy(db.users.mark_blocked)
        self.http_clients: tuple[BaseRequest, ...] = ()
        self.application: App | None = None  # build_application's
        self.started = False
        self.services = Services(
            config=config,
            db=db,
            state=self.state,
            conversations=Conversations(db.conversations),
            update_processor=self.update_processor,
            pacing=self.pacing,
            relay_stats=self.relay_stats,
            message_filter=MessageFilter(config.bad_words),
            action_limiter=RateLimiter(config.action_rate_limit, config.action_rate_window),
            message_limiter=RateLimiter(config.message_rate_limit, config.message_rate_window),
            languages=Languages(db.users.language),
            activity=ActivityLog(),
            conflicts=ConflictWatch(config.conflict_exit_seconds),
        )

    @property
    def active_chats(self) -> dict[int, Pairing]:
        """user id -> their side of the chat (the seed's name; chatbot.core.pairing.ChatState owns it)."""
        return self.state.active_chats

    @property
    def search_queue(self) -> dict[int, Seeker]:
        """Waiting users in arrival order (the seed's name; chatbot.core.pairing.ChatState owns it)."""
        return self.state.search_queue

    def register_handlers(self, application: App) -> None:
        """Every command, button, flow step and update the bot answers, and the function that handles it.

        Order matters! Each update is first counted against its sender's rate limit as it arrives
        (`gate.admit`, on the update processor: a flood is dropped there). Then groups run in order
        (-5 to 0); gatekeeping raises ApplicationHandlerStop to stop an update. Within group 0 the
        first handler whose filters match takes the update.
        """
        private = filters.ChatType.PRIVATE
        # Only new messages: an edited "/stop" must never run a command.
        new = filters.UpdateType.MESSAGE & private
        # An empty ADMIN_IDS matches nobody: the admin commands then answer as unknown.
        admins = new & filters.User(user_id=self.config.admin_ids, allow_empty=False)
        # What a person writes (not a command, a payment or a service message). A text is never a
        # service message, so it skips StatusUpdate.ALL's forty checks.
        service = filters.SUCCESSFUL_PAYMENT | filters.StatusUpdate.ALL
        written = new & ~filters.COMMAND & (filters.TEXT | ~service)
        # The flow steps that wait for a message, read from memory (chatbot/core/flows.py).
        flows = self.services.conversations
        announcement = InFlow(flows, Flow.BROADCAST, Step.MESSAGE) & admins
        support_request = InFlow(flows, Flow.SUPPORT, Step.MESSAGE)
        appeal = InFlow(flows, Flow.APPEAL, Step.MESSAGE)
        age_range = InFlow(flows, Flow.SETTINGS, Step.AGE_RANGE)
        age = InFlow(flows, Flow.REGISTRATION, Step.AGE)
        owes_a_message = announcement | support_request | appeal | age_range
        handlers: list[tuple[int, BaseHandler[Update, Context, None]]] = [
            # Gatekeeping, a step each: who was active and the language of someone new; a waiting album
            # is copied before anything else its sender does (order); banned users; an invite link
            # opened by someone new is noted (it never stops /start); required channels.
            (-5, TypeHandler(Update, gate.seen)),
            (-4, TypeHandler(Update, relay.pending_album_first)),
            (-3, TypeHandler(Update, gate.ban_gate)),
            (-2, CommandHandler("start", invites.invited_start, filters=new, has_args=True)),
            (-1, TypeHandler(Update, gate.channel_gate)),
            # A chat message, relayed: first, because it is most of the traffic. A user in a chat who
            # owes a flow step its message (below) is answered by that step instead.
            (0, MessageHandler(written & InChat(self.state) & ~owes_a_message, relay.relay_message)),
            # Flow steps waiting for a message: an announcement, a support request, an appeal, an age
            # range (VIP settings), the age (registration); anything else written outside a chat: a hint.
            (0, MessageHandler(written & announcement, broadcast.broadcast_message)),
            (0, MessageHandler(written & support_request, payments.support_message)),
            (0, MessageHandler(written & appeal, moderation.appeal_message)),
            (0, MessageHandler(written & age_range, settings.age_range_message)),
            (0, MessageHandler(written & age, registration.age_message)),
            (0, MessageHandler(written, chat.hint_message)),
            # Commands
            (0, CommandHandler("start", registration.start_command, filters=new)),
            (0, CommandHandler("search", chat.search_command, filters=new)),
            (0, CommandHandler("next", chat.next_command, filters=new)),
            (0, CommandHandler("stop", chat.stop_command, filters=new)),
            (0, CommandHandler("profile", account.profile_command, filters=new)),
            (0, CommandHandler("rules", account.rules_command, filters=new)),
            (0, CommandHandler("help", account.help_command, filters=new)),
            (0, CommandHandler("privacy", account.privacy_command, filters=new)),
            (0, CommandHandler("settings", settings.settings_command, filters=new)),
            (0, CommandHandler("vip", payments.vip_command, filters=new)),
            (0, CommandHandler("paysupport", payments.paysupport_command, filters=new)),
            (0, CommandHandler("appeal", moderation.appeal_command, filters=new)),
            (0, CommandHandler("deleteme", account.deleteme_command, filters=new)),
            (0, CommandHandler("language", registration.language_command, filters=new)),
            (0, CommandHandler("reveal", reveal.reveal_command, filters=new)),
            (0, CommandHandler("invite", invites.invite_command, filters=new)),
            (0, CommandHandler("delete", unsend.delete_command, filters=new)),
            (0, CommandHandler("ban", moderation.ban_command, filters=admins)),
            (0, CommandHandler("unban", moderation.unban_command, filters=admins)),
            (0, CommandHandler("purge", moderation.purge_command, filters=admins)),
            (0, CommandHandler("stats", admin.stats_command, filters=admins)),
            (0, CommandHandler("backup", admin.backup_command, filters=admins)),
            (0, CommandHandler("refund", payments.refund_command, filters=admins)),
            (0, CommandHandler("audit", moderation.audit_command, filters=admins)),
            (0, CommandHandler("broadcast", broadcast.broadcast_command, filters=admins)),
            # Buttons, in the order of the lines below: 👨 Male / 👩 Female; ✅ I've joined; 🇬🇧 🇷🇺 🇪🇸;
            # 👍 👎 ⛔; 🔁 Chat again; ✅ Accept / ❌ Decline (chatting again); 🤝 Exchange / 🙅 Decline
            # (profiles); the report's reasons; report cards (⛔ Ban, 🧹 Ban and delete, ⏳ Ban 24 h,
            # ✅ Dismiss); appeal cards (✅ Unban, ❌ Reject); 👨 Men / 👩 Women / 👥 Anyone; 🎂 Age range;
            # 🏷 Interests, a topic, ✔️ Done; 🔒 Protect my messages; 🫣 Hide partner's media; 🔔 Announcements; 📣 Send to N users / Cancel / ⏹ Stop; ⭐ Buy VIP;
            # 🔁 Subscribe; Cancel subscription; ↩️ Refund; 🗑 Delete my data / Cancel. Anything else is stale.
            (0, CallbackQueryHandler(registration.gender_callback, pattern=callbacks.GENDER.pattern)),
            (0, CallbackQueryHandler(registration.joined_callback, pattern=callbacks.JOINED.pattern)),
            (0, CallbackQueryHandler(registration.language_callback, pattern=callbacks.LANGUAGE.pattern)),
            (0, CallbackQueryHandler(ratings.rating_callback, pattern=callbacks.RATE.pattern)),
            (0, CallbackQueryHandler(rematch.chat_again_callback, pattern=callbacks.AGAIN.pattern)),
            (0, CallbackQueryHandler(rematch.rematch_callback, pattern=callbacks.REMATCH.pattern)),
            (0, CallbackQueryHandler(reveal.reveal_callback, pattern=callbacks.REVEAL.pattern)),
            (0, CallbackQueryHandler(reports.report_reason_callback, pattern=callbacks.REPORT.pattern)),
            (0, CallbackQueryHandler(reports.report_action_callback, pattern=callbacks.REPORT_ACTION.pattern)),
            (0, CallbackQueryHandler(moderation.appeal_action_callback, pattern=callbacks.APPEAL_ACTION.pattern)),
            (0, CallbackQueryHandler(settings.partner_gender_callback, pattern=callbacks.PARTNER_GENDER.pattern)),
            (0, CallbackQueryHandler(settings.age_range_callback, pattern=callbacks.AGE_RANGE.pattern)),
            (0, CallbackQueryHandler(settings.interests_callback, pattern=callbacks.INTERESTS.pattern)),
            (0, CallbackQueryHandler(settings.interest_callback, pattern=callbacks.INTEREST.pattern)),
            (0, CallbackQueryHandler(settings.interests_done_callback, pattern=callbacks.INTERESTS_DONE.pattern)),
            (0, CallbackQueryHandler(settings.toggle_callback, pattern=callbacks.PROTECT.pattern)),
            (0, CallbackQueryHandler(settings.toggle_callback, pattern=callbacks.HIDE_MEDIA.pattern)),
            (0, CallbackQueryHandler(settings.toggle_callback, pattern=callbacks.ANNOUNCEMENTS.pattern)),
            (0, CallbackQueryHandler(broadcast.broadcast_callback, pattern=callbacks.BROADCAST.pattern)),
            (0, CallbackQueryHandler(payments.buy_vip_callback, pattern=callbacks.BUY_VIP.pattern)),
            (0, CallbackQueryHandler(payments.subscribe_callback, pattern=callbacks.SUBSCRIBE.pattern)),
            (0, CallbackQueryHandler(payments.cancel_subscription_callback, pattern=callbacks.CANCEL_SUBSCRIPTION.pattern)),
            (0, CallbackQueryHandler(payments.refund_callback, pattern=callbacks.REFUND.pattern)),
            (0, CallbackQueryHandler(account.deleteme_callback, pattern=callbacks.DELETE_ME.pattern)),
            (0, CallbackQueryHandler(ratings.stale_button_callback)),
            # Payments, the user blocking the bot, reactions to mirror
            (0, PreCheckoutQueryHandler(payments.precheckout_callback)),
            (0, MessageHandler(filters.SUCCESSFUL_PAYMENT & private, payments.successful_payment_callback)),
            (0, MessageHandler(filters.StatusUpdate.REFUNDED_PAYMENT & private, payments.refunded_payment_callback)),
            (0, ChatMemberHandler(relay.my_chat_member_update, ChatMemberHandler.MY_CHAT_MEMBER)),
            (0, MessageReactionHandler(relay.reaction_update)),
            # A command the bot does not know (or this user may not use), and an edit to mirror.
            (0, MessageHandler(new & filters.COMMAND, account.unknown_command)),
            (0, MessageHandler(filters.UpdateType.EDITED_MESSAGE & private & ~filters.COMMAND, relay.edited_message)),
        ]
        for group, handler in handlers:
            application.add_handler(handler, group=group)
        application.add_error_handler(system.error_handler)

    def build_application(self, request: BaseRequest | None = None) -> App:
        """The PTB Application, pointed at `TELEGRAM_API_URL`, with flood retries and per-user order.

        `request` replaces the HTTP layer (the unit tests pass a fake one).
        """
        root = self.config.telegram_api_url
        builder = ApplicationBuilder().context_types(CONTEXT_TYPES)
        if request is not None:
            builder = builder.request(request).get_updates_request(request)
        else:
            # getUpdates has its own client, with the journal and heartbeat; its timeouts leave room for the long poll.
            polling = PollingRequest(
                self.config.heartbeat_file,
                self.journal.record,
                self.services.conflicts,
                connection_pool_size=1,
                read_timeout=self.config.poll_timeout + 10,
            )
            self.http_clients = (AiohttpRequest(), polling)
            builder = builder.request(self.http_clients[0]).get_updates_request(polling)
        application: App = (
            builder.token(self.config.bot_token)
            .base_url(f"{root}/bot")
            .base_file_url(f"{root}/file/bot")
            .rate_limiter(self.pacing)
            .concurrent_updates(self.update_processor)
            .post_init(self.post_init)
            .post_shutdown(self.post_shutdown)
            .build()
        )
        application.bot_data.services = self.services
        self.application = application
        self.update_processor.admit = lambda update: gate.admit(application.bot, self.services, update)
        # Retries waiting when the bot stops end at once; their updates are replayed at the next start.
        self.pacing.stopping = lambda: not application.running
        self.register_handlers(application)
        return application

    def run(self) -> None:
        """Long polling, or webhook mode when WEBHOOK_URL is set; until SIGTERM or SIGINT."""
        application = self.build_application()
        config = self.config
        if not config.webhook_url:
            # The stop signals are the bot's own: PTB's raise at every signal, so a second Ctrl-C cut
            # its stop short (relays on the wire, the last writes, the database left open).
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGABRT):
                loop.add_signal_handler(sig, self.stop_signal)
            # PTB calls deleteWebhook first (keeping pending updates): switching back strands nothing.
            application.run_polling(allowed_updates=Update.ALL_TYPES, timeout=config.poll_timeout, stop_signals=None)
            return
        receiver = webhook.Receiver(
            config.webhook_path, config.webhook_secret, self.journal.record_bodies, application.update_queue, application.bot
        )
        receiver.bind(config.webhook_listen, config.webhook_port)  # a taken port stops the bot before any call
        webhook.run(application, receiver, lambda: self.set_webhook(application))

    def stop_signal(self) -> None:
        """SIGINT, SIGTERM or SIGABRT while polling: the first stops the bot, as PTB's own handler
        does; one that comes while it stops (a second Ctrl-C, or after a conflict) is only said."""
        if self._stopping or self.services.conflicts.stopping:
            logger.info("Stopping already: handlers are finishing")
            return
        self._stopping = True
        raise SystemExit

    async def set_webhook(self, application: App) -> None:
        """Points Telegram at WEBHOOK_URL unless it already is (once the receiver listens), then watches it."""
        config = self.config
        changed = await webhook.register(
            application.bot, self.db.webhook, config.webhook_url, config.webhook_secret,
            config.webhook_max_connections, Update.ALL_TYPES,
        )  # fmt: skip
        logger.info(
            "Receiving updates by webhook at %s, listening on %s:%s (%s)", config.masked_webhook_url,
            config.webhook_listen, config.webhook_port, "webhook set" if changed else "webhook already set",
        )  # fmt: skip
        if application.job_queue:
            # No polls to beat the heartbeat: the webhook's state is asked for as often instead. Only
            # now: before, a webhook still being set would look like one taken by another process.
            application.job_queue.run_repeating(
                system.webhook_watch_job, interval=config.poll_timeout, data=webhook.WebhookWatch(config.webhook_url)
            )

    async def post_init(self, application: App) -> None:
        """Logs the start, replays a crash's updates, schedules the jobs (the command menu and profile texts first)."""
        config = self.config
        self.started = True
        figures = self.db.analytics.figures()
        logger.info(
            "Started @%s version %s; %s; token %s, API %s, database %s, admins %s, channels %s, VIP %s stars/%s days,"
            " backups %s (keep %s at %s UTC); %s users, %s banned, %s VIP, %s active chats, %s searching",
            application.bot.username, __version__, "webhook mode" if config.webhook_url else "long polling", config.masked_token, config.telegram_api_url,
            config.database_path, len(config.admin_ids), ",".join(config.required_channels) or "none",
            config.vip_price_stars, config.vip_days, config.backup_dir, config.backup_keep,
            config.backup_time.strftime("%H:%M"), figures.users, figures.banned, figures.vip,
            self.state.chat_count, len(self.search_queue),
        )  # fmt: skip
        if config.metrics_port:
            metrics.serve(config.metrics_port, config.metrics_host, lambda: self.state.chat_count, lambda: len(self.search_queue))
            logger.info("Metrics at http://%s:%s/metrics", config.metrics_host, config.metrics_port)
        await self.journal.replay(application)
        beat(config.heartbeat_file)
        if application.job_queue:
            application.job_queue.run_once(system.bot_profile_job, 0)
            application.job_queue.run_repeating(system.housekeeping_job, interval=3600, first=10)
            application.job_queue.run_daily(admin.backup_job, time=config.backup_time)
            application.job_queue.run_repeating(moderation.ban_expiry_job, interval=30, first=1)
            broadcast.resume(application.job_queue, self.db)
            application.job_queue.run_repeating(system.activity_job, interval=60, first=60)
            application.job_queue.run_repeating(system.forget_idle_job, interval=system.FORGET_IDLE_SECONDS)
            application.job_queue.run_repeating(system.release_memory_job, interval=system.RELEASE_MEMORY_SECONDS)
            if config.search_timeout_minutes > 0:
                # Checked often enough that nobody waits more than a tenth longer (at most 30 s).
                every = min(30.0, max(1.0, config.search_timeout_minutes * 6))
                application.job_queue.run_repeating(chat.search_timeout_job, interval=every, first=1)

    async def post_shutdown(self, application: App) -> None:
        """Writes the last activity, closes the database and the HTTP clients, and removes the heartbeat (a
        stopped bot is not a stalled one)."""
        self.services.activity.flush(self.db)
        self.db.close()
        # PTB closes them only after a successful start: a start that failed must close them too.
        for client in self.http_clients:
            await client.shutdown()
        Path(self.config.heartbeat_file).unlink(missing_ok=True)
        if self.started:  # a start that failed is said by main(), in one line
            logger.info("Bot stopped")


def main(argv: list[str] | None = None) -> int:
    """Validate the settings, open the database and run (long polling or webhook) until SIGTERM or SIGINT."""
    # Opt in to PTB 23's durations (timedelta, e.g. RetryAfter.retry_after) now: pacing reads either
    # type, and the opt-in silences a deprecation warning on every first 429. PTB reads it at use.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    args = ops.parse_args(argv)
    try:
        config = load_config(require_token=not (args.health or args.restore))
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"Configuration error: {problem}", file=sys.stderr)
        return 2
    if args.health or args.check or args.restore:
        return ops.run_mode(args, config)
    try:
        ops.setup_logging(config)
    except OSError as exc:
        print(f"Configuration error: LOG_FILE {config.log_file!r} cannot be written: {exc}", file=sys.stderr)
        return 2
    try:
        # Held until the process ends: two bots on one database (and one token) would fight over both.
        lock = instance.hold(config.database_path)
    except instance.AlreadyRunning as exc:
        print(
            f"Not starting: another copy of the bot (pid {exc.pid or '?'}) is running on DATABASE_PATH"
            f" {config.database_path!r}; only one may run at a time",
            file=sys.stderr,
        )
        return 2
    except OSError as exc:
        print(f"Configuration error: DATABASE_PATH {config.database_path!r} cannot be opened: {exc}", file=sys.stderr)
        return 2
    try:
        db = Database(config.database_path)
    except (sqlite3.Error, RuntimeError) as exc:
        print(f"Configuration error: DATABASE_PATH {config.database_path!r} cannot be opened: {exc}", file=sys.stderr)
        return 2
    bot = AnonymousChatBot(config, db)
    try:
        bot.run()
    except webhook.CannotListen as exc:
        db.close()
        print(f"Configuration error: WEBHOOK_LISTEN and WEBHOOK_PORT: cannot listen on {exc}", file=sys.stderr)
        return 2
    except webhook.Refused as exc:
        # Each start costs Telegram calls: a supervisor that restarts anyway must not hammer it.
        db.close()
        time.sleep(config.start_failure_delay)
        print(
            f"Configuration error: Telegram refuses WEBHOOK_URL {config.masked_webhook_url!r}: {exc}"
            f" (waited {config.start_failure_delay:g} s, START_FAILURE_DELAY)",
            file=sys.stderr,
        )
        return 2
    except webhook.FrontFailed as exc:
        logger.critical("Stopped: %s", exc)  # after the clean stop: what was journaled is replayed at the next start
        return 1
    except TelegramError as exc:
        # A bad token or an unreachable API: wait before exiting, so a supervisor that restarts the
        # bot at once cannot hammer Telegram (which answers a flood of getMe calls with a ban).
        logger.error(
            "Could not start: %s. Waiting %s s before exiting (START_FAILURE_DELAY)", exc, config.start_failure_delay
        )
        db.close()
        time.sleep(config.start_failure_delay)
        return 1
    lock.close()
    # Stopped for good by a conflict that outlasted CONFLICT_EXIT_SECONDS (handlers/system.py).
    return 1 if bot.services.conflicts.gave_up else 0


if __name__ == "__main__":
    sys.exit(main())
