"""The container stack: docker-compose.yml, the Dockerfile and nginx's server block.

No Docker engine runs the stack here, so the files are read as data: the services,
their health checks and order, the one published port, and the commands, which must
be the ones the other tests run on this machine. nginx's server block is checked with
a real nginx (`nginx -t`) and served for real in front of a stand-in upstream on the
loopback, to see which headers reach the app.
"""

import http.client
import http.server
import ipaddress
import json
import os
import shlex
import shutil
import socket
import subprocess
import threading
from pathlib import Path

import pytest
import yaml

from tests.school.test_gunicorn import APP
from tests.waiting import wait_until

PROJECT_ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
NGINX_CONF = PROJECT_ROOT / "deploy" / "nginx.conf"

# The commands this machine's tests and README run, word for word.
GUNICORN_COMMAND = ["gunicorn", "-c", "gunicorn.conf.py", APP]
MIGRATE_COMMAND = ["python", "manage.py", "migrate", "--no-input"]
COLLECTSTATIC_COMMAND = "python manage.py collectstatic --no-input"


def command_of(service):
    command = SERVICES[service]["command"]
    return shlex.split(command) if isinstance(command, str) else command


def healthcheck_words(service):
    test = SERVICES[service]["healthcheck"]["test"]
    return shlex.split(test) if isinstance(test, str) else test


def environment_of(service):
    environment = SERVICES[service].get("environment", {})
    if isinstance(environment, list):
        environment = dict(entry.partition("=")[::2] for entry in environment)
    return environment


def conditions(service):
    return {
        name: spec["condition"]
        for name, spec in SERVICES[service].get("depends_on", {}).items()
    }


# --- docker-compose.yml


def test_the_stack_has_its_six_services():
    assert set(SERVICES) == {"db", "redis", "migrate", "web", "worker", "nginx"}


def test_the_worker_runs_the_task_queue_the_web_servers_fill():
    worker = SERVICES["worker"]
    assert worker["command"] == ["python", "manage.py", "db_worker"]
    assert worker["environment"]["TASKS_BACKEND"] == "database"
    assert SERVICES["web"]["environment"]["TASKS_BACKEND"] == "database"
    assert "ports" not in worker
    assert SERVICES["db"]["image"].startswith("postgres:16")
    assert SERVICES["redis"]["image"].startswith("redis:7")
    assert SERVICES["nginx"]["image"].startswith("nginx:")
    assert SERVICES["web"]["build"] == "."
    assert SERVICES["migrate"]["build"] == "."


def test_health_checks():
    assert "pg_isready" in healthcheck_words("db")[-1]
    assert healthcheck_words("redis") == ["CMD", "redis-cli", "ping"]
    web_check = healthcheck_words("web")
    assert web_check[:2] == ["CMD", "python"]
    assert "urllib.request" in web_check[-1]
    assert "http://127.0.0.1:8000/health-check" in web_check[-1]


def test_postgres_keeps_its_data_in_a_named_volume():
    assert "pgdata" in COMPOSE["volumes"]
    assert "pgdata:/var/lib/postgresql/data" in SERVICES["db"]["volumes"]


def test_only_nginx_publishes_a_port_and_it_is_8000():
    published = {
        name: spec["ports"] for name, spec in SERVICES.items() if "ports" in spec
    }
    assert published == {"nginx": ["8000:80"]}
    assert (
        "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro"
        in (SERVICES["nginx"]["volumes"])
    )


def test_migrations_run_once_before_any_app_server():
    assert command_of("migrate") == MIGRATE_COMMAND
    assert conditions("migrate") == {"db": "service_healthy"}
    assert SERVICES["migrate"].get("restart", "no") == "no"
    assert conditions("web") == {
        "migrate": "service_completed_successfully",
        "db": "service_healthy",
        "redis": "service_healthy",
    }
    assert conditions("nginx") == {"web": "service_healthy"}


def test_web_runs_the_gunicorn_command_the_tests_start():
    assert command_of("web") == GUNICORN_COMMAND
    assert SERVICES["web"]["env_file"] == ".env"
    environment = environment_of("web")
    assert "@db:5432/" in environment["DATABASE_URL"]
    assert environment["REDIS_URL"].startswith("redis://redis:6379/")


def test_nginx_network_is_the_trusted_proxy_range():
    trusted = [
        ipaddress.ip_network(entry.strip())
        for entry in environment_of("web")["TRUSTED_PROXIES"].split(",")
    ]
    assert set(SERVICES["nginx"]["networks"]) == {"edge"}
    assert "edge" in SERVICES["web"]["networks"]
    subnets = [
        ipaddress.ip_network(entry["subnet"])
        for entry in COMPOSE["networks"]["edge"]["ipam"]["config"]
    ]
    assert trusted == subnets
    # The database and Redis are not on the network whose members are trusted.
    for service in ("db", "redis", "migrate"):
        assert "edge" not in SERVICES[service]["networks"]


# --- Dockerfile


def dockerfile_instructions():
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    instructions, pending = [], ""
    for line in (PROJECT_ROOT / "Dockerfile").read_text().splitlines():
        stripped = line.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        keyword, _, arguments = (pending + stripped).partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = ""
    return instructions


def test_the_image_runs_gunicorn_as_a_user_that_is_not_root():
    instructions = dockerfile_instructions()
    assert instructions[0] == ("FROM", "python:3.11-slim")
    users = [arguments for keyword, arguments in instructions if keyword == "USER"]
    assert users, "no USER instruction: the app would run as root"
    assert users[-1] not in ("root", "0", "0:0")
    cmds = [arguments for keyword, arguments in instructions if keyword == "CMD"]
    assert json.loads(cmds[-1]) == GUNICORN_COMMAND
    assert ("EXPOSE", "8000") in instructions


def test_the_image_checks_its_health_and_collects_static_files_at_build():
    instructions = dockerfile_instructions()
    healthchecks = [args for keyword, args in instructions if keyword == "HEALTHCHECK"]
    assert len(healthchecks) == 1
    assert "http://127.0.0.1:8000/health-check" in healthchecks[0]
    collect = [
        args
        for keyword, args in instructions
        if keyword == "RUN" and COLLECTSTATIC_COMMAND in args
    ]
    assert len(collect) == 1
    # Production-mode settings with placeholders on that line, not DEBUG on.
    assert "DEBUG=false" in collect[0]
    assert "STATIC_MANIFEST=true" in collect[0]
    assert not any(
        keyword == "ENV" and "SECRET_KEY" in args for keyword, args in instructions
    )


# --- nginx


def nginx_directives(name):
    """The arguments of every `name` directive in the server block, comments dropped."""
    found = []
    for line in NGINX_CONF.read_text().splitlines():
        words = line.partition("#")[0].strip().rstrip(";").split(None, 1)
        if words and words[0] == name:
            found.append(words[1] if len(words) > 1 else "")
    return found


def test_nginx_names_the_client_and_passes_no_client_supplied_address():
    headers = dict(
        value.split(None, 1) for value in nginx_directives("proxy_set_header")
    )
    assert headers["X-Real-IP"] == "$remote_addr"
    assert headers["Host"] == "$host"
    assert headers["X-Forwarded-Proto"] == "$scheme"
    assert headers["X-Request-ID"] == "$request_id"
    assert headers["X-Forwarded-For"] == '""'
    # No header the app reads is built from what the client sent.
    assert "$http_x_real_ip" not in NGINX_CONF.read_text().lower()
    assert "$proxy_add_x_forwarded_for" not in NGINX_CONF.read_text()
    assert nginx_directives("client_max_body_size") == ["2m"]


def test_nginx_waits_longer_than_gunicorn():
    gunicorn_timeout = 30
    for name in ("proxy_read_timeout", "proxy_send_timeout"):
        (value,) = nginx_directives(name)
        assert int(value.removesuffix("s")) > gunicorn_timeout


NGINX = shutil.which("nginx", path=f"{os.environ.get('PATH', '')}:/usr/sbin")
needs_nginx = pytest.mark.skipif(
    NGINX is None, reason="nginx is not installed (apt-get install nginx-light)"
)


def nginx_wrapper(tmp_path, server_block: Path) -> Path:
    """A complete nginx.conf around the server block, writing only under tmp_path."""
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / name).mkdir(exist_ok=True)
    user = "user root;\n" if os.geteuid() == 0 else ""
    config = tmp_path / "nginx.conf"
    config.write_text(
        f"{user}"
        "daemon off;\n"
        f"pid {tmp_path}/nginx.pid;\n"
        f"error_log {tmp_path}/error.log warn;\n"
        "events { worker_connections 64; }\n"
        "http {\n"
        f"  access_log {tmp_path}/access.log;\n"
        f"  client_body_temp_path {tmp_path}/body;\n"
        f"  proxy_temp_path {tmp_path}/proxy;\n"
        f"  fastcgi_temp_path {tmp_path}/fastcgi;\n"
        f"  uwsgi_temp_path {tmp_path}/uwsgi;\n"
        f"  scgi_temp_path {tmp_path}/scgi;\n"
        f"  include {server_block};\n"
        "}\n"
    )
    return config


def run_nginx(*args, tmp_path):
    return subprocess.run(  # noqa: S603 - nginx with a config this test wrote
        [NGINX, "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


@needs_nginx
def test_nginx_accepts_the_server_block(tmp_path):
    config = nginx_wrapper(tmp_path, NGINX_CONF)
    result = run_nginx("-t", "-c", str(config), tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _EchoHeaders(http.server.BaseHTTPRequestHandler):
    """A stand-in for the app: answers with the request headers it received."""

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        body = json.dumps(
            {name.lower(): value for name, value in self.headers.items()}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, format, *args):
        pass


def listens(port):
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def nginx_in_front_of_echo(tmp_path):
    """The real server block on a loopback port, proxying to the echo server."""
    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _EchoHeaders)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    port = free_port()
    text = NGINX_CONF.read_text()
    # Only the two places that name the compose network change.
    assert text.count("listen 80;") == 1
    assert text.count("http://web:8000") == 1
    text = text.replace("listen 80;", f"listen 127.0.0.1:{port};").replace(
        "http://web:8000", f"http://127.0.0.1:{upstream.server_address[1]}"
    )
    server_block = tmp_path / "server.conf"
    server_block.write_text(text)
    config = nginx_wrapper(tmp_path, server_block)
    nginx = subprocess.Popen(  # noqa: S603 - nginx with a config this test wrote
        [NGINX, "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", config],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_until(lambda: listens(port)), (tmp_path / "error.log").read_text()
        yield port
    finally:
        nginx.terminate()
        try:
            nginx.wait(timeout=10)
        except subprocess.TimeoutExpired:
            nginx.kill()
            nginx.wait(timeout=5)
        upstream.shutdown()
        upstream.server_close()


def request(port, method="GET", body=None, headers=()):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, "/grades/", body=body, headers=dict(headers))
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@needs_nginx
def test_nginx_overwrites_every_header_the_app_trusts(nginx_in_front_of_echo):
    status, body = request(
        nginx_in_front_of_echo,
        headers={
            "Host": "school.example.org",
            "X-Real-IP": "203.0.113.66",
            "X-Forwarded-For": "203.0.113.66",
            "X-Forwarded-Proto": "https",
            "X-Request-ID": "chosen-by-the-client",
        },
    )
    assert status == 200
    seen = json.loads(body)
    assert seen["x-real-ip"] == "127.0.0.1"
    assert "x-forwarded-for" not in seen
    assert seen["x-forwarded-proto"] == "http"
    assert seen["host"] == "school.example.org"
    assert seen["x-request-id"] != "chosen-by-the-client"
    assert len(seen["x-request-id"]) == 32


@needs_nginx
def test_nginx_refuses_a_body_over_two_megabytes(nginx_in_front_of_echo):
    status, _ = request(
        nginx_in_front_of_echo, method="POST", body=b"x" * (1024 * 1024)
    )
    assert status == 200
    status, _ = request(
        nginx_in_front_of_echo, method="POST", body=b"x" * (2 * 1024 * 1024 + 1)
    )
    assert status == 413
