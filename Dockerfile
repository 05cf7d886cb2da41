# newsbot: one image for every process (`run`, `worker`, `db upgrade`, `scan`, ...).
#
#   docker build -t newsbot .
#   docker compose up -d                  # with PostgreSQL: see docker-compose.yml, README.md
#
# Alone, on SQLite (one process), keeping the database in a named volume:
#   docker run -d --env-file .env -e DATABASE_URL=sqlite+aiosqlite:////app/data/newsbot.db \
#       -v newsbot-data:/app/data -v "$PWD/content:/app/content:ro" newsbot
#   docker run --rm -v "$PWD/content:/app/content:ro" newsbot preview content/some-post.md
#
# Debian's Python (3.11 in bookworm) on a Debian base. BASE may name any Debian bookworm image,
# e.g. one made with debootstrap where no registry is reachable (see .ci/container).
ARG BASE=debian:bookworm-slim
FROM ${BASE}

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    LANG=C.UTF-8

# git (and ssh, for git@host: remotes) for CONTENT_GIT; the CA bundle for https.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        python3 python3-venv ca-certificates git openssh-client \
    && rm -rf /var/lib/apt/lists/*

# A fixed, numeric non-root user (Kubernetes' runAsNonRoot can check a number, not a name).
RUN groupadd --system --gid 10001 newsbot \
    && useradd --system --uid 10001 --gid newsbot --home-dir /app --shell /usr/sbin/nologin newsbot

# Install the package (runtime dependencies only, no dev extra) into a virtualenv of its own
# (Debian's Python refuses pip installs into the system's, PEP 668), from a throwaway copy.
# README.md is the package's `readme` in pyproject.toml: the build needs it. pip is told to
# trust the system's CA bundle (ca-certificates), as apt and git do.
RUN python3 -m venv /opt/newsbot
ENV PATH=/opt/newsbot/bin:$PATH
COPY pyproject.toml README.md /src/
COPY bot/ /src/bot/
COPY storage/ /src/storage/
RUN PIP_CERT=/etc/ssl/certs/ca-certificates.crt pip install /src && rm -rf /src

# The working directory. The content folder is mounted at /app/content (the default
# CONTENT_DIR, `content`, is relative to it); /app/data (DATA_DIR) is for an SQLite file and the
# clone of CONTENT_GIT, in a volume (a new named volume takes this folder's owner). The settings
# come from the environment (compose, --env-file) or a .env mounted at /app/.env.
WORKDIR /app
RUN mkdir -p /app/content /app/data && chown -R newsbot:newsbot /app
ENV DATA_DIR=/app/data

USER 10001:10001

# With HTTP_PORT set, GET /healthz says whether the bot works (database, polling, scans);
# without it there is nothing to ask, and the container counts as healthy.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python3", "-c", "import os, sys, urllib.request; port = os.environ.get('HTTP_PORT'); sys.exit(0) if not port else urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=4)"]

# `newsbot run` drains the sends in flight on SIGTERM (the default stop signal): give it time
# (docker stop -t 30, compose stop_grace_period).
ENTRYPOINT ["newsbot"]
CMD ["run"]
