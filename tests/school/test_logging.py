"""Structured logs, read back as the JSON lines the portal really writes.

Each test attaches a handler with the project's own formatter to the root logger
(at INFO: the suite otherwise runs at WARNING) and parses every line it wrote with
json.loads, so a line that is not JSON fails the test.
"""

import io
import json
import logging
import logging.handlers

import pytest
import structlog
from django.contrib.auth.tokens import default_token_generator
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from grades.models import GradeChange
from school import views
from school.logging import (
    LOG_FILE_BACKUP_COUNT,
    LOG_FILE_MAX_BYTES,
    build_formatter,
    configure_logging,
)
from school.ratelimits import RateLimitExceeded

pytestmark = pytest.mark.django_db

WRONG_PASSWORD = "Not-The-Password-9731"


class LogOutput:
    def __init__(self, stream):
        self.stream = stream

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def lines(self) -> list[dict]:
        return [json.loads(line) for line in self.text.splitlines()]

    def events(self, name) -> list[dict]:
        return [line for line in self.lines() if line["event"] == name]

    def request_line(self) -> dict:
        (line,) = self.events("request")
        return line

    def of_request(self, request_id) -> list[dict]:
        return [line for line in self.lines() if line.get("request_id") == request_id]


@pytest.fixture
def log_output():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(build_formatter("json"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield LogOutput(stream)
    root.removeHandler(handler)
    root.setLevel(level)


def grid_url(classroom_subject, term):
    return (
        reverse("gradebook", args=[classroom_subject.classroom_id])
        + f"?subject={classroom_subject.pk}&term={term.pk}"
    )


def reset_link(user):
    return reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )


class ExplodingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raise RuntimeError("middleware exploded")


class TestRequestLine:
    def test_it_logs_one_line_per_request_with_the_documented_fields(
        self, client, log_output
    ):
        response = client.get(
            "/accounts/login/?next=/grades/&token=s3cr3t-query-token",
            HTTP_USER_AGENT="Mozilla/5.0 " + "x" * 500,
            REMOTE_ADDR="203.0.113.7",
        )
        assert response.status_code == 200
        line = log_output.request_line()
        assert line["level"] == "info"
        assert line["method"] == "GET"
        assert line["path"] == "/accounts/login/"
        assert line["status"] == 200
        assert isinstance(line["duration_ms"], float)
        assert line["duration_ms"] == round(line["duration_ms"], 1)
        assert line["client_ip"] == "203.0.113.7"
        assert line["user_agent"].startswith("Mozilla/5.0 x")
        assert len(line["user_agent"]) == 200
        assert line["user_id"] is None
        assert line["request_id"] == response["X-Request-ID"]
        assert "timestamp" in line
        assert "s3cr3t-query-token" not in log_output.text

    def test_it_names_the_signed_in_user(self, client, teacher, log_output):
        client.force_login(teacher)
        client.get(reverse("my_classes"))
        assert log_output.request_line()["user_id"] == teacher.pk

    def test_a_404_logs_one_warning_line_and_nothing_from_django(
        self, client, teacher, log_output
    ):
        client.force_login(teacher)
        response = client.get("/no-such-page/")
        assert response.status_code == 404
        lines = log_output.of_request(response["X-Request-ID"])
        assert [line["event"] for line in lines] == ["request"]
        assert lines[0]["level"] == "warning"
        assert lines[0]["status"] == 404
        assert not [x for x in log_output.lines() if x["logger"] == "django.request"]

    def test_a_403_logs_access_denied_and_a_warning_request_line(
        self, client, student, log_output
    ):
        client.force_login(student)
        response = client.get("/school/")
        assert response.status_code == 403
        lines = log_output.of_request(response["X-Request-ID"])
        assert [line["event"] for line in lines] == ["access_denied", "request"]
        denied, request_line = lines
        assert denied["path"] == "/school/"
        assert denied["user_id"] == student.pk
        assert request_line["level"] == "warning"
        assert request_line["status"] == 403
        # Django 5.2 would add "Forbidden (Permission denied)" with a traceback.
        assert "Traceback" not in log_output.text

    @pytest.mark.urls("tests.school.urls_with_failing_view")
    def test_a_crash_logs_its_traceback_once_then_an_error_request_line(
        self, teacher, log_output
    ):
        client = Client(raise_request_exception=False)
        client.force_login(teacher)
        response = client.get("/boom/")
        assert response.status_code == 500
        lines = log_output.of_request(response["X-Request-ID"])
        assert [line["event"] for line in lines] == ["unhandled_exception", "request"]
        crash, request_line = lines
        assert crash["level"] == "error"
        assert crash["path"] == "/boom/"
        assert "RuntimeError: database password is hunter2" in crash["exception"]
        assert request_line["level"] == "error"
        assert request_line["status"] == 500
        assert "exception" not in request_line
        assert log_output.text.count("Traceback") == 1

    def test_a_crash_in_a_middleware_still_logs_its_traceback(
        self, settings, log_output
    ):
        settings.MIDDLEWARE = [
            *settings.MIDDLEWARE,
            "tests.school.test_logging.ExplodingMiddleware",
        ]
        response = Client(raise_request_exception=False).get("/accounts/login/")
        assert response.status_code == 500
        (crash,) = log_output.events("unhandled_exception")
        assert "RuntimeError: middleware exploded" in crash["exception"]
        assert crash["request_id"] == response["X-Request-ID"]
        assert log_output.request_line()["status"] == 500

    def test_the_context_is_empty_before_and_after_each_request(
        self, client, log_output
    ):
        structlog.contextvars.bind_contextvars(leftover="from an earlier request")
        client.get("/accounts/login/")
        assert "leftover" not in log_output.request_line()
        assert structlog.contextvars.get_contextvars() == {}


class TestRequestId:
    def test_a_trusted_proxys_request_id_is_kept_and_echoed(
        self, client, settings, log_output
    ):
        settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
        response = client.get(
            "/accounts/login/",
            REMOTE_ADDR="10.0.0.5",
            HTTP_X_REAL_IP="198.51.100.7",
            HTTP_X_REQUEST_ID="edge-4f2a.9_B",
        )
        assert response["X-Request-ID"] == "edge-4f2a.9_B"
        line = log_output.request_line()
        assert line["request_id"] == "edge-4f2a.9_B"
        # The line names the client, not the proxy.
        assert line["client_ip"] == "198.51.100.7"

    def test_an_untrusted_clients_request_id_is_replaced(
        self, client, settings, log_output
    ):
        settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
        response = client.get(
            "/accounts/login/",
            REMOTE_ADDR="203.0.113.7",
            HTTP_X_REQUEST_ID="chosen-by-the-client",
        )
        request_id = response["X-Request-ID"]
        assert request_id != "chosen-by-the-client"
        assert len(request_id) == 32
        int(request_id, 16)  # a uuid4 in hex
        assert log_output.request_line()["request_id"] == request_id
        assert "chosen-by-the-client" not in log_output.text

    @pytest.mark.parametrize(
        "given",
        ["x" * 65, "has space", "../../etc", "ünïcode", "a\nb", "<script>", ""],
    )
    def test_a_malformed_request_id_is_replaced_even_from_a_proxy(
        self, client, settings, log_output, given
    ):
        settings.TRUSTED_PROXIES = ["10.0.0.1"]
        response = client.get(
            "/accounts/login/", REMOTE_ADDR="10.0.0.1", HTTP_X_REQUEST_ID=given
        )
        request_id = response["X-Request-ID"]
        assert request_id != given
        assert len(request_id) == 32
        assert log_output.request_line()["request_id"] == request_id

    def test_a_64_character_request_id_is_accepted(self, client, settings):
        settings.TRUSTED_PROXIES = ["10.0.0.1"]
        given = "A1._-" * 12 + "abcd"
        assert len(given) == 64
        response = client.get(
            "/accounts/login/", REMOTE_ADDR="10.0.0.1", HTTP_X_REQUEST_ID=given
        )
        assert response["X-Request-ID"] == given


class TestSignIn:
    def test_a_login_logs_login_succeeded_and_the_request(
        self, client, teacher, password, log_output
    ):
        response = client.post(
            "/accounts/login/",
            {"username": teacher.email, "password": password},
            REMOTE_ADDR="203.0.113.7",
        )
        assert response.status_code == 302
        lines = log_output.of_request(response["X-Request-ID"])
        assert [line["event"] for line in lines] == ["login_succeeded", "request"]
        succeeded, request_line = lines
        assert succeeded["user_id"] == teacher.pk
        assert succeeded["client_ip"] == "203.0.113.7"
        assert request_line["status"] == 302
        assert request_line["user_id"] == teacher.pk
        assert password not in log_output.text
        assert client.cookies["sessionid"].value not in log_output.text

    def test_a_failed_login_logs_the_email_and_never_the_password(
        self, client, teacher, log_output
    ):
        response = client.post(
            "/accounts/login/",
            {"username": "  Tomas@Example.ORG ", "password": WRONG_PASSWORD},
            REMOTE_ADDR="203.0.113.7",
        )
        assert response.status_code == 200
        (failed,) = log_output.events("login_failed")
        assert failed["email"] == "tomas@example.org"
        assert failed["client_ip"] == "203.0.113.7"
        assert failed["level"] == "warning"
        assert failed["request_id"] == response["X-Request-ID"]
        assert set(failed) == {
            "event",
            "email",
            "client_ip",
            "request_id",
            "level",
            "logger",
            "timestamp",
        }
        request_line = json.dumps(log_output.request_line()).lower()
        assert "tomas@example.org" not in request_line
        assert WRONG_PASSWORD not in log_output.text
        assert WRONG_PASSWORD.lower() not in log_output.text.lower()

    def test_a_failed_admin_login_is_logged_too(self, client, admin, log_output):
        client.post(
            "/admin/login/", {"username": admin.email, "password": WRONG_PASSWORD}
        )
        (failed,) = log_output.events("login_failed")
        assert failed["email"] == admin.email
        assert WRONG_PASSWORD not in log_output.text

    def test_a_password_typed_as_the_email_is_not_logged(self, client, log_output):
        client.post(
            "/admin/login/", {"username": WRONG_PASSWORD, "password": WRONG_PASSWORD}
        )
        (failed,) = log_output.events("login_failed")
        assert failed["email"] is None
        assert WRONG_PASSWORD not in log_output.text


class TestPasswordReset:
    def test_a_reset_request_logs_a_keyed_hash_not_the_address(
        self, client, student, log_output
    ):
        response = client.post(reverse("password_reset"), {"email": student.email})
        assert response.status_code == 302
        (requested,) = log_output.events("password_reset_requested")
        expected = salted_hmac(
            "accounts.password_reset_requested", student.email.lower()
        ).hexdigest()[:16]
        assert requested["email_hash"] == expected
        assert requested["request_id"] == response["X-Request-ID"]
        assert student.email not in log_output.text
        assert student.email.split("@")[0] not in log_output.text

    def test_the_reset_link_is_logged_with_its_token_masked(
        self, client, student, log_output
    ):
        link = reset_link(student)
        token = link.rstrip("/").split("/")[-1]
        response = client.get(link)
        # Django swaps the token for a placeholder URL kept in the session.
        assert response.status_code == 302
        followed = client.get(response.url)
        assert followed.status_code == 200
        paths = [line["path"] for line in log_output.events("request")]
        assert paths == [
            "/accounts/password/reset/…/…/",
            "/accounts/password/reset/…/…/",
        ]
        assert token not in log_output.text
        assert client.cookies["sessionid"].value not in log_output.text

    def test_a_csrf_failure_on_the_reset_link_masks_djangos_own_line(
        self, student, log_output
    ):
        link = reset_link(student)
        token = link.rstrip("/").split("/")[-1]
        response = Client(enforce_csrf_checks=True).post(link, {})
        assert response.status_code == 403
        (csrf_line,) = [
            line
            for line in log_output.lines()
            if line["logger"] == "django.security.csrf"
        ]
        assert "/accounts/password/reset/…/…/" in csrf_line["event"]
        assert csrf_line["request_id"] == response["X-Request-ID"]
        assert token not in log_output.text


class TestGradeSave:
    @pytest.mark.django_db(transaction=True, serialized_rollback=True)
    def test_a_grid_saves_lines_and_audit_row_share_one_request_id(
        self, client, teacher, classroom_subject, term, student, quiz, log_output
    ):
        # A real transaction: scores_recorded is logged from on_commit, inside the
        # request, as in production.
        client.force_login(teacher)
        key = f"{student.pk}-{quiz.pk}"
        response = client.post(
            grid_url(classroom_subject, term),
            {f"c-{key}": "17", f"o-{key}": "", f"v-{key}": ""},
        )
        assert response.status_code == 302
        request_id = response["X-Request-ID"]
        lines = log_output.of_request(request_id)
        assert [line["event"] for line in lines] == ["scores_recorded", "request"]
        recorded, request_line = lines
        assert recorded["actor_id"] == teacher.pk
        assert recorded["count"] == 1
        assert request_line["method"] == "POST"
        assert request_line["status"] == 302
        assert request_line["user_id"] == teacher.pk
        assert GradeChange.objects.get().request_id == request_id


class TestSecurityEvents:
    def test_rate_limited_carries_the_limits_group(self, log_output):
        request = RequestFactory().post("/accounts/login/")
        exception = RateLimitExceeded(retry_after=90, group="login:account-ip")
        response = views.too_many_requests(request, exception)
        assert response.status_code == 429
        (limited,) = log_output.events("rate_limited")
        assert limited["group"] == "login:account-ip"
        assert limited["retry_after"] == 90
        assert limited["level"] == "warning"

    def test_a_tripped_login_limit_logs_rate_limited_in_the_request(
        self, client, settings, teacher, log_output
    ):
        settings.RATE_LIMIT_LOGIN_PER_ACCOUNT_IP = "1/5m"
        for _ in range(2):
            response = client.post(
                "/accounts/login/",
                {"username": teacher.email, "password": WRONG_PASSWORD},
            )
        assert response.status_code == 429
        (limited,) = log_output.events("rate_limited")
        assert limited["request_id"] == response["X-Request-ID"]
        assert limited["path"] == "/accounts/login/"
        assert limited["group"] == "login:account-ip"
        assert WRONG_PASSWORD not in log_output.text

    def test_secret_named_values_are_redacted_whoever_logs_them(self, log_output):
        structlog.get_logger("anywhere").warning(
            "careless", password="hunter2", token="abc123", sessionid="s1d"
        )
        (line,) = log_output.events("careless")
        assert line["password"] == line["token"] == line["sessionid"] == "[redacted]"
        assert "hunter2" not in log_output.text
        assert "abc123" not in log_output.text


class TestConfiguration:
    @pytest.fixture
    def restore_logging(self, settings):
        yield
        configure_logging(
            level=settings.LOG_LEVEL, fmt=settings.LOG_FORMAT, file=settings.LOG_FILE
        )

    def test_log_file_rotates_at_10_mb_with_5_backups_in_json(
        self, tmp_path, restore_logging
    ):
        path = tmp_path / "portal.log"
        # The console format on stdout does not change the file's format.
        configure_logging(level="INFO", fmt="console", file=str(path))
        (handler,) = [
            handler
            for handler in logging.getLogger().handlers
            if isinstance(handler, logging.handlers.RotatingFileHandler)
        ]
        assert handler.baseFilename == str(path)
        assert handler.maxBytes == LOG_FILE_MAX_BYTES == 10 * 1024 * 1024
        assert handler.backupCount == LOG_FILE_BACKUP_COUNT == 5
        structlog.get_logger("school.test").info("file_written", count=3)
        handler.flush()
        (line,) = [json.loads(x) for x in path.read_text().splitlines()]
        assert line["event"] == "file_written"
        assert line["count"] == 3
        assert line["level"] == "info"

    def test_sql_with_its_parameters_is_never_logged(self, restore_logging):
        configure_logging(level="DEBUG", fmt="json")
        assert not logging.getLogger("django.db.backends").isEnabledFor(logging.DEBUG)

    def test_without_log_file_only_stdout_is_written(self, restore_logging):
        configure_logging(level="INFO", fmt="json", file="")
        handlers = logging.getLogger().handlers
        assert len(handlers) == 1
        assert not isinstance(handlers[0], logging.FileHandler)
