"""Anonymous chat bot for Telegram: pairs strangers at random and relays their messages.

`AnonymousChatBot` builds the services and is the registrar: `register_handlers` is the one ordered
list of every command, button and update the bot answers, each pointing at the module that handles
it. `main()` runs long polling, or one of the operator modes of ops.py.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

# runtime first: it opts in to PTB's timedelta durations before python-telegram-bot is imported.
from runtime import AiohttpRequest, PerUserUpdateProcessor, PollingRequest, RelayStats, UpdateJournal, beat  # isort: skip

from telegram import Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    PreCheckoutQueryHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

import callbacks
import metrics
import ops
from config import Config, ConfigError, load_config
from database import Database
from flows import Conversations
from pacing import PerChatRateLimiter
from handlers import (
    account,
    admin,
    broadcast,
    chat,
    gate,
    moderation,
    payments,
    ratings,
    registration,
    relay,
    reports,
    settings,
    system,
)
from services import CONTEXT_TYPES, BotData, Context, Services
from matching import Seeker
from state import ChatState, Pairing
from utils import MessageFilter, RateLimiter

__version__ = "1.0.0"

logger = logging.getLogger("chatbot")

App = Application[Any, Context, Any, Any, BotData, Any]


class AnonymousChatBot:
    """Builds the services, registers every handler, and runs the application."""

    def __init__(self, config: Config, db: Database) -> None:
        self.config = config
        self.db = db
        self.state = ChatState(db)
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
        self.pacing.on_error = self.telegram_error
        self.http_clients: tuple[BaseRequest, ...] = ()
        self.started = False
        self.services = Services(
            config=config,
            db=db,
            state=self.state,
            conversations=Conversations(db),
            update_processor=self.update_processor,
            pacing=self.pacing,
            relay_stats=self.relay_stats,
            message_filter=MessageFilter(config.bad_words),
            action_limiter=RateLimiter(config.action_rate_limit, config.action_rate_window),
            message_limiter=RateLimiter(config.message_rate_limit, config.message_rate_window),
        )

    @property
    def active_chats(self) -> dict[int, Pairing]:
        """user id -> their side of the chat (the seed's name; state.ChatState owns it)."""
        return self.state.active_chats

    @property
    def search_queue(self) -> dict[int, Seeker]:
        """Waiting users in arrival order (the seed's name; state.ChatState owns it)."""
        return self.state.search_queue

    def telegram_error(self, chat_id: object, error: TelegramError) -> None:
        """Every error Telegram answers: counted; a 403 for a user means they blocked the bot."""
        metrics.TELEGRAM_ERRORS.labels(metrics.error_label(error)).inc()
        if isinstance(error, Forbidden) and isinstance(chat_id, int) and chat_id > 0:
            self.db.mark_blocked(chat_id)

    def register_handlers(self, application: App) -> None:
        """Every command, button and update the bot answers, and the module that handles it.

        Order matters! Groups run in order (-2, -1, 0); within group 0 the first handler whose
        filters match takes the update. Gatekeeping raises ApplicationHandlerStop to stop an update.
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
        handlers: list[tuple[int, BaseHandler[Update, Context, None]]] = [
            # A waiting album is copied before anything else its sender does, to keep order.
            (-2, TypeHandler(Update, relay.pending_album_first)),
            # Banned users, rate limits and required channels stop an update here.
            (-1, TypeHandler(Update, gate.gatekeeper)),
            # What a person writes: a chat message, or what a flow waits for (an age, an age range, a
            # support request, an appeal, an announcement), else a hint. First, because it is most of
            # the traffic; its filter leaves everything below to the others.
            (0, MessageHandler(written, relay.private_message)),
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
            (0, CommandHandler("ban", moderation.ban_command, filters=admins)),
            (0, CommandHandler("unban", moderation.unban_command, filters=admins)),
            (0, CommandHandler("stats", admin.stats_command, filters=admins)),
            (0, CommandHandler("backup", admin.backup_command, filters=admins)),
            (0, CommandHandler("refund", payments.refund_command, filters=admins)),
            (0, CommandHandler("audit", moderation.audit_command, filters=admins)),
            (0, CommandHandler("broadcast", broadcast.broadcast_command, filters=admins)),
            # Buttons, in the order of the lines below: 👨 Male / 👩 Female; ✅ I've joined; 🇬🇧 🇷🇺 🇪🇸;
            # 👍 👎 ⛔; the report's reasons; report cards (⛔ Ban, ⏳ Ban 24 h, ✅ Dismiss); appeal cards
            # (✅ Unban, ❌ Reject); 👨 Men / 👩 Women / 👥 Anyone; 🎂 Age range; 🔔 Announcements;
            # 📣 Send to N users / Cancel / ⏹ Stop; ⭐ Buy VIP; 🔁 Subscribe; Cancel subscription;
            # ↩️ Refund; 🗑 Delete my data / Cancel. Anything else is stale.
            (0, CallbackQueryHandler(registration.gender_callback, pattern=callbacks.GENDER.pattern)),
            (0, CallbackQueryHandler(registration.joined_callback, pattern=callbacks.JOINED.pattern)),
            (0, CallbackQueryHandler(registration.language_callback, pattern=callbacks.LANGUAGE.pattern)),
            (0, CallbackQueryHandler(ratings.rating_callback, pattern=callbacks.RATE.pattern)),
            (0, CallbackQueryHandler(reports.report_reason_callback, pattern=callbacks.REPORT.pattern)),
            (0, CallbackQueryHandler(reports.report_action_callback, pattern=callbacks.REPORT_ACTION.pattern)),
            (0, CallbackQueryHandler(moderation.appeal_action_callback, pattern=callbacks.APPEAL_ACTION.pattern)),
            (0, CallbackQueryHandler(settings.partner_gender_callback, pattern=callbacks.PARTNER_GENDER.pattern)),
            (0, CallbackQueryHandler(settings.age_range_callback, pattern=callbacks.AGE_RANGE.pattern)),
            (0, CallbackQueryHandler(settings.announcements_callback, pattern=callbacks.ANNOUNCEMENTS.pattern)),
            (0, CallbackQueryHandler(broadcast.broadcast_callback, pattern=callbacks.BROADCAST.pattern)),
            (0, CallbackQueryHandler(payments.buy_vip_callback, pattern=callbacks.BUY_VIP.pattern)),
            (0, CallbackQueryHandler(payments.subscribe_callback, pattern=callbacks.SUBSCRIBE.pattern)),
            (0, CallbackQueryHandler(payments.cancel_subscription_callback, pattern=callbacks.CANCEL_SUBSCRIPTION.pattern)),
            (0, CallbackQueryHandler(payments.refund_callback, pattern=callbacks.REFUND.pattern)),
            (0, CallbackQueryHandler(account.deleteme_callback, pattern=callbacks.DELETE_ME.pattern)),
            (0, CallbackQueryHandler(ratings.stale_button_callback)),
            # Payments and the user blocking the bot
            (0, PreCheckoutQueryHandler(payments.precheckout_callback)),
            (0, MessageHandler(filters.SUCCESSFUL_PAYMENT & private, payments.successful_payment_callback)),
            (0, MessageHandler(filters.StatusUpdate.REFUNDED_PAYMENT & private, payments.refunded_payment_callback)),
            (0, ChatMemberHandler(relay.my_chat_member_update, ChatMemberHandler.MY_CHAT_MEMBER)),
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
        self.update_processor.admit = lambda update: gate.admit(application.bot, self.services, update)
        # Retries waiting when the bot stops end at once; their updates are replayed at the next start.
        self.pacing.stopping = lambda: not application.running
        self.register_handlers(application)
        return application

    async def post_init(self, application: App) -> None:
        """Logs the start, sets the command menu and profile texts, replays a crash's updates, schedules the jobs."""
        config = self.config
        self.started = True
        figures = self.db.stats()
        logger.info(
            "Started @%s version %s; token %s, API %s, database %s, admins %s, channels %s, VIP %s stars/%s days,"
            " backups %s (keep %s at %s UTC); %s users, %s banned, %s VIP, %s active chats, %s searching",
            application.bot.username, __version__, config.masked_token, config.telegram_api_url,
            config.database_path, len(config.admin_ids), ",".join(config.required_channels) or "none",
            config.vip_price_stars, config.vip_days, config.backup_dir, config.backup_keep,
            config.backup_time.strftime("%H:%M"), figures["users"], figures["banned"], figures["vip"],
            self.state.chat_count, len(self.search_queue),
        )  # fmt: skip
        if config.metrics_port:
            metrics.serve(config.metrics_port, config.metrics_host, lambda: self.state.chat_count, lambda: len(self.search_queue))
            logger.info("Metrics at http://%s:%s/metrics", config.metrics_host, config.metrics_port)
        await system.set_bot_profile(application.bot, config.admin_ids, self.services.lang)
        await self.journal.replay(application)
        beat(config.heartbeat_file)
        if application.job_queue:
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
    """Validate the settings, open the database and run long polling until SIGTERM or SIGINT."""
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
        db = Database(config.database_path)
    except (sqlite3.Error, RuntimeError) as exc:
        print(f"Configuration error: DATABASE_PATH {config.database_path!r} cannot be opened: {exc}", file=sys.stderr)
        return 2
    bot = AnonymousChatBot(config, db)
    try:
        bot.build_application().run_polling(allowed_updates=Update.ALL_TYPES, timeout=config.poll_timeout)
    except TelegramError as exc:
        # A bad token or an unreachable API: wait before exiting, so a supervisor that restarts the
        # bot at once cannot hammer Telegram (which answers a flood of getMe calls with a ban).
        logger.error(
            "Could not start: %s. Waiting %s s before exiting (START_FAILURE_DELAY)", exc, config.start_failure_delay
        )
        db.close()
        time.sleep(config.start_failure_delay)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
