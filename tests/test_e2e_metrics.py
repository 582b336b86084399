"""End to end: /metrics in the Prometheus text format, scraped over HTTP after traffic (issue 12)."""

from __future__ import annotations

import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from conftest import free_port, pair, register, report
from test_e2e_matching import buy_vip


def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample: (name, sorted labels) -> value."""
    body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_are_served_and_move_with_traffic(start_bot, emulator, admin):
    port = free_port()
    bot = start_bot(METRICS_PORT=str(port), REPORT_BAN_THRESHOLD="1")
    before = scrape(port)
    for name in ("chatbot_active_chats", "chatbot_search_queue_length", "chatbot_matches_total", "chatbot_reports_total",
                 "chatbot_bans_total", "chatbot_payments_total", "chatbot_stars_total", "chatbot_handler_errors_total",
                 "chatbot_relay_latency_seconds_count"):  # fmt: skip
        assert (name, ()) in before, name
    alice, bob, carol = (register(emulator.person(n)) for n in ("Alice", "Bob", "Carol"))
    buy_vip(alice)
    pair(alice, bob)
    during = scrape(port)
    assert value(during, "chatbot_active_chats") == 1 and value(during, "chatbot_search_queue_length") == 0
    for i in range(3):
        bob.wait_for_copy(alice.send(f"hi {i}"))
    bob.wait_for_copy(alice.send_media("photo"))
    carol.send("/search")
    carol.wait_for("Searching")
    alice.send("/stop")
    alice.wait_for("You ended")
    report(bob)
    alice.wait_for("You are banned")
    emulator.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    bob.send("/help")  # its answer meets a 403
    emulator.wait_until(lambda: emulator.calls_of("sendMessage") and [e for e in emulator.errors if e[1] == 403])
    after = scrape(port)
    assert value(after, "chatbot_active_chats") == 0 and value(after, "chatbot_search_queue_length") == 1
    assert value(after, "chatbot_relayed_messages_total", kind="text") == 3
    assert value(after, "chatbot_relayed_messages_total", kind="photo") == 1
    assert value(after, "chatbot_relay_latency_seconds_count") == 4
    assert value(after, "chatbot_relay_latency_seconds_bucket", le="+Inf") == 4
    assert value(after, "chatbot_matches_total") == 1
    assert value(after, "chatbot_reports_total") == 1 and value(after, "chatbot_bans_total") == 1
    assert value(after, "chatbot_payments_total") == 1 and value(after, "chatbot_stars_total") == 100
    assert value(after, "chatbot_updates_total", type="message") > value(during, "chatbot_updates_total", type="message")
    assert value(after, "chatbot_updates_total", type="callback_query") >= 2
    assert value(after, "chatbot_updates_total", type="pre_checkout_query") == 1
    assert value(after, "chatbot_telegram_errors_total", error="403") == 1
    assert value(after, "chatbot_handler_errors_total") == 0


def test_no_metrics_endpoint_unless_a_port_is_set(bot, emulator):
    register(emulator.person("Alice"))
    assert "Metrics at" not in bot.log()
