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
    "/settings - whom you meet (VIP) and your interests\n"
    "/reveal - offer your partner to exchange Telegram profiles\n"
    "/invite - your invite link\n"
    "/delete - (as a reply to your message) delete it for both\n"
    "/rules - the rules\n"
    "/privacy - what we store\n"
    "/paysupport - help with a payment\n"
    "/deleteme - delete your data\n"
    "/language - change the language\n"
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
    "btn_subscribe": "🔁 Subscribe",
    "btn_subscribe_pay": "🔁 Subscribe: {price} ⭐ every 30 days",
    "btn_cancel_subscription": "Cancel subscription",
    "btn_pref_men": "👨 Men",
    "btn_pref_women": "👩 Women",
    "btn_pref_anyone": "👥 Anyone",
    "btn_age_range": "🎂 Age range",
    "btn_refund": "↩️ Refund {amount} ⭐ of {date}",
    "btn_reason_sexual": "🔞 Sexual content",
    "btn_reason_insults": "🤬 Insults or threats",
    "btn_reason_spam": "💰 Spam or ads",
    "btn_reason_underage": "👶 Underage",
    "btn_reason_other": "❓ Other",
    "btn_card_ban": "⛔ Ban",
    "btn_card_suspend": "⏳ Ban 24 h",
    "btn_card_dismiss": "✅ Dismiss",
    "btn_appeal_unban": "✅ Unban",
    "btn_appeal_reject": "❌ Reject",
    "btn_delete_confirm": "🗑 Delete my data",
    "btn_delete_cancel": "Cancel",
    # This language's own name, on its /language button.
    "language_name": "🇬🇧 English",
    "choose_language": "🌐 Choose your language:",
    "language_set": "✅ From now on I'll write to you in English.",
    "gender_male": "Male",
    "gender_female": "Female",
    # Registration and the channel gate
    "welcome": "👋 Welcome to the anonymous chat!\n\nTalk to random strangers without revealing who you are.\n\n"
    + _COMMANDS,
    "admin_commands": (
        "Admin commands:\n"
        "/ban <user_id> [duration] [reason] - ban a user, for a time like 30m, 24h, 7d or for good\n"
        "/unban <user_id> - lift a ban\n"
        "/purge <user_id> - ban, and delete their messages from partners' chats (up to 48 h old)\n"
        "/audit [n] - the last n admin actions (20)\n"
        "/stats - figures and a 30-day chart\n"
        "/backup - back up the database now\n"
        "/refund <user_id> [charge_id] - refund a VIP payment (the latest, or this one)\n"
        "/broadcast - send an announcement to all users"
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
    "searching_for": "🔎 Searching for {who} aged {min_age}–{max_age}... Send /stop to cancel.",
    "search_timed_out": "⌛ No partner was found in {minutes} minutes, so the search stopped. Send /search to try again.",
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
    "report_ask_reason": "⛔ Why are you reporting your partner?",
    "report_thanks": "Thanks, your report was sent to the moderators.",
    "admin_report_card": (
        "⛔ Report #{report_id}\n"
        "Reported user: {target_id}\n"
        "Reporter: {reporter_id}\n"
        "Reason: {reason}\n"
        "Chat: {chat_id}, lasted {duration}\n"
        "Messages: {target_messages} from the reported user, {reporter_messages} from the reporter\n"
        "Users who reported this user: {count}"
    ),
    "admin_report_evidence": "Their last messages in this chat follow.",
    "admin_report_no_evidence": "No messages of theirs from this chat are kept.",
    "admin_card_banned": "⛔ Banned by admin {admin_id}.",
    "admin_card_suspended": "⏳ Banned for 24 h by admin {admin_id}.",
    "admin_card_dismissed": "✅ Dismissed by admin {admin_id}.",
    "admin_card_unbanned": "✅ Unbanned by admin {admin_id}.",
    "admin_card_rejected": "❌ Rejected by admin {admin_id}.",
    "admin_card_already": "Already handled by another admin.",
    "admin_auto_ban": "🔨 User {user_id} was banned automatically after {count} reports.",
    "banned": "🚫 You are banned from this bot.{until}{reason}{appeal}",
    "ban_until_line": "\nUntil: {until} UTC",
    "ban_reason_line": "\nReason: {reason}",
    "ban_appeal_line": "\nIf you think this is a mistake, send /appeal.",
    "ban_ended": "✅ Your ban has ended. Send /search to chat.",
    "auto_ban_reason": "reported by {count} users",
    "report_ban_reason": "report #{report_id}: {reason}",
    # Appeals
    "appeal_ask": "🙏 Write your appeal in one message: why should the ban be lifted? It goes to the admins.",
    "appeal_sent": "Thanks, your appeal was sent to the admins. You'll be told what they decide.",
    "appeal_not_banned": "You aren't banned, so there is nothing to appeal.",
    "appeal_already": "You've already appealed this ban. One appeal per ban.",
    "appeal_accepted": "✅ Your appeal was accepted and your ban is lifted. Send /search to chat.",
    "appeal_rejected": "❌ Your appeal was rejected. The ban stays.",
    "admin_appeal_card": "🙏 Appeal from user {user_id}\nBan: {ban}\nBanned on: {banned_at} UTC\nReason: {reason}\n\nTheir message follows.",
    "admin_ban_permanent": "permanent",
    "admin_ban_until": "until {until} UTC",
    "admin_no_reason": "none given",
    # Spam cooldown and new accounts
    "muted_now": "🔇 Too many refused messages: you're muted for {duration}. Nothing you send is delivered until then.",
    "muted": "🔇 You're muted for {duration} more. This message was not delivered.",
    "media_hold": "🕐 New accounts can send only text at first. Try photos and other media again in {duration}.",
    # Data deletion
    "deleteme_confirm": (
        "🗑 Delete your data?\n"
        "This ends your chat or search and removes your profile, preferences, ratings and chat history. "
        "Payment records are kept (refunds and disputes need them), and so is a ban. This can't be undone."
    ),
    "deleteme_done": "🗑 Your data was deleted. Send /start to register again.",
    "deleteme_canceled": "Nothing was deleted.",
    "duration_days": "{n} d",
    "duration_hours": "{n} h",
    "duration_minutes": "{n} min",
    # Partner preferences (/settings)
    "settings": "⚙️ Whom you meet\nPartner gender: {gender}\nPartner age: {min_age}–{max_age}\nInterests: {interests}\nProtect my messages: {protect}\nHide partner's media: {hide}\nAnnouncements: {announcements}\n\n{status}",
    "settings_status_vip": "⭐ Your preferences apply to every search while your VIP lasts.",
    "settings_status_not_vip": "Preferences are a VIP feature: they apply while you're VIP. Send /vip",
    "pref_anyone": "anyone",
    "pref_men": "men",
    "pref_women": "women",
    "settings_vip_only": "⭐ Choosing whom you meet is a VIP feature. Send /vip to get VIP.",
    "ask_age_range": (
        "🎂 Send the partner age range as two ages, like 20-30 (from 18 to 100; 18-100 for any age). "
        "Send /settings to cancel."
    ),
    "age_range_not_range": "That isn't an age range.",
    "age_range_out_of_bounds": "Both ages must be from 18 to 100.",
    "age_range_reversed": "The first age must not be greater than the second.",
    "age_range_refused": "{reason}\n\n🎂 Send the partner age range like 20-30, or /settings to cancel.",
    "age_range_saved": "✅ Saved.",
    # Profile and information
    "profile": (
        "👤 Your profile\n"
        "Gender: {gender}\n"
        "Age: {age}\n"
        "VIP: {vip}\n"
        "Chats: {chats}\n"
        "Ratings received: 👍 {good}  👎 {bad}"
        "{ban}"
    ),
    "profile_vip_until": "yes, until {until} UTC",
    "profile_no_vip": "no",
    "profile_banned": "\n🚫 Banned until {until} UTC",
    "profile_banned_forever": "\n🚫 Banned",
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
        "We store your Telegram user id, the gender and age you gave, when you joined, your partner preferences, "
        "your VIP status and payments, the ratings and reports you gave and received, and when each of your "
        "chats started and ended (with whom is shown to nobody but moderators). Your partner never sees your "
        "name, username or id.\n\n"
        "We never store what you write: messages are copied to your partner, not kept. To let moderators judge "
        "a report, we remember which copy belongs to which message for {evidence_hours} hours after a chat "
        "ends; a report card then shows the reported user's last messages, copied from Telegram.\n\n"
        "How long: chats and the ratings given in them are deleted {retention_days} days after they end; "
        "refused-message strikes and mutes after 7 days; what you send is held only until it is delivered. "
        "Daily backups of the database are kept for {backup_days} days, so deleted data leaves them by then. "
        "A step you leave half-way (a registration, an invite link not yet followed by registering, a setting, an "
        "appeal) is forgotten after {flow_days} days.\n\n"
        "Your interests are kept with your profile; your invite code, and who joined through your link with the "
        "VIP it earned you, are kept too. An offer to exchange profiles keeps your username only until it is "
        "answered or the chat ends, and nothing about you is shared unless you both agree. A request to chat "
        "again is kept until it is answered or expires.\n\n"
        "/deleteme deletes your profile (interests included), preferences, ratings, chat history, invite code "
        "and open offers and requests at once. Kept, and why: payment "
        "records (refunds and disputes need them), an active ban (deleting must not undo it), the fact that "
        "someone must never be matched with you again, the moderators' record of reports and their actions, and "
        "the record of whose invite you joined through (the inviter's reward; registering again does not "
        "count twice)."
    ),
    # VIP and payments
    "vip_info": (
        "⭐ VIP membership\n"
        "• Choose whom you meet: men or women, and an age range (/settings)\n"
        "• Matched before everyone else\n"
        "• See your partner's gender and age when you're matched\n"
        "• Support the bot\n\n"
        "⭐ Buy VIP: {price} ⭐ for {days} days.\n"
        "🔁 Subscribe: {subscription_price} ⭐ every 30 days, renewed until you cancel."
    ),
    "vip_status_active": "Your VIP is active until {until} UTC; buying again extends it.",
    "vip_subscription_renews": "🔁 Your subscription renews on {date} UTC ({price} ⭐ every 30 days).",
    "vip_subscription_canceled": (
        "🔁 Your subscription is canceled: it won't renew, and VIP stays until {until} UTC. "
        "Press 🔁 Subscribe to turn renewal back on."
    ),
    "subscription_offer": "🔁 VIP subscription: {price} ⭐ every 30 days, renewed until you cancel in /vip.",
    "subscription_title": "VIP subscription",
    "subscription_description": "VIP for 30 days, renewed every month until you cancel: choose whom you meet.",
    "subscription_canceled": "Your subscription is canceled. VIP stays until {until} UTC.",
    "subscription_resumed": "🔁 Your subscription is on again. It renews on {date} UTC.",
    "subscription_failed": "😕 Your subscription couldn't be changed right now. Please try again later, or send /paysupport.",
    "vip_renewed": "🔁 Your VIP subscription was renewed. VIP is active until {until} UTC.",
    "refunded": "↩️ Your payment of {amount} ⭐ was refunded. {vip}",
    "refunded_vip_until": "Your VIP now lasts until {until} UTC.",
    "refunded_vip_ended": "Your VIP has ended.",
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
    "admin_paysupport": "💳 Payment support request from user {user_id}:\n{payments}",
    "admin_payments_none": "No payments.",
    "admin_payment_line": "• {date} UTC · {amount} ⭐ · {charge_id}",
    "admin_payment_line_refunded": "• {date} UTC · {amount} ⭐ · {charge_id} (refunded)",
    # Admin
    "admin_ban_usage": "Usage: /ban <user_id> [duration like 30m, 24h or 7d] [reason]",
    "admin_ban_bad_duration": "{value} is not a ban length: use minutes, hours or days, like 30m, 24h or 7d (1 minute to 3650 days).",
    "admin_banned_until": "User {user_id} is banned until {until} UTC.",
    "admin_unban_usage": "Usage: /unban <user_id>",
    "admin_no_such_user": "No user with id {user_id}.",
    "admin_banned": "User {user_id} is banned.",
    "admin_unbanned": "User {user_id} is unbanned.",
    "unbanned": "✅ Your ban was lifted. Send /search to chat.",
    "admin_refund_usage": "Usage: /refund <user_id> [charge_id]",
    "admin_refund_no_payments": "User {user_id} has no payments.",
    "admin_refund_unknown_charge": "User {user_id} has no payment {charge_id}.",
    "admin_refund_already": "Payment {charge_id} of user {user_id} was already refunded.",
    "admin_refund_done": "↩️ Refunded {amount} ⭐ to user {user_id} (payment {charge_id}). Their VIP: {vip}.",
    "admin_refund_failed": "Telegram refused to refund payment {charge_id} of user {user_id}: {error}",
    "admin_vip_until": "until {until} UTC",
    "admin_vip_none": "none",
    "admin_audit": "🧾 The last {n} admin actions, newest first:\n{lines}",
    "admin_audit_line": "{time} · {admin} · {action} · {target_id} {detail}",
    "admin_audit_empty": "No admin actions yet.",
    "admin_audit_usage": "Usage: /audit [n], n from 1 to 100 (20 if left out)",
    "admin_audit_auto": "auto",
    "admin_audit_ban": "ban",
    "admin_audit_temp_ban": "temporary ban",
    "admin_audit_auto_ban": "automatic ban",
    "admin_audit_unban": "unban",
    "admin_audit_dismiss": "report dismissed",
    "admin_audit_appeal_accepted": "appeal accepted",
    "admin_audit_appeal_rejected": "appeal rejected",
    "admin_audit_refund": "refund",
    "admin_audit_report": "report #{report_id}",
    "admin_audit_payment": "{amount} ⭐ · {charge_id}",
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
    "not_delivered": "⚠️ Telegram could not take your last message for a while, so it was not delivered. Please send it again.",
    "error": "😕 Sorry, something went wrong. Please try again.",
    # Command menu (setMyCommands) and the bot's profile texts
    "menu_search": "Find a random partner",
    "menu_next": "End this chat and find a new partner",
    "menu_stop": "End the chat or stop searching",
    "menu_profile": "Your profile and ratings",
    "menu_vip": "VIP status",
    "menu_settings": "Whom you meet (VIP)",
    "menu_rules": "The rules",
    "menu_help": "All commands",
    "menu_privacy": "What we store",
    "menu_paysupport": "Help with a payment",
    "menu_deleteme": "Delete your data",
    "menu_language": "Change the language",
    "menu_start": "Register or show the welcome",
    "menu_ban": "Ban a user: /ban <user_id> [duration] [reason]",
    "menu_audit": "Recent admin actions: /audit [n]",
    "menu_unban": "Lift a ban: /unban <user_id>",
    "menu_stats": "Figures and a 30-day chart",
    "menu_backup": "Back up the database now",
    "menu_refund": "Refund a payment: /refund <user_id> [charge_id]",
    "bot_description": (
        "Chat anonymously with random strangers. Press Start, tell us your gender and age, then /search. "
        "Your partner never sees your name, username or id."
    ),
    "bot_short_description": "Anonymous chat with random strangers.",
    # Announcements
    "btn_broadcast_send": "📣 Send to {n} users",
    "btn_broadcast_cancel": "Cancel",
    "btn_broadcast_stop": "⏹ Stop",
    "btn_announcements": "🔔 Announcements",
    "broadcast_ask": "📣 Send the announcement: one message of any kind (text, photo, video, ...); links are allowed. Send /broadcast to start over.",
    "broadcast_preview": "📣 Above is the announcement as users will see it. Send it?",
    "broadcast_cancelled": "Cancelled: nothing was sent.",
    "broadcast_progress": "📣 Sending: {sent} sent, {failed} failed, {blocked} blocked the bot, of {total}. About {left} left.",
    "broadcast_done": "📣 Done: {sent} sent, {failed} failed, {blocked} blocked the bot, of {total}, in {took}.",
    "broadcast_stopped": "⏹ Stopped: {sent} sent, {failed} failed, {blocked} blocked the bot, of {total}.",
    "broadcast_running": "📣 An announcement is going out: {sent} of {total} sent. Stop it?",
    "broadcast_busy": "Another announcement is going out. Wait for it, or stop it with /broadcast.",
    "announcement_hint": "🔕 To stop announcements: /settings → 🔔 Announcements.",
    "settings_on": "on",
    "settings_off": "off",
    "menu_broadcast": "Send an announcement to all users",
    # Analytics (/stats)
    "stats_period": "📅 {period}: {active} active users, {registered} new, {chats} chats (median {median}).\nFunnel: {registered} registered → {searched} searched ({searched_pct}) → {chatted} chatted ({chatted_pct}) → {bought} bought VIP ({bought_pct}).\n⭐ {earned} earned, {refunded} refunded; {blocked} blocked the bot.\n🔗 {invited} joined through invites, {invite_rewards} rewarded.",
    "stats_today": "Today",
    "stats_7_days": "Last 7 days",
    "stats_30_days": "Last 30 days",
    "chart_active_users": "active users",
    "chart_stars": "Stars",
    "stats_chart2_caption": "📈 Daily active users and Stars paid per day (UTC).",
    "blocked_line": "\nBlocked the bot: {blocked}",
    # Interests, the partner's rating, profiles by consent, chatting again, invites
    "btn_interests": "🏷 Interests",
    "topic_music": "🎵 Music",
    "topic_games": "🎮 Games",
    "topic_movies": "🎬 Movies",
    "topic_books": "📚 Books",
    "topic_travel": "✈️ Travel",
    "topic_sports": "⚽ Sports",
    "topic_tech": "💻 Tech",
    "topic_art": "🎨 Art",
    "topic_food": "🍳 Food",
    "topic_animals": "🐾 Animals",
    "topic_deep_talk": "🧠 Deep talk",
    "topic_memes": "😂 Memes",
    "btn_done": "✔️ Done",
    "interests": "🏷 Your interests: {count} of at most {most}. Tap a topic to choose it or take it back. Among those who fit, a partner who shares more of them comes first.",
    "interests_too_many": "You can choose at most {most} topics: take one back first.",
    "interests_none": "none",
    'partner_rating': "Partner's rating: 👍 {good} · 👎 {bad}",
    'partner_rating_new': "Partner's rating: new",
    "shared_interests": "You both like: {topics}",
    "menu_reveal": "Offer to exchange Telegram profiles",
    "menu_invite": "Your invite link",
    'reveal_not_in_chat': "You're not in a chat. In a chat, /reveal offers your partner to exchange Telegram profiles.",
    "reveal_pending": "An offer to exchange profiles is already waiting for an answer in this chat.",
    'reveal_offer': "Your partner offers to exchange Telegram profiles. If you agree, each of you gets a link to the other's profile; if not, nothing is shared.",
    "btn_exchange": "🤝 Exchange",
    "btn_decline_exchange": "🙅 Decline",
    "reveal_sent": "Your offer to exchange profiles is on its way. Nothing is shared unless your partner agrees.",
    "reveal_you_declined": "You declined. Nothing was shared.",
    "reveal_declined": "Your partner declined to exchange profiles. Nothing was shared.",
    'reveal_profile': "🤝 You exchanged profiles. Your partner's Telegram profile:",
    "btn_open_profile": "👤 Open profile",
    'reveal_privacy_partner': "Your partner's privacy settings don't allow links to their account, so their profile can't be shown. They could set a username and /reveal again.",
    'reveal_privacy_yours': "Your privacy settings don't allow links to your account, so your partner couldn't get your profile. Set a username in Telegram's settings and /reveal again.",
    "btn_chat_again": "🔁 Chat again",
    "btn_accept": "✅ Accept",
    "btn_decline": "❌ Decline",
    "rematch_request": "Your last partner would like to chat again.",
    "rematch_sent": "Your request to chat again is on its way.",
    "rematch_on_its_way": "Your request to chat again is already on its way.",
    "rematch_too_late": "Too late: you can ask to chat again within {minutes} minutes of the end of a chat.",
    'rematch_refused': "Sorry, you two can't chat again.",
    "rematch_unavailable": "Your last partner is no longer available.",
    "rematch_you_declined": "You declined.",
    "rematch_declined": "Your last partner declined to chat again.",
    'rematch_you_are_busy': "You're in a chat now. End it with /stop, then press ✅ Accept again while the request is open.",
    "rematch_partner_busy": "Your last partner is in another chat now. Press ✅ Accept again later, while the request is open.",
    "invite": "🔗 Your invite link:\n{link}\n\nJoined through it: {joined}. VIP earned: {days} days.",
    "invite_reward_terms": "A friend who joins through it and has a first real chat (at least 3 messages each way) earns you {reward} days of VIP, up to {most} times a month.",
    "invite_rewarded": "🎁 Someone you invited had their first real chat: you got {days} days of VIP, until {until}.",
    # The chat a person controls: delete for both, protected messages, hidden media, purges
    "btn_protect": "🔒 Protect my messages",
    'btn_hide_media': "🫣 Hide partner's media",
    'partner_protected': "🔒 Your partner's messages are protected: they can't be forwarded or saved.",
    'delete_not_in_chat': "You're not in a chat. In a chat, reply /delete to one of your messages to delete it for both of you.",
    "delete_usage": "Reply /delete to one of your own messages in this chat to delete it for both of you.",
    "delete_not_relayed": "That message never reached your partner, so there is nothing to delete for both.",
    'delete_other_chat': "That message isn't part of this chat, so it can't be deleted here.",
    "delete_not_yours": "You can delete only your own messages.",
    "delete_too_old": "That message is more than 48 hours old: Telegram no longer lets it be deleted.",
    "delete_done": "🗑 Deleted for both of you.",
    'delete_partner_kept': "🗑 Deleted on your side; your partner's copy was already gone.",
    "btn_card_purge": "🧹 Ban and delete",
    'admin_card_purged': "🧹 Banned by admin {admin_id}; {count} of their messages deleted from partners' chats.",
    "admin_purge_usage": "Usage: /purge <user_id>",
    'admin_purged': "🧹 User {user_id} is banned; {count} of their messages deleted from their partners' chats.",
    "admin_audit_purge": "messages deleted",
    "admin_audit_deleted": "{count} deleted",
    "menu_purge": "Ban and delete messages: /purge <user_id>",
}
