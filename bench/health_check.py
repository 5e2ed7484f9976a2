"""How long /health-check takes to answer when a service is up, refuses, or hangs.

Run: .venv/bin/python bench/health_check.py
Needs PostgreSQL and Redis on 127.0.0.1 (their usual ports). A "hung" service is a
local TCP listener that accepts connections and never answers.
"""

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
REDIS = "redis://127.0.0.1:6379/15"

PROBE = """
import json, os, time, django
django.setup()
from django.test import Client
client = Client()
client.get("/health-check")  # warm-up: imports and first connections
client = Client()
from django.db import connections
connections.close_all()
from django.core.cache import caches
caches["default"].close()
start = time.monotonic()
response = client.get("/health-check")
print(json.dumps({"status": response.status_code, "body": response.json(),
                  "seconds": round(time.monotonic() - start, 3)}))
"""


def silent_listener():
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(100)
    held = []

    def accept_forever():
        while True:
            connection, _ = server.accept()
            held.append(connection)

    threading.Thread(target=accept_forever, daemon=True).start()
    return server.getsockname()[1]


def measure(label, database_url, redis_url):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "school.settings",
        "PYTHONPATH": str(ROOT),
        "DEBUG": "true",
        "LOG_LEVEL": "CRITICAL",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter and probe
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    seconds = outcome["seconds"]
    print(f"{label:<28} {outcome['status']}   {seconds:.3f} s  {outcome['body']}")


def main():
    hung = silent_listener()
    print(f"{'case':<28} HTTP  time      body")
    measure("all up", POSTGRES, REDIS)
    measure("Redis refuses", POSTGRES, "redis://127.0.0.1:1/0")
    measure("Redis hangs", POSTGRES, f"redis://127.0.0.1:{hung}/0")
    measure("PostgreSQL refuses", "postgres://postgres@127.0.0.1:1/x", REDIS)
    measure("PostgreSQL hangs", f"postgres://postgres@127.0.0.1:{hung}/x", REDIS)
    measure(
        "both hang",
        f"postgres://postgres@127.0.0.1:{hung}/x",
        f"redis://127.0.0.1:{hung}/0",
    )
    time.sleep(0.1)


if __name__ == "__main__":
    main()
