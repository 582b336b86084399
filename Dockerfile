# Anonymous chat bot for Telegram. Build: docker compose build; run: docker compose up -d (README.md).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATABASE_PATH=/data/bot.db \
    BACKUP_DIR=/data/backups \
    HEARTBEAT_FILE=/tmp/bot.heartbeat \
    MPLCONFIGDIR=/tmp/matplotlib \
    LOG_FILE=

WORKDIR /app

# A dedicated user without a shell; /data is the only place it may write besides /tmp.
RUN useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin chatbot \
    && mkdir -p /data \
    && chown chatbot:chatbot /data

# Dependencies first: this layer is rebuilt only when the lock changes. Only what the bot runs on
# (requirements.lock, pinned): no compiler, no test tool; every package comes as a wheel.
COPY requirements.lock .
RUN pip install --no-cache-dir --only-binary=:all: -r requirements.lock

# The code stays owned by root, so the bot cannot modify itself.
COPY . .

USER chatbot
VOLUME ["/data"]
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD ["python", "bot.py", "--health"]
CMD ["python", "bot.py"]
