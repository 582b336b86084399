"""English: the complete catalogue, and the fallback for a key another language lacks.

Plain text (no parse mode, nothing to escape). Button labels are the product's interface: keep each
button's leading emoji in every language.
"""

_COMMANDS = (
    "/search - find a random partner\n"
    "/next - end this chat and find a new partner\n"
    "/stop - end the chat or stop searching\n"
    "/profile - your profile and ratings\n"
    "/vip - VIP status\n"
    "/rules - the rules\n"
    "/privacy - what we store\n"
    "/paysupport - help with a payment\n"
    "/help - this list"
)

TEXTS: dict[str, str] = {
    # Buttons
    "btn_male": "👨 Male",
    "btn_female": "👩 Female",
    "btn_joined": "✅ I've joined",
    "btn_good": "👍",
    "btn_bad": "👎",
    "btn_scam": "⛔",
    "btn_buy_vip": "⭐ Buy VIP",
    "gender_male": "Male",
    "gender_female": "Female",
    # Registration and the channel gate
    "welcome": "👋 Welcome to the anonymous chat!\n\nTalk to random strangers without revealing who you are.\n\n"
    + _COMMANDS,
    "admin_commands": (
        "Admin commands:\n"
        "/ban <user_id> [reason] - ban a user\n"
        "/unban <user_id> - lift a ban\n"
        "/stats - figures and a 30-day chart\n"
        "/backup - back up the database now"
    ),
    "join_channels": "To use this bot, please join our channel(s) first:\n{channels}\n\nThen press the button below.",
    "still_not_joined": "You haven't joined all the channels yet:\n{channels}",
    "ask_gender": "Let's set up your profile. What is your gender?",
    "gender_chosen": "Let's set up your profile. What is your gender?\n{gender}",
    "ask_age": "How old are you? Send your age as a number.",
    "age_not_number": "Please send your age as a whole number, for example 25.",
    "age_too_young": "Sorry, you must be at least {min_age} years old to use this bot.",
    "age_too_old": "Please send a real age: at most {max_age}.",
    "age_refused": "{reason}\n\nHow old are you? Send your age as a number.",
    "registered": "✅ You're all set! Send /search to find a partner.",
    "not_registered": "Please send /start to register first.",
    # Matching and the chat
    "searching": "🔎 Searching for a partner... Send /stop to cancel.",
    "already_searching": "You are already searching. Send /stop to cancel.",
    "already_in_chat": "You are already in a chat. Send /next for a new partner or /stop to end it.",
    "partner_found": "🎉 Partner found! Say hi.\n\n/next - new partner\n/stop - end the chat",
    "partner_info_vip": "⭐ Your partner: {gender}, {age} years old.",
    "vip_hint": "Tip: VIP members see their partner's gender and age. Send /vip",
    "still_searching": "🔎 Still searching for a partner... Send /stop to cancel.",
    "not_in_chat_hint": "You're not in a chat. Send /search to find a partner.",
    "nothing_to_stop": "You're not in a chat or searching. Send /search to find a partner.",
    "search_stopped": "Search stopped. Send /search to start again.",
    "you_ended_chat": "You ended the chat.",
    "partner_ended_chat": "Your partner ended the chat. Send /search to find a new one.",
    "partner_left": "Your partner has left the bot. The chat is over. Send /search to find a new one.",
    "partner_removed": "Your partner was removed by moderation. The chat is over. Send /search to find a new one.",
    "rate_prompt": "How was your partner? Your rating is anonymous.",
    # The relay's refusals
    "link_blocked": "🚫 Links, usernames and e-mail addresses are not allowed. Your message was not delivered.",
    "bad_word_blocked": "🚫 Your message contains a forbidden word and was not delivered.",
    "kind_blocked": "🚫 This kind of message can't be sent here.",
    "edit_blocked": "{reason}\nYour edit was not applied: your partner still sees the earlier version.",
    "contact_blocked": "🚫 Contact cards are not allowed: they would reveal a phone number.",
    "slow_down": "⏳ Slow down! You're doing that too often. Try again in a minute.",
    # Ratings and reports
    "rating_thanks": "Thanks for your rating!",
    "rating_duplicate": "You've already rated this chat.",
    "rating_invalid": "This rating button is no longer valid.",
    "button_invalid": "This button is no longer valid.",
    "report_thanks": "Thanks, your report was sent to the moderators.",
    "admin_report": "⛔ Report\nReported user: {target_id}\nReporter: {rater_id}\nChat: {chat_id}\n"
    "Reports against this user: {count}",
    "admin_auto_ban": "🔨 User {user_id} was banned automatically after {count} reports.",
    "banned": "🚫 You are banned from this bot.",
    "banned_with_reason": "🚫 You are banned from this bot.\nReason: {reason}",
    "auto_ban_reason": "reported by {count} users",
    # Profile and information
    "profile": (
        "👤 Your profile\n"
        "Gender: {gender}\n"
        "Age: {age}\n"
        "VIP: {vip}\n"
        "Chats: {chats}\n"
        "Ratings received: 👍 {good}  👎 {bad}"
    ),
    "profile_vip_until": "yes, until {until} UTC",
    "profile_no_vip": "no",
    "rules": (
        "📜 Rules\n"
        "1. Be respectful. No harassment, hate or threats.\n"
        "2. No links, usernames, e-mail addresses or contact cards: stay anonymous.\n"
        "3. No spam, advertising or scams.\n"
        "4. You must be 18 or older.\n"
        "5. Users reported by several partners are banned automatically."
    ),
    "help": "ℹ️ Commands\n" + _COMMANDS,
    "unknown_command": "Unknown command. Send /help to see what I can do.",
    "privacy": (
        "🔒 Privacy\n"
        "We store your Telegram user id, the gender and age you gave, when you joined, your VIP status and "
        "payments, the ratings and reports you gave and received, and when each of your chats started and ended "
        "(not with whom it is shown to anyone but moderators). We never store what you write: messages are copied "
        "to your partner and not kept. Your partner never sees your name, username or id.\n"
        "Data is kept while the bot runs; ask the admins via /paysupport to delete yours."
    ),
    # VIP and payments
    "vip_info": (
        "⭐ VIP membership\n"
        "• See your partner's gender and age when you're matched\n"
        "• Support the bot\n\n"
        "Price: {price} ⭐ for {days} days."
    ),
    "vip_status_active": "Your VIP is active until {until} UTC; buying again extends it.",
    "invoice_title": "VIP Membership",
    "invoice_description": "VIP status for {days} days: see your partner's gender and age.",
    "invoice_label": "VIP",
    "precheckout_bad": "This invoice is not valid any more. Please send /vip to get a new one.",
    "vip_activated": "🎉 Thank you! Your VIP is active until {until} UTC.",
    "payment_duplicate": "This payment was already processed. Your VIP is active until {until} UTC.",
    "paysupport": (
        "💳 Payment support\n"
        "If something went wrong with a payment, describe the problem in your next message "
        "and include the date of the payment. It will be sent to the admins, who will reply to you. "
        "Refunds are made in Telegram Stars."
    ),
    "paysupport_sent": "Thanks, your message was sent to the admins.",
    "admin_paysupport": "💳 Payment support request from user {user_id}:",
    # Admin
    "admin_ban_usage": "Usage: /ban <user_id> [reason]",
    "admin_unban_usage": "Usage: /unban <user_id>",
    "admin_no_such_user": "No user with id {user_id}.",
    "admin_banned": "User {user_id} is banned.",
    "admin_unbanned": "User {user_id} is unbanned.",
    "unbanned": "✅ Your ban was lifted. Send /search to chat.",
    "stats": (
        "📊 Stats\n"
        "Users: {users}\n"
        "Banned: {banned}\n"
        "VIP: {vip}\n"
        "Active chats: {active_chats}\n"
        "Searching: {searching}\n"
        "Chats today: {chats_today}\n"
        "Reports today: {reports_today}\n"
        "Relayed in the last 5 minutes: {relay_rate} messages a second, 95% within {relay_p95} ms"
    ),
    "stats_chart_title": "Last 30 days",
    "stats_chart_ylabel": "per day (UTC)",
    "chart_new_users": "new users",
    "chart_chats_started": "chats started",
    "chart_reports": "reports",
    "chart_vip_purchases": "VIP purchases",
    "stats_chart_caption": "📈 New users, chats started, reports and VIP purchases per day (UTC).",
    "backup_done": "💾 Backup saved: {name} ({size} KB). Keeping the newest {keep}.",
    "backup_failed": "Backup failed: {error}",
    "error": "😕 Sorry, something went wrong. Please try again.",
    # Command menu (setMyCommands) and the bot's profile texts
    "menu_search": "Find a random partner",
    "menu_next": "End this chat and find a new partner",
    "menu_stop": "End the chat or stop searching",
    "menu_profile": "Your profile and ratings",
    "menu_vip": "VIP status",
    "menu_rules": "The rules",
    "menu_help": "All commands",
    "menu_privacy": "What we store",
    "menu_paysupport": "Help with a payment",
    "menu_start": "Register or show the welcome",
    "menu_ban": "Ban a user: /ban <user_id> [reason]",
    "menu_unban": "Lift a ban: /unban <user_id>",
    "menu_stats": "Figures and a 30-day chart",
    "menu_backup": "Back up the database now",
    "bot_description": (
        "Chat anonymously with random strangers. Press Start, tell us your gender and age, then /search. "
        "Your partner never sees your name, username or id."
    ),
    "bot_short_description": "Anonymous chat with random strangers.",
}
