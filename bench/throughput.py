"""Throughput of the portal as configured for production.

Run:
  .venv/bin/python bench/throughput.py [--students 1000] [--seconds 20]
      [--concurrency 8] [--workers 2] [--threads 1]

Starts its own throwaway PostgreSQL cluster and Redis (free ports, never the services
on 5432/6379), migrates, loads `seed_bulk --students N`, collects the static files
and starts one gunicorn server with `gunicorn.conf.py` and a production environment
(DEBUG off, manifest static files, Redis cache, database task queue, JSON logs at
INFO) on 127.0.0.1. Rate limits are off so that the load is not refused with 429.

A seeded student and teacher log in (GET the form, POST it with its CSRF token), then
for each page in turn, the student's report card and the teacher's gradebook for
one of their classroom subjects: `--concurrency` client threads, each on its own
keep-alive `http.client` connection, request the page back to back; the first
WARM_UP seconds are not counted, then `--seconds` are. Prints requests per second,
p50 / p90 / p99 latency, errors (anything but a 200, or no answer), the CPU used
in the window by the app server, PostgreSQL, the load client and the whole machine
(100% per core), and the resident memory (VmRSS) of the gunicorn master and workers
after the run; writes them to bench/results/throughput.json. Everything it started
is stopped and its temporary directory removed, on Ctrl-C too.

The load client runs on the same machine: its threads compete with the app servers
and PostgreSQL for the CPU, so the figures are a floor for a server of that size.
"""

import argparse
import contextlib
import datetime
import http.client
import io
import json
import os
import platform
import signal
import statistics
import sys
import threading
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

import servers
from servers import ROOT, children, free_port, rss_kib, wait_port

RESULTS = ROOT / "bench" / "results" / "throughput.json"
WARM_UP = 3  # seconds of load before each measured window, every worker warmed
REQUEST_TIMEOUT = 30  # seconds: gunicorn's own timeout kills a worker by then
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class Abort(Exception):
    """The run exceeded its time limit or was told to stop (SIGTERM)."""


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument(
        "--seconds", type=float, default=20, help="measured seconds per page"
    )
    parser.add_argument(
        "--concurrency", type=int, default=8, help="client threads (connections)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("WEB_CONCURRENCY") or 2),
        help="gunicorn workers (WEB_CONCURRENCY)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=int(os.environ.get("GUNICORN_THREADS") or 1),
        help="threads per worker (GUNICORN_THREADS; above 1: gthread workers)",
    )
    return parser.parse_args()


# -- data -----------------------------------------------------------------------------


def build_data(stack, students):
    """Migrate, seed the school and collect the static files, in this process.

    Returns the data's figures and the pages to load, each with the account that
    loads it: the first seeded student's report card, and the gradebook of the
    first seeded teacher's first classroom subject.
    """
    os.environ.update(
        DJANGO_SETTINGS_MODULE="school.settings",
        DEBUG="false",
        SECRET_KEY=servers.SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1",
        EMAIL_URL="consolemail://",
        DATABASE_URL=stack.database_url,
        REDIS_URL=stack.redis_url,
        STATIC_ROOT=str(stack.tmp / "static"),
        LOG_LEVEL="WARNING",
        DATABASE_STATEMENT_TIMEOUT_MS="0",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from accounts.models import Role, User
    from bench import bulk_seed
    from classrooms.models import ClassroomSubject, Enrollment
    from grades.models import Assessment, Score

    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    call_command(
        "seed_bulk",
        students=students,
        force=True,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    seeded = time.monotonic() - started
    call_command("collectstatic", verbosity=0, interactive=False)

    student = User.objects.get(email=f"student1@{bulk_seed.DOMAIN}")
    teacher = User.objects.get(email=f"teacher1@{bulk_seed.DOMAIN}")
    subject = (
        ClassroomSubject.objects.filter(teacher=teacher)
        .select_related("classroom", "subject")
        .order_by("pk")
        .first()
    )
    with connections["default"].cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    data = {
        "students": User.objects.filter(email__endswith=bulk_seed.DOMAIN)
        .filter(role=Role.STUDENT)
        .count(),
        "scores": Score.objects.count(),
        "seed_seconds": round(seeded, 1),
        "postgresql": pg_version,
        "student": student.email,
        "teacher": teacher.email,
        "gradebook": {
            "classroom": subject.classroom.name,
            "subject": subject.subject.name,
            "students": Enrollment.objects.filter(
                classroom=subject.classroom, withdrawn_on__isnull=True
            ).count(),
            "assessments": Assessment.objects.filter(classroom_subject=subject).count(),
        },
    }
    gradebook = f"/classrooms/{subject.classroom_id}/gradebook/?subject={subject.pk}"
    pages = [
        ("report card", "/report-card/", student.email, bulk_seed.PASSWORD),
        ("gradebook", gradebook, teacher.email, bulk_seed.PASSWORD),
    ]
    connections.close_all()
    return data, pages


# -- HTTP client ----------------------------------------------------------------------


class Connection(http.client.HTTPConnection):
    """Counts its TCP connections: a sync worker closes each after its answer."""

    opened = 0

    def connect(self):
        super().connect()
        self.opened += 1


def login(port, email, password):
    """The Cookie header of a session: the login form posted with its CSRF token."""
    cookies = SimpleCookie()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        conn.request("GET", "/accounts/login/")
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"login page: {response.status}")
        for header in response.headers.get_all("Set-Cookie", []):
            cookies.load(header)
        token = cookies["csrftoken"].value
        body = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "username": email, "password": password}
        )
        conn.request(
            "POST",
            "/accounts/login/",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={token}",
            },
        )
        response = conn.getresponse()
        response.read()
        if response.status != 302:
            raise RuntimeError(f"login as {email}: {response.status}")
        for header in response.headers.get_all("Set-Cookie", []):
            cookies.load(header)
    finally:
        conn.close()
    if "sessionid" not in cookies:
        raise RuntimeError(f"login as {email}: no session cookie")
    return "; ".join(f"{name}={morsel.value}" for name, morsel in cookies.items())


def fetch(port, path, cookie):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        conn.request("GET", path, headers={"Cookie": cookie})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


class Loader(threading.Thread):
    """Requests one page back to back.

    Records (finished at, seconds, status, whether it opened a new connection).
    """

    def __init__(self, port, path, cookie, stop):
        super().__init__(daemon=True)
        self.port, self.path, self.cookie, self.stop = port, path, cookie, stop
        self.samples = []

    def run(self):
        conn = Connection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
        headers = {"Cookie": self.cookie}
        while not self.stop.is_set():
            opened = conn.opened
            start = time.perf_counter()
            try:
                conn.request("GET", self.path, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                status = None
                conn.close()
            end = time.perf_counter()
            self.samples.append((end, end - start, status, conn.opened > opened))
        conn.close()


def cpu_seconds(pids):
    """User + system CPU seconds the processes have used so far."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError, ValueError):
            stat = Path(f"/proc/{pid}/stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLOCK_TICKS


def machine_busy_seconds():
    """CPU seconds every core of the machine has spent busy (not idle or iowait)."""
    # user nice system idle iowait irq softirq steal; guest time is in user already.
    ticks = [int(n) for n in Path("/proc/stat").read_text().split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / CLOCK_TICKS


def server_memory(master):
    workers = children(master)
    memory = {"master": rss_kib(master), "workers": [rss_kib(pid) for pid in workers]}
    memory["total"] = memory["master"] + sum(memory["workers"])
    return memory


def postgres_pids(stack):
    """The PostgreSQL postmaster and its processes (backends among them)."""
    postmaster = int((stack.pg_dir / "postmaster.pid").read_text().split()[0])
    return [postmaster, *children(postmaster)]


def load(stack, port, master, path, cookie, seconds, concurrency):
    """Figures of `concurrency` clients requesting `path` for `seconds`."""
    stop = threading.Event()
    loaders = [Loader(port, path, cookie, stop) for _ in range(concurrency)]
    for loader in loaders:
        loader.start()
    time.sleep(WARM_UP)
    server_pids = [master, *children(master)]
    database_pids = postgres_pids(stack)
    app_cpu = cpu_seconds(server_pids)
    database_cpu = cpu_seconds(database_pids)
    client_cpu = time.process_time()
    machine_cpu = machine_busy_seconds()
    start = time.perf_counter()
    time.sleep(seconds)
    end = time.perf_counter()
    app_cpu = cpu_seconds(server_pids) - app_cpu
    database_cpu = cpu_seconds(database_pids) - database_cpu
    machine_cpu = machine_busy_seconds() - machine_cpu
    client_cpu = time.process_time() - client_cpu
    stop.set()
    for loader in loaders:
        loader.join(REQUEST_TIMEOUT + 5)
    window = [
        sample
        for loader in loaders
        for sample in loader.samples
        if start <= sample[0] < end
    ]
    latencies = sorted(sample[1] for sample in window)
    if len(latencies) < 2:
        raise RuntimeError(f"{path}: {len(latencies)} answers in {seconds:g} s")
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    statuses = {}
    for sample in window:
        key = str(sample[2] or "no answer")
        statuses[key] = statuses.get(key, 0) + 1
    return {
        "requests": len(window),
        "rps": round(len(window) / (end - start), 1),
        "p50_ms": round(cuts[49] * 1000, 1),
        "p90_ms": round(cuts[89] * 1000, 1),
        "p99_ms": round(cuts[98] * 1000, 1),
        "max_ms": round(latencies[-1] * 1000, 1),
        "errors": len(window) - statuses.get("200", 0),
        "statuses": statuses,
        "new_connections": sum(1 for sample in window if sample[3]),
        "app_cpu_percent": round(100 * app_cpu / (end - start)),
        "postgresql_cpu_percent": round(100 * database_cpu / (end - start)),
        "client_cpu_percent": round(100 * client_cpu / (end - start)),
        # Every process of the machine, ours and others' (100% per busy core).
        "machine_cpu_percent": round(100 * machine_cpu / (end - start)),
        "memory_kib": server_memory(master),
    }


# -- report ---------------------------------------------------------------------------


def table(results):
    lines = [
        f"{'page':<12} {'req/s':>7} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} "
        f"{'errors':>6} {'app CPU':>7} {'PG CPU':>6} {'client CPU':>10} "
        f"{'all CPU':>7} {'RSS MiB':>8}"
    ]
    for page in results:
        memory = page["memory_kib"]
        lines.append(
            f"{page['page']:<12} {page['rps']:>7.1f} {page['p50_ms']:>7.1f} "
            f"{page['p90_ms']:>7.1f} {page['p99_ms']:>7.1f} {page['errors']:>6} "
            f"{page['app_cpu_percent']:>6}% {page['postgresql_cpu_percent']:>5}% "
            f"{page['client_cpu_percent']:>9}% {page['machine_cpu_percent']:>6}% "
            f"{memory['total'] / 1024:>8.1f}"
        )
    return "\n".join(lines)


def main():
    options = arguments()
    limit = int(300 + 2 * (options.seconds + WARM_UP + REQUEST_TIMEOUT))

    def on_alarm(_signum, _frame):
        raise Abort(f"the run took longer than {limit} s")

    def on_term(_signum, _frame):
        raise Abort("terminated")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGTERM, on_term)
    signal.alarm(limit)

    stack = servers.Stack("throughput")
    failed = None
    try:
        started = time.monotonic()
        stack.start_postgres()
        stack.start_redis()
        data, pages = build_data(stack, options.students)
        port = free_port()
        master = stack.start_gunicorn(
            "gunicorn",
            stack.app_env(
                port,
                WEB_CONCURRENCY=str(options.workers),
                GUNICORN_THREADS=str(options.threads),
                STATIC_ROOT=str(stack.tmp / "static"),
                TASKS_BACKEND="database",
                RATELIMIT_ENABLE="false",
                LOG_LEVEL="INFO",
            ),
        )
        wait_port(port, 60)
        print(
            f"{data['students']:,} students, {data['scores']:,} scores (seeded in "
            f"{data['seed_seconds']} s), PostgreSQL "
            f"{data['postgresql'].split()[0]}; gunicorn "
            f":{port} with {options.workers} workers x {options.threads} threads; "
            f"setup {time.monotonic() - started:.0f} s",
            flush=True,
        )
        results = []
        for name, path, email, password in pages:
            cookie = login(port, email, password)
            status, body = fetch(port, path, cookie)
            if status != 200:
                raise RuntimeError(f"{name} {path}: {status}")
            print(
                f"{name}: {path} as {email}, {len(body):,} bytes; {WARM_UP} s warm-up "
                f"+ {options.seconds:g} s x {options.concurrency} clients",
                flush=True,
            )
            figures = load(
                stack,
                port,
                master.pid,
                path,
                cookie,
                options.seconds,
                options.concurrency,
            )
            results.append({"page": name, "path": path, "bytes": len(body), **figures})
        print()
        print(table(results))
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(
            json.dumps(
                {
                    "measured_on": datetime.date.today().isoformat(),
                    "machine": {
                        "cores": len(os.sched_getaffinity(0)),
                        "python": platform.python_version(),
                        "postgresql": data.pop("postgresql"),
                    },
                    "options": {
                        "students": options.students,
                        "seconds": options.seconds,
                        "warm_up_seconds": WARM_UP,
                        "concurrency": options.concurrency,
                        "workers": options.workers,
                        "threads": options.threads,
                    },
                    "data": data,
                    "pages": results,
                },
                indent=2,
            )
            + "\n"
        )
        print(f"\nwritten to {RESULTS.relative_to(ROOT)}")
    except (Abort, KeyboardInterrupt) as exc:
        failed = str(exc) or "Ctrl-C"
    except Exception as exc:  # reported, then everything is stopped
        failed = repr(exc)
    finally:
        # A second Ctrl-C must not interrupt the cleanup.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.alarm(0)
        if failed:
            log = stack.tmp / "gunicorn.log"
            if log.exists():
                print("gunicorn log (last lines):", file=sys.stderr)
                lines = log.read_text(errors="replace").splitlines()
                print("\n".join(lines[-20:]), file=sys.stderr)
            print(f"FAIL  {failed}", file=sys.stderr)
        stack.close()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
