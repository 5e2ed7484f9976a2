"""Environment for the test run, set before Django reads its settings.

Tests run with DEBUG off, like production; DATABASE_URL and REDIS_URL pass through
from the caller (CI sets both: PostgreSQL and Redis).
"""

import os

os.environ.setdefault("DEBUG", "false")
os.environ.setdefault(
    "SECRET_KEY", "test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("EMAIL_URL", "consolemail://")
# Hashed file names need `collectstatic`; tests serve the source files.
os.environ.setdefault("STATIC_MANIFEST", "false")
