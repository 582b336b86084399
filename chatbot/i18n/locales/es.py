"""Español: el catálogo completo, tuteando, como se escribe en un chat. Los botones empiezan con el
mismo emoji que en inglés."""

_COMMANDS = (
    "/search - buscar a alguien al azar\n"
    "/next - terminar este chat y buscar a otra persona\n"
    "/stop - terminar el chat o dejar de buscar\n"
    "/profile - tu perfil y valoraciones\n"
    "/vip - estado VIP\n"
    "/settings - a quién conoces (VIP) y tus intereses\n"
    "/reveal - proponer a tu pareja intercambiar perfiles de Telegram\n"
    "/invite - tu enlace de invitación\n"
    "/delete - (respondiendo a tu mensaje) borrarlo para los dos\n"
    "/rules - las normas\n"
    "/privacy - qué guardamos\n"
    "/paysupport - ayuda con un pago\n"
    "/deleteme - borrar tus datos\n"
    "/language - cambiar el idioma\n"
    "/help - esta lista"
)

TEXTS: dict[str, str] = {
    # Botones
    "btn_male": "👨 Hombre",
    "btn_female": "👩 Mujer",
    "btn_joined": "✅ Ya me uní",
    "btn_good": "👍",
    "btn_bad": "👎",
    "btn_scam": "⛔",
    "btn_buy_vip": "⭐ Comprar VIP",
    "btn_subscribe": "🔁 Suscribirse",
    "btn_subscribe_pay": "🔁 Suscripción: {price} ⭐ cada 30 días",
    "btn_cancel_subscription": "Cancelar suscripción",
    "btn_pref_men": "👨 Hombres",
    "btn_pref_women": "👩 Mujeres",
    "btn_pref_anyone": "👥 Cualquiera",
    "btn_age_range": "🎂 Rango de edad",
    "btn_refund": "↩️ Reembolsar {amount} ⭐ del {date}",
    "btn_reason_sexual": "🔞 Contenido sexual",
    "btn_reason_insults": "🤬 Insultos o amenazas",
    "btn_reason_spam": "💰 Spam o publicidad",
    "btn_reason_underage": "👶 Menor de edad",
    "btn_reason_other": "❓ Otro",
    "btn_card_ban": "⛔ Banear",
    "btn_card_suspend": "⏳ Banear 24 h",
    "btn_card_dismiss": "✅ Descartar",
    "btn_appeal_unban": "✅ Desbanear",
    "btn_appeal_reject": "❌ Rechazar",
    "btn_delete_confirm": "🗑 Borrar mis datos",
    "btn_delete_cancel": "Cancelar",
    # This language's own name, on its /language button.
    "language_name": "🇪🇸 Español",
    "choose_language": "🌐 Elige tu idioma:",
    "language_set": "✅ A partir de ahora te escribiré en español.",
    "gender_male": "Hombre",
    "gender_female": "Mujer",
    # Registro y canales
    "welcome": "👋 ¡Bienvenido al chat anónimo!\n\nHabla con desconocidos al azar sin revelar quién eres.\n\n"
    + _COMMANDS,
    "admin_commands": (
        "Comandos de admin:\n"
        "/ban <user_id> [duración] [motivo] - banear a alguien, por un tiempo (30m, 24h, 7d) o para siempre\n"
        "/unban <user_id> - quitar un baneo\n"
        "/purge <user_id> - banear y borrar sus mensajes de los chats de sus parejas (hasta 48 h)\n"
        "/audit [n] - las últimas n acciones de admins (20)\n"
        "/stats - cifras y un gráfico de 30 días\n"
        "/backup - hacer ahora una copia de la base de datos\n"
        "/refund <user_id> [charge_id] - reembolsar un pago VIP (el último o ese)\n"
        "/broadcast - enviar un anuncio a todos"
    ),
    "join_channels": "Para usar este bot, primero únete a nuestro(s) canal(es):\n{channels}\n\nLuego pulsa el botón de abajo.",
    "still_not_joined": "Todavía no te has unido a todos los canales:\n{channels}",
    "ask_gender": "Vamos a crear tu perfil. ¿Cuál es tu género?",
    "gender_chosen": "Vamos a crear tu perfil. ¿Cuál es tu género?\n{gender}",
    "ask_age": "¿Cuántos años tienes? Envía tu edad en números.",
    "age_not_number": "Envía tu edad como un número entero, por ejemplo 25.",
    "age_too_young": "Lo siento, necesitas tener al menos {min_age} años para usar este bot.",
    "age_too_old": "Envía tu edad real: como mucho {max_age}.",
    "age_refused": "{reason}\n\n¿Cuántos años tienes? Envía tu edad en números.",
    "registered": "✅ ¡Listo! Envía /search para encontrar a alguien.",
    "not_registered": "Primero regístrate: envía /start.",
    # Búsqueda y chat
    "searching": "🔎 Buscando a alguien... Envía /stop para cancelar.",
    "searching_for": "🔎 Buscando: {who}, de {min_age}–{max_age} años... Envía /stop para cancelar.",
    "search_timed_out": "⌛ No encontramos a nadie en {minutes} minutos, así que la búsqueda se detuvo. Envía /search para intentarlo de nuevo.",
    "already_searching": "Ya estás buscando. Envía /stop para cancelar.",
    "already_in_chat": "Ya estás en un chat. Envía /next para cambiar de persona o /stop para terminarlo.",
    "partner_found": "🎉 ¡Encontramos a alguien! Salúdale.\n\n/next - otra persona\n/stop - terminar el chat",
    "partner_info_vip": "⭐ Tu pareja de chat: {gender}, {age} años.",
    "vip_hint": "Consejo: los VIP ven el género y la edad de la otra persona. Envía /vip",
    "still_searching": "🔎 Seguimos buscando a alguien... Envía /stop para cancelar.",
    "not_in_chat_hint": "No estás en un chat. Envía /search para encontrar a alguien.",
    "nothing_to_stop": "No estás en un chat ni buscando. Envía /search para encontrar a alguien.",
    "search_stopped": "Búsqueda detenida. Envía /search para empezar de nuevo.",
    "you_ended_chat": "Terminaste el chat.",
    "partner_ended_chat": "La otra persona terminó el chat. Envía /search para buscar a alguien nuevo.",
    "partner_left": "La otra persona dejó el bot. El chat terminó. Envía /search para buscar a alguien nuevo.",
    "partner_removed": "La moderación expulsó a la otra persona. El chat terminó. Envía /search para buscar a alguien nuevo.",
    "rate_prompt": "¿Qué tal la otra persona? Tu valoración es anónima.",
    # Mensajes rechazados
    "link_blocked": "🚫 No se permiten enlaces, nombres de usuario ni correos. Tu mensaje no se entregó.",
    "bad_word_blocked": "🚫 Tu mensaje contiene una palabra prohibida y no se entregó.",
    "kind_blocked": "🚫 Aquí no se puede enviar este tipo de mensaje.",
    "edit_blocked": "{reason}\nTu edición no se aplicó: la otra persona sigue viendo la versión anterior.",
    "contact_blocked": "🚫 No se permiten contactos: revelarían un número de teléfono.",
    "slow_down": "⏳ ¡Más despacio! Lo haces demasiado seguido. Inténtalo en un minuto.",
    # Valoraciones y denuncias
    "rating_thanks": "¡Gracias por tu valoración!",
    "rating_duplicate": "Ya valoraste este chat.",
    "rating_invalid": "Este botón de valoración ya no sirve.",
    "button_invalid": "Este botón ya no sirve.",
    "report_ask_reason": "⛔ ¿Por qué denuncias a la otra persona?",
    "report_thanks": "Gracias, tu denuncia se envió a los moderadores.",
    "admin_report_card": (
        "⛔ Denuncia n.º {report_id}\n"
        "Usuario denunciado: {target_id}\n"
        "Denunciante: {reporter_id}\n"
        "Motivo: {reason}\n"
        "Chat: {chat_id}, duró {duration}\n"
        "Mensajes: {target_messages} del denunciado, {reporter_messages} del denunciante\n"
        "Usuarios que denunciaron a este usuario: {count}"
    ),
    "admin_report_evidence": "Abajo van sus últimos mensajes de este chat.",
    "admin_report_no_evidence": "No se guarda ningún mensaje suyo de este chat.",
    "admin_card_banned": "⛔ Baneado por el admin {admin_id}.",
    "admin_card_suspended": "⏳ Baneado 24 h por el admin {admin_id}.",
    "admin_card_dismissed": "✅ Descartada por el admin {admin_id}.",
    "admin_card_unbanned": "✅ Desbaneado por el admin {admin_id}.",
    "admin_card_rejected": "❌ Rechazada por el admin {admin_id}.",
    "admin_card_already": "Otro admin ya se encargó.",
    "admin_auto_ban": "🔨 El usuario {user_id} fue baneado automáticamente tras {count} denuncias.",
    "banned": "🚫 Estás baneado de este bot.{until}{reason}{appeal}",
    "ban_until_line": "\nHasta: {until} UTC",
    "ban_reason_line": "\nMotivo: {reason}",
    "ban_appeal_line": "\nSi crees que es un error, envía /appeal.",
    "ban_ended": "✅ Tu baneo terminó. Envía /search para chatear.",
    "auto_ban_reason": "denunciado por {count} usuarios",
    "report_ban_reason": "denuncia n.º {report_id}: {reason}",
    # Apelaciones
    "appeal_ask": "🙏 Escribe tu apelación en un solo mensaje: ¿por qué deberíamos quitarte el baneo? Les llegará a los admins.",
    "appeal_sent": "Gracias, tu apelación se envió a los admins. Te avisaremos de lo que decidan.",
    "appeal_not_banned": "No estás baneado, así que no hay nada que apelar.",
    "appeal_already": "Ya apelaste este baneo. Una apelación por baneo.",
    "appeal_accepted": "✅ Aceptaron tu apelación y te quitaron el baneo. Envía /search para chatear.",
    "appeal_rejected": "❌ Rechazaron tu apelación. El baneo sigue.",
    "admin_appeal_card": "🙏 Apelación del usuario {user_id}\nBaneo: {ban}\nBaneado el: {banned_at} UTC\nMotivo: {reason}\n\nAbajo va su mensaje.",
    "admin_ban_permanent": "permanente",
    "admin_ban_until": "hasta {until} UTC",
    "admin_no_reason": "sin motivo",
    # Antispam y cuentas nuevas
    "muted_now": "🔇 Demasiados mensajes rechazados: estás silenciado durante {duration}. Hasta entonces no se entrega nada de lo que envíes.",
    "muted": "🔇 Sigues silenciado {duration} más. Este mensaje no se entregó.",
    "media_hold": "🕐 Las cuentas nuevas solo pueden enviar texto al principio. Vuelve a probar con fotos y otros archivos en {duration}.",
    # Borrado de datos
    "deleteme_confirm": (
        "🗑 ¿Borrar tus datos?\n"
        "Esto termina tu chat o búsqueda y borra tu perfil, preferencias, valoraciones e historial de chats. "
        "Los registros de pagos se guardan (hacen falta para reembolsos y disputas), y el baneo también. No se puede deshacer."
    ),
    "deleteme_done": "🗑 Tus datos se borraron. Envía /start para registrarte de nuevo.",
    "deleteme_canceled": "No se borró nada.",
    "duration_days": "{n} d",
    "duration_hours": "{n} h",
    "duration_minutes": "{n} min",
    # Preferencias (/settings)
    "settings": "⚙️ A quién conoces\nGénero: {gender}\nEdad: {min_age}–{max_age}\nIntereses: {interests}\nProteger mis mensajes: {protect}\nOcultar multimedia de la pareja: {hide}\nAnuncios: {announcements}\n\n{status}",
    "settings_status_vip": "⭐ Tus preferencias se aplican a cada búsqueda mientras tengas VIP.",
    "settings_status_not_vip": "Las preferencias son una función VIP: se aplican mientras tengas VIP. Envía /vip",
    "pref_anyone": "cualquiera",
    "pref_men": "hombres",
    "pref_women": "mujeres",
    "settings_vip_only": "⭐ Elegir a quién conoces es una función VIP. Envía /vip para conseguirlo.",
    "ask_age_range": (
        "🎂 Envía el rango de edad como dos números, por ejemplo 20-30 (de 18 a 100; 18-100 para cualquier edad). "
        "Envía /settings para cancelar."
    ),
    "age_range_not_range": "Eso no es un rango de edad.",
    "age_range_out_of_bounds": "Las dos edades deben estar entre 18 y 100.",
    "age_range_reversed": "La primera edad no puede ser mayor que la segunda.",
    "age_range_refused": "{reason}\n\n🎂 Envía el rango de edad, por ejemplo 20-30, o /settings para cancelar.",
    "age_range_saved": "✅ Guardado.",
    # Perfil e información
    "profile": (
        "👤 Tu perfil\n"
        "Género: {gender}\n"
        "Edad: {age}\n"
        "VIP: {vip}\n"
        "Chats: {chats}\n"
        "Valoraciones recibidas: 👍 {good}  👎 {bad}"
        "{ban}"
    ),
    "profile_vip_until": "sí, hasta {until} UTC",
    "profile_no_vip": "no",
    "profile_banned": "\n🚫 Baneado hasta {until} UTC",
    "profile_banned_forever": "\n🚫 Baneado",
    "rules": (
        "📜 Normas\n"
        "1. Sé respetuoso. Nada de acoso, odio ni amenazas.\n"
        "2. Nada de enlaces, nombres de usuario, correos ni contactos: mantén el anonimato.\n"
        "3. Nada de spam, publicidad ni estafas.\n"
        "4. Debes tener 18 años o más.\n"
        "5. A quien denuncian varias personas se le banea automáticamente."
    ),
    "help": "ℹ️ Comandos\n" + _COMMANDS,
    "unknown_command": "Comando desconocido. Envía /help para ver lo que puedo hacer.",
    "privacy": (
        "🔒 Privacidad\n"
        "Guardamos tu id de Telegram, el género y la edad que indicaste, cuándo te registraste, tus preferencias, "
        "tu estado VIP y tus pagos, las valoraciones y denuncias que hiciste y recibiste, y cuándo empezó y "
        "terminó cada uno de tus chats (con quién solo lo ven los moderadores). La otra persona nunca ve tu "
        "nombre, tu usuario ni tu id.\n\n"
        "Nunca guardamos lo que escribes: los mensajes se copian a la otra persona y no se conservan. Para que "
        "los moderadores puedan revisar una denuncia, recordamos qué copia corresponde a qué mensaje durante "
        "{evidence_hours} horas después de terminar el chat; la ficha de la denuncia muestra entonces los "
        "últimos mensajes del denunciado, copiados desde Telegram.\n\n"
        "Plazos: los chats y sus valoraciones se borran {retention_days} días después de terminar; los avisos "
        "por mensajes rechazados y los silencios, a los 7 días; lo que envías se guarda solo hasta entregarse. "
        "Las copias diarias de la base de datos se guardan {backup_days} días, así que los datos borrados "
        "desaparecen de ellas en ese plazo. Un paso que dejas a medias (un registro, un enlace de invitación sin "
        "registrarte aún, un ajuste, una apelación) se olvida a los {flow_days} días.\n\n"
        "Tus intereses se guardan con tu perfil; tu código de invitación, y quién se unió con tu enlace con el "
        "VIP que te dio, también. Una propuesta de intercambiar perfiles guarda tu nombre de usuario solo hasta "
        "que se responde o termina el chat, y no se comparte nada de ti sin que los dos aceptéis. Una petición "
        "de volver a chatear se guarda hasta que se responde o caduca.\n\n"
        "/deleteme borra al momento tu perfil (intereses incluidos), preferencias, valoraciones, historial de "
        "chats, código de invitación y propuestas y peticiones abiertas. Se guardan, y "
        "por qué: los registros de pagos (hacen falta para reembolsos y disputas), un baneo activo (borrar no "
        "debe quitarlo), que alguien no debe volver a coincidir contigo, el registro de denuncias y acciones "
        "de los moderadores, y el registro de con qué invitación te uniste (la recompensa de quien invitó; "
        "registrarte de nuevo no cuenta dos veces)."
    ),
    # VIP y pagos
    "vip_info": (
        "⭐ VIP\n"
        "• Elige a quién conoces: hombres o mujeres, y un rango de edad (/settings)\n"
        "• Te emparejamos antes que a nadie\n"
        "• Ves el género y la edad de la otra persona\n"
        "• Apoyas el bot\n\n"
        "⭐ Comprar VIP: {price} ⭐ por {days} días.\n"
        "🔁 Suscripción: {subscription_price} ⭐ cada 30 días, se renueva hasta que la canceles."
    ),
    "vip_status_active": "Tu VIP está activo hasta el {until} UTC; si vuelves a comprar, se alarga.",
    "vip_subscription_renews": "🔁 Tu suscripción se renueva el {date} UTC ({price} ⭐ cada 30 días).",
    "vip_subscription_canceled": (
        "🔁 Tu suscripción está cancelada: no se renovará y el VIP sigue hasta el {until} UTC. "
        "Pulsa 🔁 Suscribirse para volver a activar la renovación."
    ),
    "subscription_offer": "🔁 Suscripción VIP: {price} ⭐ cada 30 días, se renueva hasta que la canceles en /vip.",
    "subscription_title": "Suscripción VIP",
    "subscription_description": "VIP por 30 días, renovado cada mes hasta que lo canceles: elige a quién conoces.",
    "subscription_canceled": "Tu suscripción está cancelada. El VIP sigue hasta el {until} UTC.",
    "subscription_resumed": "🔁 Tu suscripción vuelve a estar activa. Se renueva el {date} UTC.",
    "subscription_failed": "😕 Ahora mismo no pudimos cambiar tu suscripción. Inténtalo más tarde o envía /paysupport.",
    "vip_renewed": "🔁 Tu suscripción VIP se renovó. El VIP está activo hasta el {until} UTC.",
    "refunded": "↩️ Te reembolsamos tu pago de {amount} ⭐. {vip}",
    "refunded_vip_until": "Ahora tu VIP dura hasta el {until} UTC.",
    "refunded_vip_ended": "Tu VIP terminó.",
    "invoice_title": "VIP",
    "invoice_description": "VIP por {days} días: ve el género y la edad de la otra persona.",
    "invoice_label": "VIP",
    "precheckout_bad": "Esta factura ya no es válida. Envía /vip para recibir una nueva.",
    "vip_activated": "🎉 ¡Gracias! Tu VIP está activo hasta el {until} UTC.",
    "payment_duplicate": "Este pago ya se procesó. Tu VIP está activo hasta el {until} UTC.",
    "paysupport": (
        "💳 Ayuda con pagos\n"
        "Si algo salió mal con un pago, describe el problema en tu próximo mensaje e indica la fecha del pago. "
        "Les llegará a los admins, que te responderán. Los reembolsos se hacen en Telegram Stars."
    ),
    "paysupport_sent": "Gracias, tu mensaje se envió a los admins.",
    "admin_paysupport": "💳 Solicitud de ayuda con pagos del usuario {user_id}:\n{payments}",
    "admin_payments_none": "Sin pagos.",
    "admin_payment_line": "• {date} UTC · {amount} ⭐ · {charge_id}",
    "admin_payment_line_refunded": "• {date} UTC · {amount} ⭐ · {charge_id} (reembolsado)",
    # Admin
    "admin_ban_usage": "Uso: /ban <user_id> [duración como 30m, 24h o 7d] [motivo]",
    "admin_ban_bad_duration": "{value} no es una duración de baneo: usa minutos, horas o días, como 30m, 24h o 7d (de 1 minuto a 3650 días).",
    "admin_banned_until": "El usuario {user_id} está baneado hasta el {until} UTC.",
    "admin_unban_usage": "Uso: /unban <user_id>",
    "admin_no_such_user": "No hay ningún usuario con id {user_id}.",
    "admin_banned": "El usuario {user_id} está baneado.",
    "admin_unbanned": "El usuario {user_id} ya no está baneado.",
    "unbanned": "✅ Te quitaron el baneo. Envía /search para chatear.",
    "admin_refund_usage": "Uso: /refund <user_id> [charge_id]",
    "admin_refund_no_payments": "El usuario {user_id} no tiene pagos.",
    "admin_refund_unknown_charge": "El usuario {user_id} no tiene el pago {charge_id}.",
    "admin_refund_already": "El pago {charge_id} del usuario {user_id} ya se reembolsó.",
    "admin_refund_done": "↩️ Reembolsados {amount} ⭐ al usuario {user_id} (pago {charge_id}). Su VIP: {vip}.",
    "admin_refund_failed": "Telegram rechazó el reembolso del pago {charge_id} del usuario {user_id}: {error}",
    "admin_vip_until": "hasta el {until} UTC",
    "admin_vip_none": "ninguno",
    "admin_audit": "🧾 Las últimas {n} acciones de admins, primero las más nuevas:\n{lines}",
    "admin_audit_line": "{time} · {admin} · {action} · {target_id} {detail}",
    "admin_audit_empty": "Todavía no hay acciones de admins.",
    "admin_audit_usage": "Uso: /audit [n], n de 1 a 100 (20 si no lo indicas)",
    "admin_audit_auto": "auto",
    "admin_audit_ban": "baneo",
    "admin_audit_temp_ban": "baneo temporal",
    "admin_audit_auto_ban": "baneo automático",
    "admin_audit_unban": "desbaneo",
    "admin_audit_dismiss": "denuncia descartada",
    "admin_audit_appeal_accepted": "apelación aceptada",
    "admin_audit_appeal_rejected": "apelación rechazada",
    "admin_audit_refund": "reembolso",
    "admin_audit_report": "denuncia n.º {report_id}",
    "admin_audit_payment": "{amount} ⭐ · {charge_id}",
    "stats": (
        "📊 Estadísticas\n"
        "Usuarios: {users}\n"
        "Baneados: {banned}\n"
        "VIP: {vip}\n"
        "Chats activos: {active_chats}\n"
        "Buscando: {searching}\n"
        "Chats hoy: {chats_today}\n"
        "Denuncias hoy: {reports_today}\n"
        "Reenviados en los últimos 5 minutos: {relay_rate} mensajes por segundo, el 95% en {relay_p95} ms"
    ),
    "stats_chart_title": "Últimos 30 días",
    "stats_chart_ylabel": "por día (UTC)",
    "chart_new_users": "usuarios nuevos",
    "chart_chats_started": "chats iniciados",
    "chart_reports": "denuncias",
    "chart_vip_purchases": "compras VIP",
    "stats_chart_caption": "📈 Usuarios nuevos, chats iniciados, denuncias y compras VIP por día (UTC).",
    "backup_done": "💾 Copia guardada: {name} ({size} KB). Se guardan las {keep} más recientes.",
    "backup_failed": "La copia falló: {error}",
    "not_delivered": "⚠️ Telegram no aceptó tu último mensaje durante un rato, así que no se entregó. Envíalo de nuevo.",
    "error": "😕 Lo siento, algo salió mal. Inténtalo de nuevo.",
    # Menú de comandos y descripción del bot
    "menu_search": "Buscar a alguien al azar",
    "menu_next": "Terminar el chat y buscar a otra persona",
    "menu_stop": "Terminar el chat o la búsqueda",
    "menu_profile": "Tu perfil y valoraciones",
    "menu_vip": "Estado VIP",
    "menu_settings": "A quién conoces (VIP)",
    "menu_rules": "Las normas",
    "menu_help": "Todos los comandos",
    "menu_privacy": "Qué guardamos",
    "menu_paysupport": "Ayuda con un pago",
    "menu_deleteme": "Borrar tus datos",
    "menu_language": "Cambiar el idioma",
    "menu_start": "Registrarte o ver la bienvenida",
    "menu_ban": "Banear: /ban <user_id> [duración] [motivo]",
    "menu_audit": "Acciones recientes de admins: /audit [n]",
    "menu_unban": "Quitar un baneo: /unban <user_id>",
    "menu_stats": "Cifras y un gráfico de 30 días",
    "menu_backup": "Copia de la base de datos ahora",
    "menu_refund": "Reembolsar un pago: /refund <user_id> [charge_id]",
    "bot_description": (
        "Chatea de forma anónima con desconocidos al azar. Pulsa Iniciar, dinos tu género y edad y luego /search. "
        "La otra persona nunca ve tu nombre, tu usuario ni tu id."
    ),
    "bot_short_description": "Chat anónimo con desconocidos al azar.",
    # Announcements
    "btn_broadcast_send": "📣 Enviar a {n} usuarios",
    "btn_broadcast_cancel": "Cancelar",
    "btn_broadcast_stop": "⏹ Detener",
    "btn_announcements": "🔔 Anuncios",
    "broadcast_ask": "📣 Envía el anuncio: un mensaje de cualquier tipo (texto, foto, vídeo...); se permiten enlaces. Envía /broadcast para empezar de nuevo.",
    "broadcast_preview": "📣 Arriba está el anuncio tal como lo verán los usuarios. ¿Lo enviamos?",
    "broadcast_cancelled": "Cancelado: no se envió nada.",
    "broadcast_progress": "📣 Enviando: {sent} enviados, {failed} fallidos, {blocked} bloquearon el bot, de {total}. Faltan unos {left}.",
    "broadcast_done": "📣 Listo: {sent} enviados, {failed} fallidos, {blocked} bloquearon el bot, de {total}, en {took}.",
    "broadcast_stopped": "⏹ Detenido: {sent} enviados, {failed} fallidos, {blocked} bloquearon el bot, de {total}.",
    "broadcast_running": "📣 Se está enviando un anuncio: {sent} de {total} enviados. ¿Detenerlo?",
    "broadcast_busy": "Ya se está enviando otro anuncio. Espera o detenlo con /broadcast.",
    "announcement_hint": "🔕 Para dejar de recibir anuncios: /settings → 🔔 Anuncios.",
    "settings_on": "sí",
    "settings_off": "no",
    "menu_broadcast": "Enviar un anuncio a todos",
    # Analytics (/stats)
    "stats_period": "📅 {period}: {active} usuarios activos, {registered} nuevos, {chats} chats (mediana {median}).\nEmbudo: {registered} registrados → {searched} buscaron ({searched_pct}) → {chatted} chatearon ({chatted_pct}) → {bought} compraron VIP ({bought_pct}).\n⭐ {earned} ganadas, {refunded} reembolsadas; {blocked} bloquearon el bot.\n🔗 {invited} llegaron por invitación, {invite_rewards} recompensadas.",
    "stats_today": "Hoy",
    "stats_7_days": "Últimos 7 días",
    "stats_30_days": "Últimos 30 días",
    "chart_active_users": "usuarios activos",
    "chart_stars": "Stars",
    "stats_chart2_caption": "📈 Usuarios activos por día y Stars pagadas por día (UTC).",
    "blocked_line": "\nBloquearon el bot: {blocked}",
    # Interests, the partner's rating, profiles by consent, chatting again, invites
    "btn_interests": "🏷 Intereses",
    "topic_music": "🎵 Música",
    "topic_games": "🎮 Juegos",
    "topic_movies": "🎬 Películas",
    "topic_books": "📚 Libros",
    "topic_travel": "✈️ Viajes",
    "topic_sports": "⚽ Deportes",
    "topic_tech": "💻 Tecnología",
    "topic_art": "🎨 Arte",
    "topic_food": "🍳 Comida",
    "topic_animals": "🐾 Animales",
    "topic_deep_talk": "🧠 Charlas profundas",
    "topic_memes": "😂 Memes",
    "btn_done": "✔️ Listo",
    "interests": "🏷 Tus intereses: {count} de {most} como máximo. Toca un tema para elegirlo o quitarlo. Entre quienes encajan, va primero quien comparte más.",
    "interests_too_many": "Puedes elegir como máximo {most} temas: quita uno primero.",
    "interests_none": "ninguno",
    "partner_rating": "Valoración de tu pareja: 👍 {good} · 👎 {bad}",
    "partner_rating_new": "Valoración de tu pareja: nueva",
    "shared_interests": "A los dos os gusta: {topics}",
    "menu_reveal": "Proponer intercambiar perfiles",
    "menu_invite": "Tu enlace de invitación",
    "reveal_not_in_chat": "No estás en un chat. En un chat, /reveal propone a tu pareja intercambiar perfiles de Telegram.",
    "reveal_pending": "Ya hay una propuesta de intercambiar perfiles esperando respuesta en este chat.",
    "reveal_offer": "Tu pareja propone intercambiar perfiles de Telegram. Si aceptas, cada uno recibe un enlace al perfil del otro; si no, no se comparte nada.",
    "btn_exchange": "🤝 Intercambiar",
    "btn_decline_exchange": "🙅 Rechazar",
    "reveal_sent": "Tu propuesta de intercambiar perfiles va en camino. No se comparte nada si tu pareja no acepta.",
    "reveal_you_declined": "Has rechazado. No se ha compartido nada.",
    "reveal_declined": "Tu pareja ha rechazado intercambiar perfiles. No se ha compartido nada.",
    "reveal_profile": "🤝 Habéis intercambiado perfiles. El perfil de Telegram de tu pareja:",
    "btn_open_profile": "👤 Abrir perfil",
    "reveal_privacy_partner": "La privacidad de tu pareja no permite enlaces a su cuenta, así que no se puede mostrar su perfil. Podría crear un nombre de usuario y volver a usar /reveal.",
    "reveal_privacy_yours": "Tu privacidad no permite enlaces a tu cuenta, así que tu pareja no ha recibido tu perfil. Crea un nombre de usuario en los ajustes de Telegram y vuelve a usar /reveal.",
    "btn_chat_again": "🔁 Volver a chatear",
    "btn_accept": "✅ Aceptar",
    "btn_decline": "❌ Rechazar",
    "rematch_request": "Tu última pareja quiere volver a chatear.",
    "rematch_sent": "Tu petición de volver a chatear va en camino.",
    "rematch_on_its_way": "Tu petición de volver a chatear ya va en camino.",
    "rematch_too_late": "Demasiado tarde: puedes pedir volver a chatear hasta {minutes} minutos después del final de un chat.",
    "rematch_refused": "Lo siento, no podéis volver a chatear.",
    "rematch_unavailable": "Tu última pareja ya no está disponible.",
    "rematch_you_declined": "Has rechazado.",
    "rematch_declined": "Tu última pareja ha rechazado volver a chatear.",
    "rematch_you_are_busy": "Ahora estás en un chat. Termínalo con /stop y vuelve a pulsar ✅ Aceptar mientras la petición siga abierta.",
    "rematch_partner_busy": "Tu última pareja está en otro chat. Vuelve a pulsar ✅ Aceptar más tarde, mientras la petición siga abierta.",
    "invite": "🔗 Tu enlace de invitación:\n{link}\n\nSe han unido con él: {joined}. VIP ganado: {days} días.",
    "invite_reward_terms": "Cada amigo que se una con él y tenga un primer chat de verdad (al menos 3 mensajes por cada lado) te da {reward} días de VIP, hasta {most} veces al mes.",
    "invite_rewarded": "🎁 Alguien a quien invitaste tuvo su primer chat de verdad: recibes {days} días de VIP, hasta el {until}.",
    # The chat a person controls: delete for both, protected messages, hidden media, purges
    "btn_protect": "🔒 Proteger mis mensajes",
    "btn_hide_media": "🫣 Ocultar multimedia de la pareja",
    "partner_protected": "🔒 Los mensajes de tu pareja están protegidos: no se pueden reenviar ni guardar.",
    "delete_not_in_chat": "No estás en un chat. En un chat, responde /delete a uno de tus mensajes para borrarlo para los dos.",
    "delete_usage": "Responde /delete a uno de tus mensajes de este chat para borrarlo para los dos.",
    "delete_not_relayed": "Ese mensaje no llegó a tu pareja, así que no hay nada que borrar para los dos.",
    "delete_other_chat": "Ese mensaje no es de este chat, así que no se puede borrar aquí.",
    "delete_not_yours": "Solo puedes borrar tus propios mensajes.",
    "delete_too_old": "Ese mensaje tiene más de 48 horas: Telegram ya no deja borrarlo.",
    "delete_done": "🗑 Borrado para los dos.",
    "delete_partner_kept": "🗑 Borrado de tu lado; la copia de tu pareja ya no estaba.",
    "btn_card_purge": "🧹 Banear y borrar",
    "admin_card_purged": "🧹 Baneado por el admin {admin_id}; {count} de sus mensajes borrados de los chats de sus parejas.",
    "admin_purge_usage": "Uso: /purge <user_id>",
    "admin_purged": "🧹 El usuario {user_id} está baneado; {count} de sus mensajes borrados de los chats de sus parejas.",
    "admin_audit_purge": "mensajes borrados",
    "admin_audit_deleted": "{count} borrados",
    "menu_purge": "Banear y borrar mensajes: /purge <user_id>",
}
