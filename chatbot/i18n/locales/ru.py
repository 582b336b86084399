"""Русский: полный каталог, на «ты», как пишут в чатах. Кнопки начинаются с тех же эмодзи, что в английском."""

_COMMANDS = (
    "/search - найти случайного собеседника\n"
    "/next - закончить чат и найти нового собеседника\n"
    "/stop - закончить чат или остановить поиск\n"
    "/profile - твой профиль и оценки\n"
    "/vip - VIP-статус\n"
    "/settings - с кем знакомиться (VIP)\n"
    "/rules - правила\n"
    "/privacy - что мы храним\n"
    "/paysupport - помощь с оплатой\n"
    "/deleteme - удалить свои данные\n"
    "/language - сменить язык\n"
    "/help - этот список"
)

TEXTS: dict[str, str] = {
    # Кнопки
    "btn_male": "👨 Мужской",
    "btn_female": "👩 Женский",
    "btn_joined": "✅ Я подписался",
    "btn_good": "👍",
    "btn_bad": "👎",
    "btn_scam": "⛔",
    "btn_buy_vip": "⭐ Купить VIP",
    "btn_subscribe": "🔁 Подписаться",
    "btn_subscribe_pay": "🔁 Подписка: {price} ⭐ каждые 30 дней",
    "btn_cancel_subscription": "Отменить подписку",
    "btn_pref_men": "👨 Парни",
    "btn_pref_women": "👩 Девушки",
    "btn_pref_anyone": "👥 Все",
    "btn_age_range": "🎂 Возраст",
    "btn_refund": "↩️ Вернуть {amount} ⭐ от {date}",
    "btn_reason_sexual": "🔞 Сексуальный контент",
    "btn_reason_insults": "🤬 Оскорбления или угрозы",
    "btn_reason_spam": "💰 Спам или реклама",
    "btn_reason_underage": "👶 Несовершеннолетний",
    "btn_reason_other": "❓ Другое",
    "btn_card_ban": "⛔ Забанить",
    "btn_card_suspend": "⏳ Бан на 24 ч",
    "btn_card_dismiss": "✅ Отклонить",
    "btn_appeal_unban": "✅ Разбанить",
    "btn_appeal_reject": "❌ Отказать",
    "btn_delete_confirm": "🗑 Удалить мои данные",
    "btn_delete_cancel": "Отмена",
    # This language's own name, on its /language button.
    "language_name": "🇷🇺 Русский",
    "choose_language": "🌐 Выбери язык:",
    "language_set": "✅ Теперь я буду писать тебе по-русски.",
    "gender_male": "Мужской",
    "gender_female": "Женский",
    # Регистрация и проверка каналов
    "welcome": "👋 Добро пожаловать в анонимный чат!\n\nОбщайся со случайными людьми и не раскрывай, кто ты.\n\n"
    + _COMMANDS,
    "admin_commands": (
        "Команды админа:\n"
        "/ban <user_id> [срок] [причина] - забанить: на время (30m, 24h, 7d) или навсегда\n"
        "/unban <user_id> - снять бан\n"
        "/audit [n] - последние n действий админов (20)\n"
        "/stats - цифры и график за 30 дней\n"
        "/backup - сделать резервную копию базы сейчас\n"
        "/refund <user_id> [charge_id] - вернуть оплату VIP (последнюю или указанную)\n"
        "/broadcast - отправить объявление всем"
    ),
    "join_channels": "Чтобы пользоваться ботом, сначала подпишись на наш канал(ы):\n{channels}\n\nПотом нажми кнопку ниже.",
    "still_not_joined": "Ты ещё не подписался на все каналы:\n{channels}",
    "ask_gender": "Давай заполним профиль. Какой у тебя пол?",
    "gender_chosen": "Давай заполним профиль. Какой у тебя пол?\n{gender}",
    "ask_age": "Сколько тебе лет? Отправь возраст числом.",
    "age_not_number": "Отправь возраст целым числом, например 25.",
    "age_too_young": "Извини, пользоваться ботом можно только с {min_age} лет.",
    "age_too_old": "Укажи настоящий возраст: не больше {max_age}.",
    "age_refused": "{reason}\n\nСколько тебе лет? Отправь возраст числом.",
    "registered": "✅ Готово! Отправь /search, чтобы найти собеседника.",
    "not_registered": "Сначала зарегистрируйся: отправь /start.",
    # Поиск и чат
    "searching": "🔎 Ищем собеседника... Отправь /stop, чтобы отменить.",
    "searching_for": "🔎 Ищем: {who}, возраст {min_age}–{max_age}... Отправь /stop, чтобы отменить.",
    "search_timed_out": "⌛ За {minutes} мин. собеседник не нашёлся, поиск остановлен. Отправь /search, чтобы попробовать ещё раз.",
    "already_searching": "Ты уже в поиске. Отправь /stop, чтобы отменить.",
    "already_in_chat": "Ты уже в чате. Отправь /next для нового собеседника или /stop, чтобы закончить.",
    "partner_found": "🎉 Собеседник найден! Поздоровайся.\n\n/next - новый собеседник\n/stop - закончить чат",
    "partner_info_vip": "⭐ Твой собеседник: {gender}, {age} лет.",
    "vip_hint": "Совет: VIP видят пол и возраст собеседника. Отправь /vip",
    "still_searching": "🔎 Всё ещё ищем собеседника... Отправь /stop, чтобы отменить.",
    "not_in_chat_hint": "Ты сейчас не в чате. Отправь /search, чтобы найти собеседника.",
    "nothing_to_stop": "Ты не в чате и не в поиске. Отправь /search, чтобы найти собеседника.",
    "search_stopped": "Поиск остановлен. Отправь /search, чтобы начать снова.",
    "you_ended_chat": "Ты закончил чат.",
    "partner_ended_chat": "Собеседник закончил чат. Отправь /search, чтобы найти нового.",
    "partner_left": "Собеседник ушёл из бота. Чат окончен. Отправь /search, чтобы найти нового.",
    "partner_removed": "Собеседника удалила модерация. Чат окончен. Отправь /search, чтобы найти нового.",
    "rate_prompt": "Как тебе собеседник? Оценка анонимна.",
    # Отказы пересылки
    "link_blocked": "🚫 Ссылки, юзернеймы и почта запрещены. Сообщение не доставлено.",
    "bad_word_blocked": "🚫 В сообщении запрещённое слово, оно не доставлено.",
    "kind_blocked": "🚫 Такие сообщения здесь отправлять нельзя.",
    "edit_blocked": "{reason}\nПравка не применена: собеседник видит прежний вариант.",
    "contact_blocked": "🚫 Контакты отправлять нельзя: они раскрывают номер телефона.",
    "slow_down": "⏳ Помедленнее! Ты делаешь это слишком часто. Попробуй через минуту.",
    # Оценки и жалобы
    "rating_thanks": "Спасибо за оценку!",
    "rating_duplicate": "Ты уже оценил этот чат.",
    "rating_invalid": "Эта кнопка оценки больше не действует.",
    "button_invalid": "Эта кнопка больше не действует.",
    "report_ask_reason": "⛔ На что жалуешься?",
    "report_thanks": "Спасибо, жалоба отправлена модераторам.",
    "admin_report_card": (
        "⛔ Жалоба №{report_id}\n"
        "На пользователя: {target_id}\n"
        "От: {reporter_id}\n"
        "Причина: {reason}\n"
        "Чат: {chat_id}, длился {duration}\n"
        "Сообщений: {target_messages} от нарушителя, {reporter_messages} от автора жалобы\n"
        "Пожаловались на этого пользователя: {count}"
    ),
    "admin_report_evidence": "Ниже его последние сообщения в этом чате.",
    "admin_report_no_evidence": "Его сообщений из этого чата не сохранилось.",
    "admin_card_banned": "⛔ Забанен админом {admin_id}.",
    "admin_card_suspended": "⏳ Забанен на 24 ч админом {admin_id}.",
    "admin_card_dismissed": "✅ Отклонено админом {admin_id}.",
    "admin_card_unbanned": "✅ Разбанен админом {admin_id}.",
    "admin_card_rejected": "❌ Отказано админом {admin_id}.",
    "admin_card_already": "Уже решено другим админом.",
    "admin_auto_ban": "🔨 Пользователь {user_id} забанен автоматически после {count} жалоб.",
    "banned": "🚫 Ты забанен в этом боте.{until}{reason}{appeal}",
    "ban_until_line": "\nДо: {until} UTC",
    "ban_reason_line": "\nПричина: {reason}",
    "ban_appeal_line": "\nЕсли считаешь, что это ошибка, отправь /appeal.",
    "ban_ended": "✅ Твой бан закончился. Отправь /search, чтобы общаться.",
    "auto_ban_reason": "жалобы от {count} пользователей",
    "report_ban_reason": "жалоба №{report_id}: {reason}",
    # Апелляции
    "appeal_ask": "🙏 Напиши апелляцию одним сообщением: почему бан стоит снять? Её получат админы.",
    "appeal_sent": "Спасибо, апелляция отправлена админам. Мы сообщим тебе их решение.",
    "appeal_not_banned": "Ты не забанен, обжаловать нечего.",
    "appeal_already": "Ты уже обжаловал этот бан. Одна апелляция на бан.",
    "appeal_accepted": "✅ Апелляция принята, бан снят. Отправь /search, чтобы общаться.",
    "appeal_rejected": "❌ Апелляция отклонена. Бан остаётся.",
    "admin_appeal_card": "🙏 Апелляция от пользователя {user_id}\nБан: {ban}\nЗабанен: {banned_at} UTC\nПричина: {reason}\n\nНиже его сообщение.",
    "admin_ban_permanent": "навсегда",
    "admin_ban_until": "до {until} UTC",
    "admin_no_reason": "не указана",
    # Антиспам и новые аккаунты
    "muted_now": "🔇 Слишком много отклонённых сообщений: ты в муте на {duration}. До конца мута ничего не доставляется.",
    "muted": "🔇 Ты в муте ещё {duration}. Это сообщение не доставлено.",
    "media_hold": "🕐 Новым аккаунтам сначала можно отправлять только текст. Фото и другие медиа — через {duration}.",
    # Удаление данных
    "deleteme_confirm": (
        "🗑 Удалить твои данные?\n"
        "Чат или поиск закончится, а профиль, предпочтения, оценки и история чатов удалятся. "
        "Записи об оплатах останутся (они нужны для возвратов и споров), бан тоже. Отменить это нельзя."
    ),
    "deleteme_done": "🗑 Твои данные удалены. Отправь /start, чтобы зарегистрироваться заново.",
    "deleteme_canceled": "Ничего не удалено.",
    "duration_days": "{n} д",
    "duration_hours": "{n} ч",
    "duration_minutes": "{n} мин",
    # Предпочтения (/settings)
    "settings": "⚙️ С кем знакомиться\nПол собеседника: {gender}\nВозраст собеседника: {min_age}–{max_age}\nОбъявления: {announcements}\n\n{status}",
    "settings_status_vip": "⭐ Твои предпочтения действуют в каждом поиске, пока у тебя VIP.",
    "settings_status_not_vip": "Предпочтения — функция VIP: они действуют, пока у тебя VIP. Отправь /vip",
    "pref_anyone": "все",
    "pref_men": "парни",
    "pref_women": "девушки",
    "settings_vip_only": "⭐ Выбирать, с кем знакомиться, можно только с VIP. Отправь /vip, чтобы получить VIP.",
    "ask_age_range": (
        "🎂 Отправь возраст собеседника двумя числами, например 20-30 (от 18 до 100; 18-100 — любой). "
        "Отправь /settings, чтобы отменить."
    ),
    "age_range_not_range": "Это не похоже на диапазон возраста.",
    "age_range_out_of_bounds": "Оба возраста должны быть от 18 до 100.",
    "age_range_reversed": "Первое число не должно быть больше второго.",
    "age_range_refused": "{reason}\n\n🎂 Отправь возраст собеседника, например 20-30, или /settings, чтобы отменить.",
    "age_range_saved": "✅ Сохранено.",
    # Профиль и информация
    "profile": (
        "👤 Твой профиль\n"
        "Пол: {gender}\n"
        "Возраст: {age}\n"
        "VIP: {vip}\n"
        "Чатов: {chats}\n"
        "Оценки: 👍 {good}  👎 {bad}"
        "{ban}"
    ),
    "profile_vip_until": "да, до {until} UTC",
    "profile_no_vip": "нет",
    "profile_banned": "\n🚫 Забанен до {until} UTC",
    "profile_banned_forever": "\n🚫 Забанен",
    "rules": (
        "📜 Правила\n"
        "1. Уважай собеседника. Никаких травли, ненависти и угроз.\n"
        "2. Никаких ссылок, юзернеймов, почты и контактов: оставайся анонимным.\n"
        "3. Никакого спама, рекламы и мошенничества.\n"
        "4. Тебе должно быть 18 или больше.\n"
        "5. Тех, на кого жалуются несколько собеседников, бот банит автоматически."
    ),
    "help": "ℹ️ Команды\n" + _COMMANDS,
    "unknown_command": "Неизвестная команда. Отправь /help, чтобы увидеть, что я умею.",
    "privacy": (
        "🔒 Конфиденциальность\n"
        "Мы храним твой Telegram id, указанные пол и возраст, дату регистрации, предпочтения, VIP-статус и "
        "оплаты, оценки и жалобы (твои и на тебя), а также когда начинался и заканчивался каждый твой чат "
        "(с кем — видят только модераторы). Собеседник никогда не видит твоё имя, юзернейм или id.\n\n"
        "Мы не храним то, что ты пишешь: сообщения копируются собеседнику и не сохраняются. Чтобы модераторы "
        "могли разобрать жалобу, мы помним, какая копия к какому сообщению относится, ещё {evidence_hours} ч "
        "после конца чата; в карточке жалобы тогда видны последние сообщения нарушителя, скопированные из Telegram.\n\n"
        "Сроки: чаты и оценки в них удаляются через {retention_days} дн. после окончания; отклонённые сообщения "
        "(страйки) и муты — через 7 дней; то, что ты отправляешь, хранится только до доставки. "
        "Ежедневные копии базы хранятся {backup_days} дн., так что удалённые данные исчезают из них за этот срок.\n\n"
        "/deleteme сразу удаляет твой профиль, предпочтения, оценки и историю чатов. Остаются, и вот почему: "
        "записи об оплатах (нужны для возвратов и споров), действующий бан (удаление не должно его снимать), "
        "отметка, что кого-то нельзя снова соединять с тобой, и записи модераторов о жалобах и их действиях."
    ),
    # VIP и оплата
    "vip_info": (
        "⭐ VIP-статус\n"
        "• Выбирай, с кем знакомиться: парни или девушки и возраст (/settings)\n"
        "• Тебя соединяют первым\n"
        "• Видишь пол и возраст собеседника\n"
        "• Поддерживаешь бота\n\n"
        "⭐ Купить VIP: {price} ⭐ на {days} дн.\n"
        "🔁 Подписка: {subscription_price} ⭐ каждые 30 дней, продлевается, пока не отменишь."
    ),
    "vip_status_active": "Твой VIP действует до {until} UTC; новая покупка его продлит.",
    "vip_subscription_renews": "🔁 Подписка продлится {date} UTC ({price} ⭐ каждые 30 дней).",
    "vip_subscription_canceled": (
        "🔁 Подписка отменена: она не продлится, а VIP действует до {until} UTC. "
        "Нажми 🔁 Подписаться, чтобы снова включить продление."
    ),
    "subscription_offer": "🔁 VIP-подписка: {price} ⭐ каждые 30 дней, продлевается, пока не отменишь в /vip.",
    "subscription_title": "VIP-подписка",
    "subscription_description": "VIP на 30 дней с продлением каждый месяц, пока не отменишь: выбирай, с кем знакомиться.",
    "subscription_canceled": "Подписка отменена. VIP действует до {until} UTC.",
    "subscription_resumed": "🔁 Подписка снова включена. Продлится {date} UTC.",
    "subscription_failed": "😕 Сейчас не получилось изменить подписку. Попробуй позже или отправь /paysupport.",
    "vip_renewed": "🔁 VIP-подписка продлена. VIP действует до {until} UTC.",
    "refunded": "↩️ Твоя оплата {amount} ⭐ возвращена. {vip}",
    "refunded_vip_until": "Теперь твой VIP действует до {until} UTC.",
    "refunded_vip_ended": "Твой VIP закончился.",
    "invoice_title": "VIP-статус",
    "invoice_description": "VIP на {days} дн.: видишь пол и возраст собеседника.",
    "invoice_label": "VIP",
    "precheckout_bad": "Этот счёт больше не действует. Отправь /vip, чтобы получить новый.",
    "vip_activated": "🎉 Спасибо! Твой VIP действует до {until} UTC.",
    "payment_duplicate": "Эта оплата уже учтена. Твой VIP действует до {until} UTC.",
    "paysupport": (
        "💳 Помощь с оплатой\n"
        "Если с оплатой что-то не так, опиши проблему следующим сообщением и укажи дату оплаты. "
        "Его получат админы и ответят тебе. Возвраты делаются в Telegram Stars."
    ),
    "paysupport_sent": "Спасибо, сообщение отправлено админам.",
    "admin_paysupport": "💳 Запрос по оплате от пользователя {user_id}:\n{payments}",
    "admin_payments_none": "Оплат нет.",
    "admin_payment_line": "• {date} UTC · {amount} ⭐ · {charge_id}",
    "admin_payment_line_refunded": "• {date} UTC · {amount} ⭐ · {charge_id} (возвращена)",
    # Админ
    "admin_ban_usage": "Использование: /ban <user_id> [срок: 30m, 24h или 7d] [причина]",
    "admin_ban_bad_duration": "{value} — это не срок бана: укажи минуты, часы или дни, например 30m, 24h или 7d (от 1 минуты до 3650 дней).",
    "admin_banned_until": "Пользователь {user_id} забанен до {until} UTC.",
    "admin_unban_usage": "Использование: /unban <user_id>",
    "admin_no_such_user": "Нет пользователя с id {user_id}.",
    "admin_banned": "Пользователь {user_id} забанен.",
    "admin_unbanned": "Пользователь {user_id} разбанен.",
    "unbanned": "✅ Бан снят. Отправь /search, чтобы общаться.",
    "admin_refund_usage": "Использование: /refund <user_id> [charge_id]",
    "admin_refund_no_payments": "У пользователя {user_id} нет оплат.",
    "admin_refund_unknown_charge": "У пользователя {user_id} нет оплаты {charge_id}.",
    "admin_refund_already": "Оплата {charge_id} пользователя {user_id} уже возвращена.",
    "admin_refund_done": "↩️ Возвращено {amount} ⭐ пользователю {user_id} (оплата {charge_id}). Его VIP: {vip}.",
    "admin_refund_failed": "Telegram отказал в возврате оплаты {charge_id} пользователя {user_id}: {error}",
    "admin_vip_until": "до {until} UTC",
    "admin_vip_none": "нет",
    "admin_audit": "🧾 Последние действия админов ({n}), сначала новые:\n{lines}",
    "admin_audit_line": "{time} · {admin} · {action} · {target_id} {detail}",
    "admin_audit_empty": "Действий админов пока нет.",
    "admin_audit_usage": "Использование: /audit [n], n от 1 до 100 (по умолчанию 20)",
    "admin_audit_auto": "авто",
    "admin_audit_ban": "бан",
    "admin_audit_temp_ban": "временный бан",
    "admin_audit_auto_ban": "автоматический бан",
    "admin_audit_unban": "разбан",
    "admin_audit_dismiss": "жалоба отклонена",
    "admin_audit_appeal_accepted": "апелляция принята",
    "admin_audit_appeal_rejected": "апелляция отклонена",
    "admin_audit_refund": "возврат",
    "admin_audit_report": "жалоба №{report_id}",
    "admin_audit_payment": "{amount} ⭐ · {charge_id}",
    "stats": (
        "📊 Статистика\n"
        "Пользователей: {users}\n"
        "Забанено: {banned}\n"
        "VIP: {vip}\n"
        "Активных чатов: {active_chats}\n"
        "В поиске: {searching}\n"
        "Чатов сегодня: {chats_today}\n"
        "Жалоб сегодня: {reports_today}\n"
        "Переслано за 5 минут: {relay_rate} сообщений в секунду, 95% за {relay_p95} мс"
    ),
    "stats_chart_title": "Последние 30 дней",
    "stats_chart_ylabel": "в день (UTC)",
    "chart_new_users": "новые пользователи",
    "chart_chats_started": "начатые чаты",
    "chart_reports": "жалобы",
    "chart_vip_purchases": "покупки VIP",
    "stats_chart_caption": "📈 Новые пользователи, начатые чаты, жалобы и покупки VIP по дням (UTC).",
    "backup_done": "💾 Копия сохранена: {name} ({size} КБ). Храним последние {keep}.",
    "backup_failed": "Не удалось сделать копию: {error}",
    "not_delivered": "⚠️ Telegram какое-то время не принимал твоё последнее сообщение, и оно не доставлено. Отправь его ещё раз.",
    "error": "😕 Извини, что-то пошло не так. Попробуй ещё раз.",
    # Меню команд и описание бота
    "menu_search": "Найти случайного собеседника",
    "menu_next": "Закончить чат и найти нового",
    "menu_stop": "Закончить чат или поиск",
    "menu_profile": "Твой профиль и оценки",
    "menu_vip": "VIP-статус",
    "menu_settings": "С кем знакомиться (VIP)",
    "menu_rules": "Правила",
    "menu_help": "Все команды",
    "menu_privacy": "Что мы храним",
    "menu_paysupport": "Помощь с оплатой",
    "menu_deleteme": "Удалить свои данные",
    "menu_language": "Сменить язык",
    "menu_start": "Регистрация или приветствие",
    "menu_ban": "Забанить: /ban <user_id> [срок] [причина]",
    "menu_audit": "Действия админов: /audit [n]",
    "menu_unban": "Снять бан: /unban <user_id>",
    "menu_stats": "Цифры и график за 30 дней",
    "menu_backup": "Копия базы сейчас",
    "menu_refund": "Вернуть оплату: /refund <user_id> [charge_id]",
    "bot_description": (
        "Анонимный чат со случайными людьми. Нажми «Старт», укажи пол и возраст, потом /search. "
        "Собеседник никогда не увидит твоё имя, юзернейм или id."
    ),
    "bot_short_description": "Анонимный чат со случайными людьми.",
    # Announcements
    "btn_broadcast_send": "📣 Отправить {n} пользователям",
    "btn_broadcast_cancel": "Отмена",
    "btn_broadcast_stop": "⏹ Остановить",
    "btn_announcements": "🔔 Объявления",
    "broadcast_ask": "📣 Отправь объявление: одно сообщение любого вида (текст, фото, видео...); ссылки можно. Отправь /broadcast, чтобы начать заново.",
    "broadcast_preview": "📣 Выше — объявление, как его увидят пользователи. Отправить?",
    "broadcast_cancelled": "Отменено: ничего не отправлено.",
    "broadcast_progress": "📣 Отправка: {sent} доставлено, {failed} не удалось, {blocked} заблокировали бота, из {total}. Осталось около {left}.",
    "broadcast_done": "📣 Готово: {sent} доставлено, {failed} не удалось, {blocked} заблокировали бота, из {total}, за {took}.",
    "broadcast_stopped": "⏹ Остановлено: {sent} доставлено, {failed} не удалось, {blocked} заблокировали бота, из {total}.",
    "broadcast_running": "📣 Идёт рассылка: отправлено {sent} из {total}. Остановить?",
    "broadcast_busy": "Уже идёт другая рассылка. Дождись её или останови через /broadcast.",
    "announcement_hint": "🔕 Отключить объявления: /settings → 🔔 Объявления.",
    "settings_on": "вкл.",
    "settings_off": "выкл.",
    "menu_broadcast": "Отправить объявление всем",
    # Analytics (/stats)
    "stats_period": "📅 {period}: активных {active}, новых {registered}, чатов {chats} (медиана {median}).\nВоронка: {registered} зарегистрировались → {searched} искали ({searched_pct}) → {chatted} общались ({chatted_pct}) → {bought} купили VIP ({bought_pct}).\n⭐ получено {earned}, возвращено {refunded}; заблокировали бота: {blocked}.",
    "stats_today": "Сегодня",
    "stats_7_days": "За 7 дней",
    "stats_30_days": "За 30 дней",
    "chart_active_users": "активные пользователи",
    "chart_stars": "Stars",
    "stats_chart2_caption": "📈 Активные пользователи и оплаченные Stars по дням (UTC).",
    "blocked_line": "\nЗаблокировали бота: {blocked}",
}
