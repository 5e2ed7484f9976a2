"""What the current request carries that writes record (the audit's request id)."""

import structlog


def current_request_id() -> str:
    """The request id bound to the logging context, or "" outside a request."""
    return str(structlog.contextvars.get_contextvars().get("request_id", ""))[:64]
