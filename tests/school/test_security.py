"""Security headers, caching of private pages, CSP-safe markup and `check --deploy`."""

import os
import re
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib.admin import site as admin_site
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from school.middleware import NoStoreForSignedInUsersMiddleware

pytestmark = pytest.mark.django_db

PROJECT_ROOT = Path(__file__).resolve().parents[2]

EXPECTED_CSP = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "object-src": {"'none'"},
    "base-uri": {"'none'"},
    "frame-ancestors": {"'none'"},
    "form-action": {"'self'"},
}


def parse_csp(header):
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = set(sources)
    return directives


# --- Headers ---


def test_every_page_has_the_security_headers(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert parse_csp(response["Content-Security-Policy"]) == EXPECTED_CSP
    assert "unsafe" not in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_signed_in_pages_have_the_security_headers_too(client, teacher, classroom):
    client.force_login(teacher)
    response = client.get(reverse("my_classes"))
    assert response.status_code == 200
    assert parse_csp(response["Content-Security-Policy"]) == EXPECTED_CSP
    assert response["X-Frame-Options"] == "DENY"


def test_the_session_cookie_is_http_only(client, teacher, password):
    response = client.post(
        reverse("login"), {"username": teacher.email, "password": password}
    )
    assert response.status_code == 302
    assert response.cookies["sessionid"]["httponly"]


def test_https_is_enforced_with_hsts_when_configured(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get(reverse("login"))
    assert response.status_code == 301
    assert response.url.startswith("https://")
    response = client.get(reverse("login"), secure=True)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains"
    )


def test_the_health_check_answers_plain_http_probes(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(reverse("health_check")).status_code == 200


# --- Nothing private is cached ---


def test_a_signed_in_page_is_not_stored(client, teacher, classroom):
    client.force_login(teacher)
    response = client.get(reverse("my_classes"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


@pytest.mark.parametrize("persona", ["student", "admin"])
def test_other_signed_in_pages_are_not_stored(request, client, persona):
    url = {"student": reverse("report_card"), "admin": reverse("admin:index")}[persona]
    client.force_login(request.getfixturevalue(persona))
    response = client.get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_the_login_page_is_not_stored_for_anonymous_users(client):
    response = client.get(reverse("login"))
    assert "no-store" in response["Cache-Control"]


def test_a_cache_control_set_by_the_view_is_kept(teacher):
    request = RequestFactory().get("/anything")
    request.user = teacher

    def view(request):
        response = HttpResponse("chart")
        response["Cache-Control"] = "private, max-age=60"
        return response

    response = NoStoreForSignedInUsersMiddleware(view)(request)
    assert response["Cache-Control"] == "private, max-age=60"


def test_static_files_keep_their_own_caching(client, teacher, settings):
    # WhiteNoise serves the source files here (no collectstatic in tests).
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    client.force_login(teacher)
    response = client.get("/static/css/site.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert "max-age" in response["Cache-Control"]


# --- Markup that a strict CSP allows ---


class InlineCodeFinder(HTMLParser):
    """Collect what `script-src 'self'; style-src 'self'` would block."""

    def __init__(self):
        super().__init__()
        self.found = []
        self._in_inline_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and "src" not in attributes:
            # json_script's data block is not executed, so CSP lets it be.
            if attributes.get("type") != "application/json":
                self._in_inline_script = True
                self.found.append(self.get_starttag_text())
        if tag == "style":
            self.found.append(self.get_starttag_text())
        for name, value in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src", "action", "formaction") and (
                (value or "").strip().lower().startswith("javascript:")
            ):
                self.found.append(f"<{tag} {name}={value!r}>")


def inline_code(html):
    finder = InlineCodeFinder()
    finder.feed(html)
    return finder.found


TEMPLATES_DIR = PROJECT_ROOT / "templates"
INLINE_PATTERNS = [
    re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I),
    re.compile(r"<style\b", re.I),
    re.compile(r"\sstyle\s*=", re.I),
    re.compile(r"\son[a-z]+\s*=", re.I),
    re.compile(r"javascript:", re.I),
]


def test_no_template_has_inline_script_or_style():
    found = [
        f"{path.relative_to(PROJECT_ROOT)}: {match.group(0)}"
        for path in sorted(TEMPLATES_DIR.rglob("*.html"))
        for pattern in INLINE_PATTERNS
        for match in pattern.finditer(path.read_text())
    ]
    assert found == []


def test_portal_pages_render_without_inline_code(
    client, teacher, student, classroom_subject, term, quiz
):
    client.force_login(teacher)
    classroom_id = classroom_subject.classroom_id
    gradebook = (
        reverse("gradebook", args=[classroom_id])
        + f"?subject={classroom_subject.pk}&term={term.pk}"
    )
    for url in [reverse("my_classes"), gradebook]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert inline_code(response.content.decode()) == [], url
    client.force_login(student)
    response = client.get(reverse("report_card"))
    assert response.status_code == 200
    assert inline_code(response.content.decode()) == []


def admin_pages():
    """The index, then every registered model's changelist, add and change form."""
    yield reverse("admin:index")
    for model in admin_site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        yield reverse("admin:{}_{}_changelist".format(*info))
        yield reverse("admin:{}_{}_add".format(*info))
        instance = model._default_manager.order_by("pk").first()
        if instance is not None:
            yield reverse("admin:{}_{}_change".format(*info), args=[instance.pk])


def test_every_admin_changelist_and_form_works_under_the_policy(
    client, admin, teacher, student, classroom_subject, quiz
):
    client.force_login(admin)
    inline = {}
    rendered = []
    for url in admin_pages():
        response = client.get(url)
        if response.status_code == 403:  # no add permission on this model
            continue
        assert response.status_code == 200, url
        assert parse_csp(response["Content-Security-Policy"]) == EXPECTED_CSP
        rendered.append(url)
        if found := inline_code(response.content.decode()):
            inline[url] = found
    assert inline == {}
    assert reverse("admin:accounts_user_changelist") in rendered
    assert sum(url.endswith("/change/") for url in rendered) >= 5


# --- Passwords ---


@pytest.mark.parametrize("weak", ["short-Pw9!", "password1234", "123456789012345"])
def test_weak_passwords_are_refused(weak):
    with pytest.raises(ValidationError):
        validate_password(weak)


def test_a_long_uncommon_password_is_accepted():
    validate_password("correct horse battery staple")


# --- Production settings ---


def env_example():
    values = {}
    for line in (PROJECT_ROOT / ".env.example").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def test_check_deploy_finds_no_issue_with_the_documented_production_settings():
    production = env_example()
    assert production["DEBUG"] == "false"
    production["SECRET_KEY"] = secrets.token_urlsafe(45)  # 60 characters
    assert len(production["SECRET_KEY"]) == 60
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT_ROOT,
        env={"PATH": os.environ.get("PATH", ""), **production},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
