# newsbot: one image for every process (`run`, `worker`, `db upgrade`, `scan`, ...).
#
#   docker build -t newsbot .
#   docker compose up -d                  # with PostgreSQL: see docker-compose.yml, README.md
#
# Alone, on SQLite (one process), keeping the database in a named volume:
#   docker run -d --env-file .env -e DATABASE_URL=sqlite+aiosqlite:////app/data/newsbot.db \
#       -v newsbot-data:/app/data -v "$PWD/content:/app/content:ro" newsbot
#   docker run --rm -v "$PWD/content:/app/content:ro" newsbot preview content/some-post.md
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A fixed, numeric non-root user (Kubernetes' runAsNonRoot can check a number, not a name).
RUN groupadd --system --gid 10001 newsbot \
    && useradd --system --uid 10001 --gid newsbot --home-dir /app --shell /usr/sbin/nologin newsbot

# Install the package (runtime dependencies only, no dev extra) from a throwaway source copy.
# README.md is the package's `readme` in pyproject.toml: the build needs it.
COPY pyproject.toml README.md /src/
COPY bot/ /src/bot/
COPY storage/ /src/storage/
RUN pip install /src && rm -rf /src

# The working directory. The content folder is mounted at /app/content (the default
# CONTENT_DIR, `content`, is relative to it); /app/data is for an SQLite file in a volume
# (a new named volume takes this folder's owner). The settings come from the environment
# (compose, --env-file) or a .env mounted at /app/.env.
WORKDIR /app
RUN mkdir -p /app/content /app/data && chown -R newsbot:newsbot /app

USER 10001:10001

# `newsbot run` drains the sends in flight on SIGTERM (the default stop signal): give it time
# (docker stop -t 30, compose stop_grace_period).
ENTRYPOINT ["newsbot"]
CMD ["run"]
