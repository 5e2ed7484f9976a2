"""The production stack of the scripts that load real app servers: a throwaway
PostgreSQL cluster and redis-server on free ports (never the services on 5432/6379)
and gunicorn servers started with `gunicorn.conf.py`, all under one temporary
directory that `Stack.close` removes with every process it started."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Debian's PostgreSQL server binaries (the newest installed major version).
PG_BIN = max(
    Path("/usr/lib/postgresql").glob("*/bin"),
    key=lambda path: int(path.parent.name),
    default=Path("/usr/lib/postgresql/15/bin"),
)
VENV_BIN = ROOT / ".venv" / "bin"
SECRET_KEY = "bench-only-" + "k" * 50


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def as_postgres(args):
    """Run PostgreSQL's tools as the postgres OS user when we are root."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *args]
    return args


def wait_port(port: int, limit: float) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", port), timeout=0.5),
        ):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {limit} s")


def rss_kib(pid: int) -> int:
    """Resident memory of a process (VmRSS), 0 once it has gone."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (a gunicorn master's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            # The command name in field 2 may hold spaces: the ppid follows its ")".
            stat = (entry / "stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


class Stack:
    """Every process and file of a run, so that `close` can remove them all."""

    def __init__(self, name: str):
        self.tmp = Path(tempfile.mkdtemp(prefix=f"school-{name}-"))
        self.tmp.chmod(0o755)
        self.database = name
        self.pg_dir = self.tmp / "pg"
        self.pg_port = free_port()
        self.redis_port = free_port()
        self.redis = None
        self.gunicorns = []
        self.pg_started = False
        self.logs = []

    @property
    def database_url(self):
        return f"postgres://postgres@127.0.0.1:{self.pg_port}/{self.database}"

    @property
    def redis_url(self):
        return f"redis://127.0.0.1:{self.redis_port}/0"

    # -- processes ---------------------------------------------------------------

    def spawn(self, name, args, **kwargs):
        log = open(self.tmp / f"{name}.log", "ab")  # noqa: SIM115 (closed in close())
        self.logs.append(log)
        return subprocess.Popen(  # noqa: S603
            args,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches us only; we stop them
            **kwargs,
        )

    def pg_ctl(self, *args, check=True):
        return subprocess.run(  # noqa: S603
            as_postgres([str(PG_BIN / "pg_ctl"), "-D", str(self.pg_dir), *args]),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=check,
            timeout=60,
        )

    def start_postgres(self):
        self.pg_dir.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.pg_dir, "postgres", "postgres")
        self.pg_dir.chmod(0o700)
        subprocess.run(  # noqa: S603
            as_postgres(
                [
                    str(PG_BIN / "initdb"),
                    "-D",
                    str(self.pg_dir),
                    "-U",
                    "postgres",
                    "--auth=trust",
                ]
            ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=True,
            timeout=60,
        )
        self.pg_started = True
        self.pg_start()
        subprocess.run(  # noqa: S603
            as_postgres(
                [
                    str(PG_BIN / "createdb"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.pg_port),
                    "-U",
                    "postgres",
                    self.database,
                ]
            ),
            check=True,
            timeout=30,
        )

    def pg_start(self):
        self.pg_ctl(
            "-l",
            str(self.pg_dir / "server.log"),
            "-o",
            f"-p {self.pg_port} -k {self.pg_dir} -c listen_addresses=127.0.0.1",
            "-w",
            "start",
        )

    def start_redis(self):
        self.redis = self.spawn(
            "redis",
            [
                "redis-server",
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
        )
        wait_port(self.redis_port, 10)

    def stop_redis(self):
        if self.redis and self.redis.poll() is None:
            self.redis.terminate()
            try:
                self.redis.wait(10)
            except subprocess.TimeoutExpired:
                self.redis.kill()
                self.redis.wait()

    def app_env(self, port, **overrides):
        """A production deploy's environment (DEBUG off) for an app server."""
        env = dict(os.environ)
        env.update(
            PORT=str(port),
            GUNICORN_HOST="127.0.0.1",
            WEB_CONCURRENCY="2",
            DEBUG="false",
            SECRET_KEY=SECRET_KEY,
            ALLOWED_HOSTS="127.0.0.1,localhost",
            EMAIL_URL="consolemail://",
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis_url,
            LOG_LEVEL="WARNING",
        )
        env.update(overrides)
        return env

    def start_gunicorn(self, name, env):
        """A gunicorn master with `gunicorn.conf.py`, as a deploy starts it."""
        process = self.spawn(
            name,
            [
                str(VENV_BIN / "gunicorn"),
                "-c",
                "gunicorn.conf.py",
                "school.wsgi:application",
            ],
            cwd=ROOT,
            env=env,
        )
        self.gunicorns.append(process)
        return process

    # -- teardown ----------------------------------------------------------------

    def processes(self):
        """Every long-running process, in the order they are stopped."""
        return [p for p in [*self.gunicorns, self.redis] if p]

    def close(self):
        procs = self.processes()
        for proc in procs:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.terminate()
        for proc in procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                # Our own child's session (start_new_session): it and its workers.
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        if self.pg_started and (self.pg_dir / "postmaster.pid").exists():
            with contextlib.suppress(Exception):
                self.pg_ctl("-m", "immediate", "-w", "stop", check=False)
        for log in self.logs:
            log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)
