"""End to end: English, Russian and Spanish, from the Telegram app's language or /language (issue 11)."""

from __future__ import annotations

import re

from conftest import register
from emulator import Person
from test_e2e_chat import db_rows
from chatbot.i18n.texts import CATALOGUES

CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


def register_in(person: Person, gender_button: str, age_question: str, age: str, done: str) -> Person:
    person.send("/start")
    person.press(gender_button)
    person.wait_for(age_question)
    person.send(age)
    person.wait_for(done)
    return person


def own_texts(emulator, person: Person) -> list[str]:
    """What the bot itself wrote to the person (texts, captions and button labels), copies excluded."""
    texts = []
    for message in person.bot_messages():
        if emulator.copies.get((person.id, message["message_id"])):
            continue
        invoice = message.get("invoice")
        texts += [invoice["title"], invoice["description"]] if invoice else [message.get("text") or message.get("caption") or ""]
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            texts += [button["text"] for button in row]
    return texts


def test_a_russian_user_registers_and_chats_entirely_in_russian(bot, emulator):
    ivan = emulator.person("Ivan", language_code="ru")
    olga = emulator.person("Olga", language_code="ru-RU")
    ivan.send("/start")
    ivan.press("👨 Мужской")
    ivan.wait_for("Сколько тебе лет?")
    ivan.send("abc")
    ivan.wait_for("целым числом")
    ivan.send("30")
    ivan.wait_for("Готово!")
    register_in(olga, "👩 Женский", "Сколько тебе лет?", "27", "Готово!")
    ivan.send("/search")
    ivan.wait_for("Ищем собеседника")
    olga.send("/search")
    olga.wait_for("Собеседник найден")
    ivan.wait_for("Собеседник найден")
    olga.wait_for_copy(ivan.send("Привет!"))
    ivan.send("мой сайт example.org")
    ivan.wait_for("Ссылки, юзернеймы и почта запрещены")
    ivan.send("/stop")
    ivan.wait_for("Ты закончил чат")
    olga.wait_for("Собеседник закончил чат")
    ivan.press("👍")
    ivan.send("/vip")
    ivan.wait_for("VIP-статус")
    ivan.press("⭐ Купить VIP")
    ivan.pay()
    thanks = ivan.wait_for("Спасибо! Твой VIP действует до")["text"]
    assert re.search(r"\d{1,2} [а-я]{3,4}\. \d{4}", thanks), thanks  # "25 дек. 2026 г., 14:30"
    for command, needle in (("/profile", "Твой профиль"), ("/settings", "С кем знакомиться"), ("/help", "Команды"),
                            ("/rules", "Правила"), ("/privacy", "Конфиденциальность"), ("/nonsense", "Неизвестная")):  # fmt: skip
        ivan.send(command)
        ivan.wait_for(needle)
    assert db_rows(bot, "SELECT language FROM users ORDER BY user_id") == [("ru",), ("ru",)]
    english = {text for text in CATALOGUES["en"].values() if CYRILLIC.search(text) is None and len(text) > 12}
    for text in own_texts(emulator, ivan):
        assert text not in english, text
        assert CYRILLIC.search(text) or text in ("👍", "👎", "⛔"), text


def test_a_spanish_user_switches_to_english(bot, emulator):
    ana = emulator.person("Ana", language_code="es")
    register_in(ana, "👩 Mujer", "¿Cuántos años tienes?", "24", "¡Listo!")
    ana.send("/language")
    choice = ana.wait_for("Elige tu idioma")
    assert [b["text"] for b in choice["reply_markup"]["inline_keyboard"][0]] == ["🇬🇧 English", "🇷🇺 Русский", "🇪🇸 Español"]
    ana.press("🇬🇧 English")
    emulator.wait_until(lambda: choice["text"] == "✅ From now on I'll write to you in English.", what="the switch")
    ana.send("/help")
    assert "/search - find a random partner" in ana.wait_for("Commands")["text"]
    menus = [c for c in emulator.calls_of("setMyCommands") if c.get("scope", {}).get("chat_id") == ana.id]
    assert menus and menus[-1]["commands"][0]["description"] == "Find a random partner"
    assert db_rows(bot, "SELECT language FROM users WHERE user_id = ?", ana.id) == [("en",)]
    bot.restart()
    ana.send("/profile")
    ana.wait_for("Your profile")


def test_each_side_reads_the_departure_in_their_own_language(bot, emulator):
    ivan = register_in(emulator.person("Ivan", language_code="ru"), "👨 Мужской", "Сколько тебе лет?", "30", "Готово!")
    emma = register(emulator.person("Emma"), "👩 Female", "28")
    emma.send("/search")
    emma.wait_for("Searching")
    ivan.send("/search")
    ivan.wait_for("Собеседник найден")
    emma.wait_for("Partner found")
    ivan.send("/stop")
    ivan.wait_for("Ты закончил чат")
    assert "How was your partner?" in emma.wait_for("Your partner ended the chat")["text"]


def test_the_menu_and_descriptions_are_set_for_every_language(bot, emulator):
    def by_language(method: str) -> dict:
        return {c.get("language_code"): c for c in emulator.calls_of(method) if c.get("scope", {}).get("type", "default") == "default"}

    # Set as polling starts, beside the first poll (not before it).
    emulator.wait_until(lambda: len(by_language("setMyShortDescription")) == 4, what="the profile texts")
    commands = by_language("setMyCommands")
    assert set(commands) == {None, "en", "ru", "es"}
    first = {code: call["commands"][0]["description"] for code, call in commands.items()}
    assert first == {None: "Find a random partner", "en": "Find a random partner",
                     "ru": "Найти случайного собеседника", "es": "Buscar a alguien al azar"}  # fmt: skip
    assert "language" in [c["command"] for c in commands["es"]["commands"]]
    descriptions = by_language("setMyDescription")
    assert set(descriptions) == {None, "en", "ru", "es"} and "Анонимный" in descriptions["ru"]["description"]
    short = by_language("setMyShortDescription")
    assert short["es"]["short_description"] == "Chat anónimo con desconocidos al azar."


def test_among_those_who_fit_the_same_language_comes_first(bot, emulator):
    ivan = register_in(emulator.person("Ivan", language_code="ru"), "👨 Мужской", "Сколько тебе лет?", "30", "Готово!")
    emma = register(emulator.person("Emma"), "👩 Female", "28")
    olga = register_in(emulator.person("Olga", language_code="ru"), "👩 Женский", "Сколько тебе лет?", "26", "Готово!")
    emma.send("/search")
    emma.wait_for("Searching")
    ivan.send("/search")
    ivan.wait_for("Собеседник найден")
    emma.send("/next")  # Emma waits; Ivan, her previous partner, waits beside her
    emma.wait_for("Searching")
    ivan.send("/search")
    ivan.wait_for("Ищем собеседника")
    olga.send("/search")
    olga.wait_for("Собеседник найден")
    ivan.wait_for("Собеседник найден")  # same language, though Emma waited longer
    assert db_rows(bot, "SELECT user_id FROM search_queue") == [(emma.id,)]
