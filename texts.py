"""Every text the bot shows to people, in one place. Plain text: no parse mode, nothing to escape."""

# Buttons (their labels are the product's interface: tests press them by label)
BTN_MALE = "👨 Male"
BTN_FEMALE = "👩 Female"
BTN_JOINED = "✅ I've joined"
BTN_GOOD = "👍"
BTN_BAD = "👎"
BTN_SCAM = "⛔"
BTN_BUY_VIP = "⭐ Buy VIP"

GENDER_LABELS = {"male": "Male", "female": "Female"}

COMMANDS = (
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

ADMIN_COMMANDS = (
    "Admin commands:\n"
    "/ban <user_id> [reason] - ban a user\n"
    "/unban <user_id> - lift a ban\n"
    "/stats - figures and a 30-day chart\n"
    "/backup - back up the database now"
)

WELCOME = "👋 Welcome to the anonymous chat!\n\nTalk to random strangers without revealing who you are.\n\n" + COMMANDS
JOIN_CHANNELS = "To use this bot, please join our channel(s) first:\n{channels}\n\nThen press the button below."
STILL_NOT_JOINED = "You haven't joined all the channels yet:\n{channels}"
ASK_GENDER = "Let's set up your profile. What is your gender?"
ASK_AGE = "How old are you? Send your age as a number."
AGE_NOT_NUMBER = "Please send your age as a whole number, for example 25."
AGE_TOO_YOUNG = "Sorry, you must be at least {min_age} years old to use this bot."
AGE_TOO_OLD = "Please send a real age: at most {max_age}."
REGISTERED = "✅ You're all set! Send /search to find a partner."
NEED_GENDER_FIRST = "Please choose your gender first."
NOT_REGISTERED = "Please send /start to register first."

SEARCHING = "🔎 Searching for a partner... Send /stop to cancel."
ALREADY_SEARCHING = "You are already searching. Send /stop to cancel."
ALREADY_IN_CHAT = "You are already in a chat. Send /next for a new partner or /stop to end it."
PARTNER_FOUND = "🎉 Partner found! Say hi.\n\n/next - new partner\n/stop - end the chat"
PARTNER_INFO_VIP = "⭐ Your partner: {gender}, {age} years old."
VIP_HINT = "Tip: VIP members see their partner's gender and age. Send /vip"
STILL_SEARCHING = "🔎 Still searching for a partner... Send /stop to cancel."
NOT_IN_CHAT_HINT = "You're not in a chat. Send /search to find a partner."
NOTHING_TO_STOP = "You're not in a chat or searching. Send /search to find a partner."
SEARCH_STOPPED = "Search stopped. Send /search to start again."
YOU_ENDED_CHAT = "You ended the chat."
PARTNER_ENDED_CHAT = "Your partner ended the chat. Send /search to find a new one."
PARTNER_LEFT = "Your partner has left the bot. The chat is over. Send /search to find a new one."
PARTNER_REMOVED = "Your partner was removed by moderation. The chat is over. Send /search to find a new one."
RATE_PROMPT = "How was your partner? Your rating is anonymous."

LINK_BLOCKED = "🚫 Links, usernames and e-mail addresses are not allowed. Your message was not delivered."
BAD_WORD_BLOCKED = "🚫 Your message contains a forbidden word and was not delivered."
KIND_BLOCKED = "🚫 This kind of message can't be sent here."
EDIT_BLOCKED = "{reason}\nYour edit was not applied: your partner still sees the earlier version."
CONTACT_BLOCKED = "🚫 Contact cards are not allowed: they would reveal a phone number."
SLOW_DOWN = "⏳ Slow down! You're doing that too often. Try again in a minute."

RATING_THANKS = "Thanks for your rating!"
RATING_DUPLICATE = "You've already rated this chat."
RATING_INVALID = "This rating button is no longer valid."
BUTTON_INVALID = "This button is no longer valid."
REPORT_THANKS = "Thanks, your report was sent to the moderators."
ADMIN_REPORT = "⛔ Report\nReported user: {target_id}\nReporter: {rater_id}\nChat: {chat_id}\nReports against this user: {count}"
ADMIN_AUTO_BAN = "🔨 User {user_id} was banned automatically after {count} reports."

BANNED = "🚫 You are banned from this bot.{reason}"
BANNED_REASON = "\nReason: {reason}"
AUTO_BAN_REASON = "reported by {count} users"

PROFILE = (
    "👤 Your profile\n"
    "Gender: {gender}\n"
    "Age: {age}\n"
    "VIP: {vip}\n"
    "Chats: {chats}\n"
    "Ratings received: 👍 {good}  👎 {bad}"
)
PROFILE_VIP_UNTIL = "yes, until {until} UTC"
PROFILE_NO_VIP = "no"

RULES = (
    "📜 Rules\n"
    "1. Be respectful. No harassment, hate or threats.\n"
    "2. No links, usernames, e-mail addresses or contact cards: stay anonymous.\n"
    "3. No spam, advertising or scams.\n"
    "4. You must be 18 or older.\n"
    "5. Users reported by several partners are banned automatically."
)
HELP = "ℹ️ Commands\n" + COMMANDS
UNKNOWN_COMMAND = "Unknown command. Send /help to see what I can do."

VIP_INFO = (
    "⭐ VIP membership\n"
    "• See your partner's gender and age when you're matched\n"
    "• Support the bot\n\n"
    "Price: {price} ⭐ for {days} days.{status}"
)
VIP_STATUS_ACTIVE = "\n\nYour VIP is active until {until} UTC; buying again extends it."
INVOICE_TITLE = "VIP Membership"
INVOICE_DESCRIPTION = "VIP status for {days} days: see your partner's gender and age."
INVOICE_LABEL = "VIP"
PRECHECKOUT_BAD = "This invoice is not valid any more. Please send /vip to get a new one."
VIP_ACTIVATED = "🎉 Thank you! Your VIP is active until {until} UTC."
PAYMENT_DUPLICATE = "This payment was already processed. Your VIP is active until {until} UTC."

PAYSUPPORT = (
    "💳 Payment support\n"
    "If something went wrong with a payment, describe the problem in your next message "
    "and include the date of the payment. It will be sent to the admins, who will reply to you. "
    "Refunds are made in Telegram Stars."
)
PAYSUPPORT_SENT = "Thanks, your message was sent to the admins."
ADMIN_PAYSUPPORT = "💳 Payment support request from user {user_id}:"

PRIVACY = (
    "🔒 Privacy\n"
    "We store your Telegram user id, the gender and age you gave, when you joined, your VIP status and "
    "payments, the ratings and reports you gave and received, and when each of your chats started and ended "
    "(not with whom it is shown to anyone but moderators). We never store what you write: messages are copied "
    "to your partner and not kept. Your partner never sees your name, username or id.\n"
    "Data is kept while the bot runs; ask the admins via /paysupport to delete yours."
)

ADMIN_BAN_USAGE = "Usage: /ban <user_id> [reason]"
ADMIN_UNBAN_USAGE = "Usage: /unban <user_id>"
ADMIN_NO_SUCH_USER = "No user with id {user_id}."
ADMIN_BANNED = "User {user_id} is banned."
ADMIN_UNBANNED = "User {user_id} is unbanned."
UNBANNED = "✅ Your ban was lifted. Send /search to chat."
STATS = (
    "📊 Stats\n"
    "Users: {users}\n"
    "Banned: {banned}\n"
    "VIP: {vip}\n"
    "Active chats: {active_chats}\n"
    "Searching: {searching}\n"
    "Chats today: {chats_today}\n"
    "Reports today: {reports_today}"
)

ERROR = "😕 Sorry, something went wrong. Please try again."

# Command menu (setMyCommands) and the bot's profile texts
MENU_COMMANDS = (
    ("search", "Find a random partner"),
    ("next", "End this chat and find a new partner"),
    ("stop", "End the chat or stop searching"),
    ("profile", "Your profile and ratings"),
    ("vip", "VIP status"),
    ("rules", "The rules"),
    ("help", "All commands"),
    ("privacy", "What we store"),
    ("paysupport", "Help with a payment"),
    ("start", "Register or show the welcome"),
)
ADMIN_MENU_COMMANDS = (
    ("ban", "Ban a user: /ban <user_id> [reason]"),
    ("unban", "Lift a ban: /unban <user_id>"),
    ("stats", "Figures and a 30-day chart"),
    ("backup", "Back up the database now"),
)
BOT_DESCRIPTION = (
    "Chat anonymously with random strangers. Press Start, tell us your gender and age, then /search. "
    "Your partner never sees your name, username or id."
)
BOT_SHORT_DESCRIPTION = "Anonymous chat with random strangers."

STATS_CHART_TITLE = "Last 30 days"
STATS_CHART_CAPTION = "📈 New users, chats started, reports and VIP purchases per day (UTC)."
BACKUP_DONE = "💾 Backup saved: {name} ({size} KB). Keeping the newest {keep}."
BACKUP_FAILED = "Backup failed: {error}"
