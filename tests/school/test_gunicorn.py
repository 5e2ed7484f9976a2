"""gunicorn.conf.py: it loads with production settings, serves, and reloads on HUP."""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from tests.school.test_security import env_example
from tests.waiting import READY_SECONDS, wait_until

PROJECT_ROOT = Path(__file__).resolve().parents[2]
GUNICORN = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"]
APP = "school.wsgi:application"


def production_env(**overrides):
    env = {"PATH": os.environ.get("PATH", ""), **env_example()}
    env["SECRET_KEY"] = secrets.token_urlsafe(45)
    env.update(overrides)
    return env


def run_gunicorn(*args, env):
    return subprocess.run(  # noqa: S603 - a fixed command line, no outside input
        [*GUNICORN, *args, APP],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_config_loads_with_the_production_environment():
    result = run_gunicorn("--check-config", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_reads_its_settings_from_the_environment():
    result = run_gunicorn(
        "--print-config",
        env=production_env(
            WEB_CONCURRENCY="3",
            GUNICORN_THREADS="4",
            GUNICORN_TIMEOUT="20",
            PORT="9123",
            TRUSTED_PROXIES="10.0.0.5,172.16.0.0/12",
        ),
    )
    assert result.returncode == 0, result.stderr
    config = dict(
        (name.strip(), value.strip())
        for name, _, value in (
            line.partition("=") for line in result.stdout.splitlines() if "=" in line
        )
    )
    assert config["workers"] == "3"
    assert config["threads"] == "4"
    assert config["timeout"] == "20"
    assert config["bind"] == "['0.0.0.0:9123']"
    assert config["accesslog"] == "None"
    assert config["forwarded_allow_ips"] == "['10.0.0.5/32', '172.16.0.0/12']"


def test_the_default_worker_count_is_capped_at_eight():
    env = production_env()
    env.pop("WEB_CONCURRENCY", None)
    result = run_gunicorn("--print-config", env=env)
    assert result.returncode == 0, result.stderr
    workers = next(
        int(line.partition("=")[2])
        for line in result.stdout.splitlines()
        if line.startswith("workers ")
    )
    cores = len(os.sched_getaffinity(0))
    assert workers == min(2 * cores + 1, 8)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_health(port, *, timeout=READY_SECONDS):
    """The health check's answer. A worker that is still loading the app answers
    late, not never: the generous timeout tells a slow answer from a refusal."""
    url = f"http://127.0.0.1:{port}/health-check"
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.headers["Content-Type"], response.read()


def answers(port):
    try:
        return get_health(port, timeout=5)[0] == 200
    except (OSError, urllib.error.URLError):
        return False


def test_it_serves_and_reloads_on_hup_without_refusing(tmp_path):
    port = free_port()
    log_path = tmp_path / "gunicorn.log"
    env = production_env(
        GUNICORN_HOST="127.0.0.1",
        PORT=str(port),
        WEB_CONCURRENCY="2",
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        # Plain HTTP on the loopback: no proxy here, no HTTPS redirect needed.
        SECURE_SSL_REDIRECT="false",
        BEHIND_TLS_PROXY="false",
        LOG_LEVEL="WARNING",
    )
    env.pop("REDIS_URL")
    with log_path.open("w") as log:
        server = subprocess.Popen(  # noqa: S603
            [*GUNICORN, APP],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        assert wait_until(lambda: answers(port)), log_path.read_text()
        status, content_type, body = get_health(port)
        assert status == 200
        assert content_type == "application/json"
        assert json.loads(body) == {"status": "ok", "database": "ok", "cache": "ok"}

        def booted():
            return log_path.read_text().count("Booting worker with pid")

        assert wait_until(lambda: booted() == 2), log_path.read_text()
        server.send_signal(signal.SIGHUP)
        # Answered during the reload (old workers still serve)...
        assert get_health(port)[0] == 200
        # ...and by the two new workers once they are up. "Booting" is logged
        # before a worker has loaded the app: the requests below may wait for it.
        assert wait_until(lambda: booted() == 4), log_path.read_text()
        assert "Hang up: Master" in log_path.read_text()
        for _ in range(4):
            assert get_health(port)[0] == 200
        assert server.poll() is None
    finally:
        server.terminate()
        try:
            server.wait(timeout=READY_SECONDS)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)
