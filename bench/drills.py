"""Failure drills: the production stack under load while its services fail.

Run:
  .venv/bin/python bench/drills.py

Starts its own throwaway PostgreSQL cluster and Redis (free ports, never the services
on 5432/6379), three gunicorn app servers behind Debian's nginx, logs a teacher in
through nginx and drives a steady load (pages, the health check and autosaves of one
cell) while it runs, one after the other: Redis stopped then started again, PostgreSQL
restarted (`pg_ctl restart -m fast`), PostgreSQL down for a few seconds, gunicorn
reloaded (SIGHUP to every master). Prints the answers per drill window and the checks;
exits 0 when every check holds, 1 otherwise. Everything it started is stopped and its
temporary directory removed, on Ctrl-C too. Takes about two minutes.
"""

import contextlib
import http.client
import http.cookiejar
import json
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter, defaultdict
from decimal import Decimal

import servers
from servers import ROOT, free_port, wait_port

NGINX = "/usr/sbin/nginx"
STUDENTS = 30
SAVE_THREADS = 3  # each owns STUDENTS / SAVE_THREADS cells
PAGE_THREADS = 2
CLIENT_TIMEOUT = 10  # seconds: a request that takes longer counts as a hang
RECOVERY_LIMIT = 20  # seconds after a drill for /health-check to say ok again
TOTAL_LIMIT = 175  # seconds: the whole run is aborted (and fails) beyond this
PASSWORD = "drill-teacher-password-1"  # noqa: S105 (throwaway database)
TEACHER_EMAIL = "drill-teacher@example.org"


class Abort(Exception):
    """The run exceeded TOTAL_LIMIT or was told to stop (SIGTERM)."""


class Stack(servers.Stack):
    """The shared stack with three app servers behind nginx."""

    def __init__(self):
        super().__init__("drills")
        self.app_ports = [free_port() for _ in range(3)]
        self.nginx_port = free_port()
        self.nginx = None

    def app_errors(self):
        """The distinct error events the app servers logged (JSON lines)."""
        found = Counter()
        for n in range(len(self.app_ports)):
            path = self.tmp / f"gunicorn-{n}.log"
            if not path.exists():
                continue
            for line in path.read_text(errors="replace").splitlines():
                try:
                    event = json.loads(line)
                except ValueError:
                    if "Traceback" in line or "[ERROR]" in line:
                        found[line.strip()[:150]] += 1
                    continue
                # django-redis logs every error it swallows (IGNORE_EXCEPTIONS) as
                # "Exception ignored": expected while Redis is down.
                if event.get("event") == "Exception ignored":
                    continue
                if event.get("level") in ("error", "critical"):
                    exc = (event.get("exception") or "").strip().splitlines()
                    found[
                        f"{event.get('event')} {event.get('path', '')} "
                        f"{event.get('status', '')} {exc[-1] if exc else ''}".strip()[
                            :200
                        ]
                    ] += 1
        return found

    def app_env(self, port):
        return super().app_env(
            port,
            TRUSTED_PROXIES="127.0.0.1",
            STATIC_MANIFEST="false",
            RATE_LIMIT_GRADE_WRITES="100000/m",
            RATE_LIMIT_LOGIN_PER_ACCOUNT_IP="1000/m",
            RATE_LIMIT_LOGIN_PER_ACCOUNT="1000/m",
            RATE_LIMIT_LOGIN_PER_IP="1000/m",
        )

    def start_gunicorns(self):
        for n, port in enumerate(self.app_ports):
            self.start_gunicorn(f"gunicorn-{n}", self.app_env(port))
        for port in self.app_ports:
            wait_port(port, 30)

    def start_nginx(self):
        conf = self.tmp / "nginx.conf"
        upstreams = "\n".join(f"        server 127.0.0.1:{p};" for p in self.app_ports)
        user = "user root root;" if os.geteuid() == 0 else ""
        conf.write_text(
            NGINX_CONF.format(
                user=user,
                tmp=self.tmp,
                servers=upstreams,
                port=self.nginx_port,
            )
        )
        self.nginx = self.spawn(
            "nginx-stdout", [NGINX, "-c", str(conf), "-p", str(self.tmp)]
        )
        wait_port(self.nginx_port, 10)

    def processes(self):
        return [p for p in [self.nginx, *super().processes()] if p]


NGINX_CONF = """\
{user}
daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/nginx-body;
    proxy_temp_path {tmp}/nginx-proxy;
    fastcgi_temp_path {tmp}/nginx-fastcgi;
    uwsgi_temp_path {tmp}/nginx-uwsgi;
    scgi_temp_path {tmp}/nginx-scgi;
    upstream portal {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        server_tokens off;
        client_max_body_size 2m;
        location / {{
            proxy_pass http://portal;
            proxy_set_header Host $host;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-For "";
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Request-ID $request_id;
            proxy_connect_timeout 5s;
            proxy_send_timeout 35s;
            proxy_read_timeout 35s;
        }}
    }}
}}
"""


# -- data ---------------------------------------------------------------------------


def build_data(stack):
    """Migrate the throwaway database and create the class (plain ORM)."""
    os.environ.update(
        DJANGO_SETTINGS_MODULE="school.settings",
        DEBUG="false",
        SECRET_KEY=servers.SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1",
        EMAIL_URL="consolemail://",
        DATABASE_URL=stack.database_url,
        LOG_LEVEL="WARNING",
        STATIC_MANIFEST="false",
        RATELIMIT_ENABLE="false",
        DATABASE_STATEMENT_TIMEOUT_MS="0",
    )
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)

    from accounts.models import Role, User
    from classrooms.models import (
        Classroom,
        ClassroomSubject,
        Enrollment,
        SchoolYear,
        Subject,
        Term,
    )
    from grades.models import Assessment, Category

    teacher = User.objects.create_user(
        TEACHER_EMAIL, PASSWORD, full_name="Drill Teacher", role=Role.TEACHER
    )
    year = SchoolYear.objects.create(
        name="Drills", starts_on="2026-09-01", ends_on="2027-06-30"
    )
    term = Term.objects.create(
        school_year=year, name="T1", starts_on="2026-09-01", ends_on="2027-01-31"
    )
    subject = Subject.objects.create(name="Drills", code="DRL")
    classroom = Classroom.objects.create(
        school_year=year, name="Drills", grade_level=7, teacher=teacher
    )
    cs = ClassroomSubject.objects.create(
        classroom=classroom, subject=subject, teacher=teacher
    )
    category = Category.objects.create(
        classroom_subject=cs, name="All", weight=Decimal("100")
    )
    students = User.objects.bulk_create(
        User(
            email=f"drill-student-{n}@example.org",
            given_name="Student",
            family_name=f"{n:03d}",
            full_name=f"Student {n:03d}",
            role=Role.STUDENT,
        )
        for n in range(STUDENTS)
    )
    Enrollment.objects.bulk_create(
        Enrollment(student=s, classroom=classroom, enrolled_on="2026-09-01")
        for s in students
    )
    assessment = Assessment.objects.create(
        classroom_subject=cs,
        term=term,
        category=category,
        title="Drill quiz",
        max_points=Decimal("20"),
    )
    from django.db import connections

    connections.close_all()
    return {
        "classroom": classroom.pk,
        "subject": cs.pk,
        "term": term.pk,
        "assessment": assessment.pk,
        "students": [s.pk for s in students],
    }


def stored_scores(assessment_id):
    """{cell key: [points of every Score row]} read from the database."""
    from django.db import connections

    from grades.models import Score

    connections.close_all()  # PostgreSQL restarted under the old connection
    rows = defaultdict(list)
    for student_id, points in Score.objects.filter(
        assessment_id=assessment_id
    ).values_list("student_id", "points"):
        rows[f"{student_id}-{assessment_id}"].append(points)
    connections.close_all()
    return rows


# -- HTTP client ----------------------------------------------------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    """urllib with a shared cookie jar (thread-safe); never follows redirects."""

    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )

    def csrf_token(self):
        for cookie in self.jar:
            if cookie.name == "csrftoken":
                return cookie.value
        return ""

    def request(self, path, data=None, headers=None):
        """(status or None, body bytes, error kind or None, seconds)."""
        body = urllib.parse.urlencode(data, doseq=True).encode() if data else None
        req = urllib.request.Request(  # noqa: S310 (our own nginx on 127.0.0.1)
            self.base + path, data=body, headers=headers or {}
        )
        start = time.monotonic()
        try:
            with self.opener.open(req, timeout=CLIENT_TIMEOUT) as response:
                return response.status, response.read(), None, time.monotonic() - start
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read(), None, time.monotonic() - start
        except TimeoutError:
            return None, b"", "timeout", time.monotonic() - start
        except urllib.error.URLError as exc:
            kind = "timeout" if isinstance(exc.reason, TimeoutError) else "connection"
            return None, b"", kind, time.monotonic() - start
        except (ConnectionError, http.client.HTTPException, OSError):
            return None, b"", "connection", time.monotonic() - start

    def login(self):
        status, _body, error, _t = self.request("/accounts/login/")
        if status != 200:
            raise RuntimeError(f"login page: {status or error}")
        status, body, error, _t = self.request(
            "/accounts/login/",
            {
                "csrfmiddlewaretoken": self.csrf_token(),
                "username": TEACHER_EMAIL,
                "password": PASSWORD,
            },
            {"Referer": self.base + "/accounts/login/"},
        )
        if status != 302:
            raise RuntimeError(f"login: {status or error} {body[:200]!r}")


# -- load -----------------------------------------------------------------------------


class Recorder:
    """Every answer, filed under the drill window current when it was sent."""

    def __init__(self):
        self.lock = threading.Lock()
        self.window = "baseline"
        self.events = []  # (window, kind, status, error, seconds, detail)

    def add(self, window, kind, status, error, seconds, detail=None):
        with self.lock:
            self.events.append((window, kind, status, error, seconds, detail))


class CellSaver(threading.Thread):
    """Autosaves of a fixed set of cells, one cell per POST, versions kept."""

    def __init__(self, client, url, keys, recorder, stop):
        super().__init__(daemon=True)
        self.client, self.url, self.keys = client, url, keys
        self.recorder, self.stop = recorder, stop
        self.version = dict.fromkeys(keys)  # None: no Score row yet
        self.sent = dict.fromkeys(keys, 0)
        # The last value the server acknowledged, and values sent after it whose
        # outcome is unknown (no answer, 5xx): the row may hold any of them.
        self.acked = {}
        self.unknown = defaultdict(list)

    def run(self):
        n = 0
        while not self.stop.is_set():
            key = self.keys[n % len(self.keys)]
            n += 1
            self.save(key)
            time.sleep(0.05)

    def save(self, key):
        value = self.sent[key] % 20 + 1
        self.sent[key] = value
        version = self.version[key]
        window = self.recorder.window
        status, body, error, seconds = self.client.request(
            self.url,
            {
                "cell": key,
                f"c-{key}": str(value),
                f"v-{key}": "" if version is None else str(version),
            },
            {"X-CSRFToken": self.client.csrf_token()},
        )
        detail = None
        answer = {}
        if status in (200, 422):
            with contextlib.suppress(ValueError):
                answer = json.loads(body)
        if status == 200 and answer.get("saved") is True:
            cell = answer["cells"][key]
            self.version[key] = cell["version"]
            self.acked[key] = Decimal(value)
            self.unknown[key].clear()
            detail = "saved"
        elif status == 422 and key in answer.get("cells", {}):
            problem = answer["cells"][key]
            detail = problem.get("code")
            if problem.get("code") == "conflict":
                # A save whose answer was lost did commit: adopt what is stored.
                self.version[key] = problem.get("version")
                current = problem.get("current")
                if current not in (None, ""):
                    # "conflict-own": the stored value is one this thread sent
                    # and got no success answer for (e.g. a 500 after the commit).
                    if Decimal(current) in self.unknown[key]:
                        detail = "conflict-own"
                    self.acked[key] = Decimal(current)
                    self.unknown[key].clear()
        elif status is not None and status < 500 and status not in (200, 422):
            detail = "refused"
        else:
            self.unknown[key].append(Decimal(value))
        self.recorder.add(window, "save", status, error, seconds, detail)


class PageLoader(threading.Thread):
    def __init__(self, client, paths, recorder, stop):
        super().__init__(daemon=True)
        self.client, self.paths = client, paths
        self.recorder, self.stop = recorder, stop

    def run(self):
        n = 0
        while not self.stop.is_set():
            kind, path = self.paths[n % len(self.paths)]
            n += 1
            window = self.recorder.window
            status, body, error, seconds = self.client.request(path)
            detail = None
            if kind == "health" and status in (200, 503):
                with contextlib.suppress(ValueError):
                    detail = json.loads(body).get("status")
            self.recorder.add(window, kind, status, error, seconds, detail)
            time.sleep(0.05)


# -- drills ---------------------------------------------------------------------------


def health(client):
    status, body, error, _t = client.request("/health-check")
    with contextlib.suppress(ValueError):
        return status, json.loads(body).get("status")
    return status, error


def wait_healthy(client, recorder, started):
    """Seconds until /health-check says ok (None if not within RECOVERY_LIMIT)."""
    while time.monotonic() - started < RECOVERY_LIMIT:
        window = recorder.window
        t0 = time.monotonic()
        status, state = health(client)
        recorder.add(window, "probe", status, None, time.monotonic() - t0, state)
        if status == 200 and state == "ok":
            return time.monotonic() - started
        time.sleep(0.25)
    return None


def hold(seconds, client, recorder):
    """Wait while the load runs, probing the health check twice a second."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        window = recorder.window
        t0 = time.monotonic()
        status, state = health(client)
        recorder.add(window, "probe", status, None, time.monotonic() - t0, state)
        time.sleep(0.5)


def drill_redis(stack, client, recorder):
    stack.stop_redis()
    hold(6, client, recorder)
    stack.start_redis()


def drill_pg_restart(stack, client, recorder):
    stack.pg_ctl("-l", str(stack.pg_dir / "server.log"), "restart", "-m", "fast", "-w")
    hold(2, client, recorder)


def drill_pg_down(stack, client, recorder):
    stack.pg_ctl("stop", "-m", "fast", "-w")
    hold(5, client, recorder)
    stack.pg_start()


def drill_hup(stack, client, recorder):
    for proc in stack.gunicorns:
        proc.send_signal(signal.SIGHUP)
    hold(6, client, recorder)


DRILLS = [
    ("redis-down", drill_redis),
    ("pg-restart", drill_pg_restart),
    ("pg-down", drill_pg_down),
    ("gunicorn-hup", drill_hup),
]


# -- report ---------------------------------------------------------------------------


def classify(status, error):
    if error:
        return error
    if status >= 500:
        return str(status)
    return None


def summarize(recorder, windows):
    print()
    print(
        f"{'window':<16} {'sent':>5} {'2xx/3xx':>7} {'422':>4} {'4xx':>4} "
        f"{'503':>4} {'500':>4} {'502/4':>5} {'conn':>4} {'tmo':>4} {'max s':>6}"
    )
    by_window = defaultdict(list)
    for event in recorder.events:
        by_window[event[0]].append(event)
    for window in windows:
        events = by_window.get(window, [])
        statuses = Counter(e[2] for e in events)
        errors = Counter(e[3] for e in events if e[3])
        ok = sum(n for s, n in statuses.items() if s and s < 400)
        other4 = (
            sum(n for s, n in statuses.items() if s and 400 <= s < 500)
            - (statuses[422])
        )
        longest = max((e[4] for e in events), default=0)
        print(
            f"{window:<16} {len(events):>5} {ok:>7} {statuses[422]:>4} {other4:>4} "
            f"{statuses[503]:>4} {statuses[500]:>4} "
            f"{statuses[502] + statuses[504]:>5} {errors['connection']:>4} "
            f"{errors['timeout']:>4} {longest:>6.2f}"
        )
    return by_window


def main():
    started = time.monotonic()

    def on_alarm(_signum, _frame):
        raise Abort(f"the run took longer than {TOTAL_LIMIT} s")

    def on_term(_signum, _frame):
        raise Abort("terminated")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.signal(signal.SIGTERM, on_term)
    signal.alarm(TOTAL_LIMIT)

    stack = Stack()
    stop = threading.Event()
    checks = []
    try:
        print(f"tmpdir {stack.tmp}")
        stack.start_postgres()
        stack.start_redis()
        data = build_data(stack)
        stack.start_gunicorns()
        stack.start_nginx()
        print(
            f"PostgreSQL :{stack.pg_port}, Redis :{stack.redis_port}, gunicorn "
            f"{stack.app_ports}, nginx :{stack.nginx_port}; "
            f"setup {time.monotonic() - started:.0f} s"
        )
        base = f"http://127.0.0.1:{stack.nginx_port}"
        client = Client(base)
        client.login()
        probe = Client(base)  # anonymous: the health check only
        query = f"?subject={data['subject']}&term={data['term']}"
        gradebook = f"/classrooms/{data['classroom']}/gradebook/{query}"
        cells_url = f"/classrooms/{data['classroom']}/gradebook/cells/{query}"
        keys = [f"{s}-{data['assessment']}" for s in data["students"]]

        recorder = Recorder()
        savers = [
            CellSaver(client, cells_url, keys[n::SAVE_THREADS], recorder, stop)
            for n in range(SAVE_THREADS)
        ]
        pages = [("page", "/classrooms/"), ("page", gradebook)]
        loaders = [
            PageLoader(client, [*pages, ("health", "/health-check")], recorder, stop)
            for _ in range(PAGE_THREADS)
        ]
        threads = [*savers, *loaders]
        for thread in threads:
            thread.start()

        hold(4, probe, recorder)
        windows = ["baseline"]
        recovery = {}
        for name, drill in DRILLS:
            recorder.window = name
            windows.append(name)
            # Requests already in flight finish under the previous window's name.
            time.sleep(0.5)
            drill(stack, probe, recorder)
            recorder.window = f"{name}:after"
            windows.append(recorder.window)
            recovery[name] = wait_healthy(probe, recorder, time.monotonic())
            hold(2, probe, recorder)
        recorder.window = "final"
        stop.set()
        for thread in threads:
            thread.join(CLIENT_TIMEOUT + 5)

        by_window = summarize(recorder, windows)
        refused = Counter(
            (e[0], e[5]) for e in recorder.events if e[1] == "save" and e[2] == 422
        )
        for (window, code), n in sorted(refused.items()):
            print(f"  autosave 422 in {window}: {code} x{n}")

        def errors_in(window, kinds=("save", "page", "health")):
            return [
                (e[1], e[2], e[3])
                for e in by_window.get(window, [])
                if e[1] in kinds
                and classify(e[2], e[3])
                and not (e[1] == "health" and e[2] == 503)
            ]

        # Checks.
        checks.append(("baseline: no errors", not errors_in("baseline"), ""))
        for name, _drill in DRILLS:
            took = recovery[name]
            checks.append(
                (
                    f"{name}: /health-check ok again within {RECOVERY_LIMIT} s",
                    took is not None,
                    f"{took:.1f} s" if took is not None else "never",
                )
            )
        redis = by_window.get("redis-down", [])
        saved = sum(1 for e in redis if e[1] == "save" and e[5] == "saved")
        degraded = sum(
            1 for e in redis if e[1] in ("probe", "health") and e[5] == "degraded"
        )
        checks.append(
            ("redis-down: grade saves succeed (fail open)", saved > 0, f"{saved}")
        )
        checks.append(
            ("redis-down: health check says degraded", degraded > 0, f"{degraded}")
        )
        bad = errors_in("redis-down") + errors_in("redis-down:after")
        checks.append(("redis-down: no 5xx, no dropped request", not bad, fmt(bad)))
        for name in ("pg-restart", "pg-down"):
            events = [
                e
                for w in (name, f"{name}:after")
                for e in by_window.get(w, [])
                if e[1] in ("save", "page")
            ]
            hangs = [e for e in events if e[3] == "timeout"]
            bad = [
                (e[1], e[2], e[3])
                for e in events
                if (e[2] is not None and e[2] >= 500 and e[2] != 503)
                or e[3] == "connection"
            ]
            checks.append((f"{name}: no hang (all answered < 10 s)", not hangs, ""))
            checks.append(
                (f"{name}: 503 or a working page, never 500/502", not bad, fmt(bad))
            )
        # README: database down -> /health-check 503 {"status": "error"}, for a load
        # balancer (no cookie: the probe) and for a signed-in browser alike.
        for name in ("pg-restart", "pg-down"):
            answers = Counter(
                (e[1], e[2] or e[3])
                for w in (name, f"{name}:after")
                for e in by_window.get(w, [])
                if e[1] in ("probe", "health") and e[2] != 200
            )
            bad = {k: n for k, n in answers.items() if k[1] != 503}
            checks.append(
                (
                    f"{name}: /health-check 503 while the database is down",
                    not bad,
                    ", ".join(f"{k[0]} {k[1]} x{n}" for k, n in answers.items()),
                )
            )
        bad = errors_in("gunicorn-hup") + errors_in("gunicorn-hup:after")
        checks.append(("gunicorn-hup: no dropped request", not bad, fmt(bad)))

        rows = stored_scores(data["assessment"])
        acked = {}
        possible = {}
        for saver in savers:
            for key, value in saver.acked.items():
                acked[key] = value
                possible[key] = {value, *saver.unknown[key]}
        duplicates = [k for k, v in rows.items() if len(v) != 1]
        lost = [
            (k, str(acked[k]), [str(p) for p in rows.get(k, [])])
            for k in acked
            if len(rows.get(k, [])) != 1 or rows[k][0] not in possible[k]
        ]
        checks.append(
            (
                f"every acknowledged save stored, once ({len(acked)} cells)",
                not duplicates and not lost,
                fmt(lost or duplicates),
            )
        )
        total = len(recorder.events)
        print(f"\n{total} requests in {time.monotonic() - started:.0f} s")
        for label, ok, detail in checks:
            print(
                f"{'PASS' if ok else 'FAIL'}  {label}{'  ' + detail if detail else ''}"
            )
        if not all(ok for _l, ok, _d in checks):
            print("\napp servers' error log lines:")
            for line, n in stack.app_errors().most_common(8):
                print(f"  {n:>4} x {line}")
    except (Abort, KeyboardInterrupt) as exc:
        reason = str(exc) or "Ctrl-C"
        checks.append((f"aborted: {reason}", False, ""))
        print(f"FAIL  aborted: {reason}")
    except Exception as exc:  # reported, then everything is stopped
        checks.append((f"error: {exc!r}", False, ""))
        print(f"FAIL  error: {exc!r}")
    finally:
        # A second Ctrl-C must not interrupt the cleanup.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop.set()
        signal.alarm(0)
        stack.close()
    sys.exit(0 if checks and all(ok for _l, ok, _d in checks) else 1)


def fmt(items):
    counted = Counter(map(str, items))
    return ", ".join(f"{item} x{n}" for item, n in counted.most_common(5))


if __name__ == "__main__":
    main()
