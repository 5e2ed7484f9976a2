"""gunicorn settings, all from the environment.

    gunicorn -c gunicorn.conf.py school.wsgi:application

`kill -HUP <master pid>` re-reads this file, starts new workers on the new code and
stops the old ones gracefully: a deploy drops no request. The application is not
preloaded in the master, so each worker imports it (and starts its own health-check
probe threads) after the fork.
"""

import ipaddress
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _cores() -> int:
    # The CPUs this process may run on (a container's cpuset), not the host's count.
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


# Sync workers: each serves one request at a time; 2 x cores + 1, at most 8 per
# server (scale out with more servers, each holds database connections).
workers = _int("WEB_CONCURRENCY", min(2 * _cores() + 1, 8))
# More than 1 switches to the gthread worker (threads share a worker's memory).
threads = _int("GUNICORN_THREADS", 1)
# A worker silent for this long is killed and replaced. Keep PostgreSQL's
# statement_timeout below it, so a slow query fails cleanly first.
timeout = _int("GUNICORN_TIMEOUT", 30)
# On HUP or TERM, workers get this long to finish the requests they hold.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Seconds to keep an idle connection from the reverse proxy open (gthread only);
# keep it below the proxy's own upstream keep-alive timeout.
keepalive = _int("GUNICORN_KEEPALIVE", 5)

# All interfaces by default: in a container the proxy reaches the app from outside.
_host = os.environ.get("GUNICORN_HOST", "0.0.0.0")  # noqa: S104
bind = [f"{_host}:{_int('PORT', 8000)}"]

# The app logs every request itself (structured, with its request id).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# Only the proxies the app trusts may say the request came over HTTPS
# (X-Forwarded-Proto); the app reads the client address from them the same way.
forwarded_allow_ips = ",".join(
    str(ipaddress.ip_network(entry.strip(), strict=False))
    for entry in os.environ.get("TRUSTED_PROXIES", "").split(",")
    if entry.strip()
)

# Worker heartbeats on a RAM disk: a container's overlay disk can stall them. Only
# gunicorn's own heartbeat files go there (created with mkstemp).
_RAM_DISK = "/dev/shm"  # noqa: S108
if os.path.isdir(_RAM_DISK):
    worker_tmp_dir = _RAM_DISK
