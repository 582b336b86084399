"""Deployment files: the Dockerfile's install and start commands really work, the compose file matches
the Dockerfile, and the systemd unit verifies and is hardened. No Docker engine is needed."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT

DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "docker-compose.yml"
UNIT = ROOT / "chatbot.service"


def dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) pairs, with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text())
    pairs = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            instruction, _, rest = line.partition(" ")
            pairs.append((instruction.upper(), rest.strip()))
    return pairs


def instructions(name: str) -> list[str]:
    return [rest for instruction, rest in dockerfile() if instruction == name]


def docker_env() -> dict[str, str]:
    env = {}
    for rest in instructions("ENV"):
        for key, value in re.findall(r"(\w+)=(\"[^\"]*\"|\S*)", rest):
            env[key] = value.strip('"')
    return env


def exec_form(text: str) -> list[str]:
    return json.loads(text)


def test_dockerfile_is_cache_friendly_slim_and_non_root():
    steps = dockerfile()
    (base,) = instructions("FROM")
    assert re.fullmatch(r"python:3\.\d+-slim", base)
    order = [f"{i} {r}" for i, r in steps]
    copy_requirements = order.index("COPY requirements.lock .")
    install = next(i for i, s in enumerate(order) if s.startswith("RUN pip install"))
    copy_code = order.index("COPY . .")
    assert copy_requirements < install < copy_code
    (user,) = instructions("USER")
    assert user not in ("root", "0")
    assert any("useradd" in r and user in r for r in instructions("RUN"))
    assert instructions("VOLUME") == ['["/data"]']
    env = docker_env()
    assert env["DATABASE_PATH"].startswith("/data/") and env["BACKUP_DIR"].startswith("/data/")
    assert env["LOG_FILE"] == ""  # logs go to stdout, where Docker collects them
    assert instructions("STOPSIGNAL") == ["SIGTERM"]
    (healthcheck,) = instructions("HEALTHCHECK")
    assert exec_form(healthcheck.split("CMD", 1)[1].strip()) == ["python", "bot.py", "--health"]
    assert exec_form(instructions("CMD")[0]) == ["python", "bot.py"]
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", ".git", ".venv", "*.db"} <= set(ignored)


def relocate(value: str, mounts: dict[str, Path]) -> str:
    """Map the image's /data and /tmp paths into test folders."""
    for mount, folder in mounts.items():
        if value == mount or value.startswith(mount + "/"):
            return str(folder) + value[len(mount) :]
    return value


def test_dockerfile_install_and_start_commands_work_in_a_fresh_venv(tmp_path, emulator):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    (install,) = [r for r in instructions("RUN") if r.startswith("pip install")]
    pip = [str(venv / "bin" / "pip"), *install.split()[1:]]
    result = subprocess.run(pip, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-2000:]

    data = tmp_path / "data"
    data.mkdir()
    env = {
        "PATH": f"{venv / 'bin'}:{os.environ.get('PATH', '')}",
        "HOME": str(tmp_path),
        **{k: relocate(v, {"/data": data, "/tmp": tmp_path}) for k, v in docker_env().items()},
        "BOT_TOKEN": emulator.token,
        "TELEGRAM_API_URL": emulator.url,
    }
    command = exec_form(instructions("CMD")[0])
    check = subprocess.run([*command, "--check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stderr
    assert (data / "bot.db").exists()

    bot = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        emulator.wait_until(lambda: emulator.polls > 0 or bot.poll() is not None, 60, "the image's CMD to poll")
        assert bot.poll() is None
        health = exec_form(instructions("HEALTHCHECK")[0].split("CMD", 1)[1].strip())
        emulator.wait_until(
            lambda: subprocess.run(health, cwd=ROOT, env=env, capture_output=True).returncode == 0, 20, "a healthy check"
        )
        bot.send_signal(getattr(signal, instructions("STOPSIGNAL")[0]))
        assert bot.wait(15) == 0
        assert bot.stdout is not None and "Started @" in bot.stdout.read()  # logs reach stdout
    finally:
        if bot.poll() is None:
            bot.kill()


def test_compose_file_matches_the_dockerfile():
    compose = yaml.safe_load(COMPOSE.read_text())
    service = compose["services"]["bot"]
    assert service["build"] == "."
    assert service["env_file"] == ".env"
    assert service["restart"] == "unless-stopped"
    (volume,) = service["volumes"]
    name, mount = volume.split(":")
    assert f'["{mount}"]' in instructions("VOLUME") and name in compose["volumes"]
    environment = service["environment"]
    for key in ("DATABASE_PATH", "BACKUP_DIR"):
        assert environment[key].startswith(mount + "/")
    assert service["healthcheck"]["test"][1:] == exec_form(instructions("HEALTHCHECK")[0].split("CMD", 1)[1].strip())
    assert service["stop_signal"] == instructions("STOPSIGNAL")[0]
    assert service["logging"]["driver"] == "json-file"
    assert {"max-size", "max-file"} <= set(service["logging"]["options"])
    # The read-only root keeps the heartbeat and matplotlib's cache in the /tmp tmpfs.
    assert service["read_only"] is True and "/tmp" in service["tmpfs"]
    env = docker_env()
    assert env["HEARTBEAT_FILE"].startswith("/tmp/") and env["MPLCONFIGDIR"].startswith("/tmp/")


def test_compose_webhook_profile_puts_caddy_in_front_of_the_bot():
    compose = yaml.safe_load(COMPOSE.read_text())
    caddy = compose["services"]["caddy"]
    assert caddy["profiles"] == ["webhook"] and caddy["depends_on"] == ["bot"]
    assert sorted(caddy["ports"]) == ["443:443", "80:80"]  # 443 is one of Telegram's four webhook ports
    mounts = {volume.split(":")[1]: volume.split(":")[0] for volume in caddy["volumes"]}
    assert mounts["/etc/caddy/Caddyfile"] == "./caddy/Caddyfile" and mounts["/data"] in compose["volumes"]
    caddyfile = (ROOT / "caddy" / "Caddyfile").read_text()
    assert "{$WEBHOOK_DOMAIN} {" in caddyfile and "reverse_proxy bot:{$WEBHOOK_PORT}" in caddyfile
    # The bot listens inside the compose network, and publishes no port of its own.
    bot = compose["services"]["bot"]
    assert bot["environment"]["WEBHOOK_LISTEN"] == "0.0.0.0" and "ports" not in bot
    assert "WEBHOOK_DOMAIN=" in (ROOT / ".env.example").read_text()


@pytest.mark.skipif(shutil.which("caddy") is None, reason="no caddy (.ci/run installs Debian's)")
def test_caddy_reads_the_caddyfile_as_a_proxy_for_webhook_domain_and_refuses_it_without_one():
    def adapt(domain: str) -> subprocess.CompletedProcess[str]:
        env = {"PATH": os.environ.get("PATH", ""), "WEBHOOK_DOMAIN": domain, "WEBHOOK_PORT": "8443", "HOME": "/tmp"}
        return subprocess.run(
            ["caddy", "adapt", "--config", str(ROOT / "caddy" / "Caddyfile"), "--adapter", "caddyfile"],
            capture_output=True, text=True, env=env, timeout=60,
        )  # fmt: skip

    result = adapt("bot.example.com")
    assert result.returncode == 0, result.stderr
    [server] = json.loads(result.stdout)["apps"]["http"]["servers"].values()
    assert server["listen"] == [":443"]
    [route] = server["routes"]
    assert route["match"] == [{"host": ["bot.example.com"]}]
    assert '"upstreams":[{"dial":"bot:8443"}]' in json.dumps(route["handle"], separators=(",", ":"))
    # An empty WEBHOOK_DOMAIN: Caddy refuses to start (README, "Webhook mode", says what it means).
    refused = adapt("")
    assert refused.returncode != 0 and "unrecognized global option: reverse_proxy" in refused.stderr


@pytest.mark.skipif(shutil.which("docker") is None, reason="no docker CLI")
def test_compose_config_parses_with_docker_compose(tmp_path):
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip("docker compose plugin not installed")
    shutil.copy(COMPOSE, tmp_path / "docker-compose.yml")
    (tmp_path / ".env").write_text("BOT_TOKEN=1:a\n")
    result = subprocess.run(["docker", "compose", "config", "--quiet"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def unit_settings() -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in UNIT.read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def test_unit_restarts_with_limits_and_hardening():
    unit = unit_settings()
    assert unit["Restart"] == ["on-failure"] and int(unit["RestartSec"][0]) >= 5
    assert unit["RestartPreventExitStatus"] == ["2"]  # bot.py's exit code for a configuration error
    assert int(unit["StartLimitBurst"][0]) >= 1 and int(unit["StartLimitIntervalSec"][0]) >= 60
    assert unit["User"] == ["chatbot"] and unit["EnvironmentFile"] == ["/etc/chatbot/chatbot.env"]
    assert unit["ExecStart"][0].startswith("/opt/chatbot/.venv/bin/python ")
    assert "--check" in unit["ExecStartPre"][0]
    for key, value in {
        "NoNewPrivileges": "true",
        "ProtectSystem": "strict",
        "ProtectHome": "true",
        "PrivateTmp": "true",
        "ReadWritePaths": "/var/lib/chatbot",
        "KillSignal": "SIGTERM",
    }.items():
        assert unit[key] == [value], key
    environment = " ".join(unit["Environment"])
    assert "DATABASE_PATH=/var/lib/chatbot/" in environment and "BACKUP_DIR=/var/lib/chatbot/" in environment


def unit_with_local_interpreter(tmp_path: Path) -> Path:
    """The unit as written, but with this machine's interpreter for /opt/chatbot/.venv/bin/python,
    because `verify` checks that ExecStart's program exists."""
    copy = tmp_path / "chatbot.service"
    copy.write_text(UNIT.read_text().replace("/opt/chatbot/.venv/bin/python", sys.executable))
    return copy


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_analyze_verify(tmp_path):
    unit = unit_with_local_interpreter(tmp_path)
    result = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "chatbot.service" not in result.stderr, result.stderr  # no warnings about our unit


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_security_exposure_matches_the_readme(tmp_path):
    unit = unit_with_local_interpreter(tmp_path)
    result = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", "--no-pager", str(unit)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    match = re.search(r"Overall exposure level for chatbot\.service: ([\d.]+) (\w+)", result.stdout)
    assert match, result.stdout + result.stderr
    score = float(match.group(1))
    assert score <= 2.0, f"exposure {score} {match.group(2)}"
    assert f"exposure level **{match.group(1)} {match.group(2)}**" in (ROOT / "README.md").read_text()


def test_the_monitoring_profile_scrapes_the_bot_and_the_dashboard_shows_its_metrics():
    compose = yaml.safe_load(COMPOSE.read_text())
    services = compose["services"]
    assert "profiles" not in services["bot"]  # the bot starts without the profile
    for name in ("prometheus", "grafana"):
        assert services[name]["profiles"] == ["monitoring"], name
        assert all(port.startswith("127.0.0.1:") for port in services[name]["ports"]), name
    scrape = yaml.safe_load((ROOT / "monitoring" / "prometheus.yml").read_text())
    assert scrape["scrape_configs"][0]["static_configs"][0]["targets"] == ["bot:9100"]
    assert "METRICS_PORT=9100" in COMPOSE.read_text() and "METRICS_HOST=0.0.0.0" in COMPOSE.read_text()
    dashboard = json.loads((ROOT / "monitoring" / "grafana" / "dashboards" / "chatbot.json").read_text())
    exprs = " ".join(t["expr"] for panel in dashboard["panels"] for t in panel["targets"])
    from chatbot.ops import metrics

    for metric in (m for m in vars(metrics).values() if hasattr(m, "_name")):
        assert metric._name in exprs, metric._name
