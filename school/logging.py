"""Structured logging: one JSON line per event (or readable lines in development).

Django's own loggers and structlog share one formatter, so every line on stdout has
the same shape whichever library wrote it. With LOG_FILE set, the same JSON lines
also go to a rotating file (10 MB x 5 backups).

Logs never carry a password, a session id, a CSRF token or a password-reset token
(house rule 8): events name ids, never secrets, and `scrub_secrets` below is the
safety net for what slips through (a secret-named key, a reset link in a path).
"""

import logging.config
import re

import structlog

LOG_FILE_MAX_BYTES = 10 * 1024 * 1024
LOG_FILE_BACKUP_COUNT = 5

# Keys whose values are never written, whoever logs them.
SECRET_KEYS = frozenset(
    {
        "authorization",
        "cookie",
        "csrfmiddlewaretoken",
        "csrftoken",
        "new_password1",
        "new_password2",
        "old_password",
        "password",
        "password1",
        "password2",
        "session_key",
        "sessionid",
        "token",
    }
)
REDACTED = "[redacted]"

# The password-reset link is /accounts/password/reset/<uidb64>/<token>/: both
# segments after "reset/" are replaced wherever a path is written.
_RESET_LINK = re.compile(r"(/password/reset/)[^/\s?#]+/[^/\s?#]+/")


def mask_path(path: str) -> str:
    """`path` with the uidb64 and token of a password-reset link replaced by "…"."""
    return _RESET_LINK.sub("\\1…/…/", path)


def scrub_secrets(_logger, _method_name, event_dict):
    """Drop secret-named values and mask reset tokens in paths and messages."""
    for key in SECRET_KEYS.intersection(event_dict):
        event_dict[key] = REDACTED
    for key in ("event", "path"):
        value = event_dict.get(key)
        if isinstance(value, str):
            event_dict[key] = mask_path(value)
    return event_dict


_SHARED_PROCESSORS = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    scrub_secrets,
]


def build_formatter(fmt: str = "json") -> structlog.stdlib.ProcessorFormatter:
    """The formatter of every handler: JSON lines, or readable lines for "console"."""
    renderer = (
        structlog.dev.ConsoleRenderer(colors=False)
        if fmt == "console"
        else structlog.processors.JSONRenderer()
    )
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_SHARED_PROCESSORS,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )


def configure_logging(*, level: str, fmt: str, file: str | None = None) -> None:
    """Log to stdout in `fmt` ("json" or "console"), and as JSON to `file` if set.

    The file rotates at 10 MB and keeps 5 backups. Rotation is per process: with
    several gunicorn workers on one file, prefer stdout (collected by Docker or
    journald) or give each worker its own file.
    """
    handlers = {
        "stdout": {
            "class": "logging.StreamHandler",
            "formatter": "stdout",
            "stream": "ext://sys.stdout",
        },
        # Django's "django.request" logger is silenced with this handler (below).
        "null": {"class": "logging.NullHandler"},
    }
    if file:
        handlers["file"] = {
            "class": "logging.handlers.RotatingFileHandler",
            "formatter": "json",
            "filename": str(file),
            "maxBytes": LOG_FILE_MAX_BYTES,
            "backupCount": LOG_FILE_BACKUP_COUNT,
            "encoding": "utf-8",
        }
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {
                "stdout": {"()": build_formatter, "fmt": fmt},
                "json": {"()": build_formatter, "fmt": "json"},
            },
            "handlers": handlers,
            "root": {
                "handlers": ["stdout", "file"] if file else ["stdout"],
                "level": level,
            },
            "loggers": {
                # Request lines come from school.request_logging, not twice.
                "django.server": {"handlers": ["null"], "propagate": False},
                # Silenced on purpose: for every 4xx/5xx Django writes a second line
                # ("Not Found: /path", "Forbidden (Permission denied): /path" with a
                # traceback, "Internal Server Error: /path") that repeats what
                # school.request_logging already writes: one "request" line per
                # request, plus one "unhandled_exception" line with the traceback
                # for every exception that becomes a 500 (from Django's
                # got_request_exception signal, which, unlike process_exception,
                # also sees exceptions raised in middleware). Security events
                # (django.security.*: bad Host header, CSRF failure) still log.
                "django.request": {"handlers": ["null"], "propagate": False},
                # Its DEBUG lines (DEBUG on) are SQL with parameters: session keys,
                # password hashes. Never written, whatever LOG_LEVEL says.
                "django.db.backends": {"level": "INFO"},
            },
        }
    )
    structlog.configure(
        processors=[
            *_SHARED_PROCESSORS,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
