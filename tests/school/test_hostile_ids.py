"""Hostile ids everywhere an id travels: URL paths, query strings, posted forms.

Every URL pattern of the project (the admin's included) is read from the resolver,
so a new route is covered without touching this file. Each id position gets each
hostile value while the other positions hold real ids, for a student, a teacher
and staff. Whatever the answer, it is never a 5xx, and a value that Python's
`int()` would read as a real id (Arabic-Indic or full-width digits of a real pk)
never reaches that object: no page of it and no write to it.
"""

import datetime
import logging
import re
from contextlib import contextmanager
from decimal import Decimal
from urllib.parse import quote, urlencode

import pytest
from django.contrib import admin as django_admin
from django.contrib.admin.filters import FieldListFilter, ListFilter
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.contenttypes.models import ContentType
from django.http import QueryDict
from django.test import RequestFactory
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve
from django.urls.converters import IntConverter
from django.urls.resolvers import RoutePattern

from accounts.models import Advising, User
from classrooms.models import Subject, Term
from grades.models import Assessment, Category, ReportBatch, ReportBatchStatus, Score
from tests import factories

pytestmark = pytest.mark.django_db

PERSONAS = ["student", "teacher", "admin"]

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULL_WIDTH = str.maketrans("0123456789", "".join(chr(0xFF10 + d) for d in range(10)))
# Placeholder for the position under test while the URL is built (ASCII, so that
# every converter accepts it), then replaced by the hostile value.
PLACEHOLDER = "987654321987"


def hostile_values(real: int | str) -> dict[str, str]:
    """Each hostile value by name; the aliases spell the position's real id."""
    real = str(real)
    return {
        "superscript two": "²",
        "circled one": "①",
        "arabic-indic alias": real.translate(ARABIC_INDIC),
        "full-width alias": real.translate(FULL_WIDTH),
        "minus one": "-1",
        "hexadecimal": "0x1",
        "20 digits": "9" * 20,
        "5,000 digits": "9" * 5000,
    }


def is_alias(name: str) -> bool:
    return name.endswith("alias")


@pytest.fixture(autouse=True)
def _quiet_request_logs(caplog):
    """Thousands of 404s and redirects: log only errors (a 5xx still logs)."""
    for name in ("django.request", "school.request_logging"):
        caplog.set_level(logging.ERROR, logger=name)


# ---------------------------------------------------------------------------
# The world: real objects for every position, a second term and subject so that
# choosing one or the other shows


@pytest.fixture
def world(student, teacher, admin, classroom, classroom_subject, term, quiz, homework):
    second_term = factories.TermFactory(
        school_year=term.school_year,
        name="Spring",
        starts_on=term.ends_on + datetime.timedelta(days=1),
        ends_on=term.ends_on + datetime.timedelta(days=120),
    )
    science = factories.ClassroomSubjectFactory(
        classroom=classroom,
        subject=factories.SubjectFactory(name="Science", code="SCI"),
    )
    score = factories.ScoreFactory(
        assessment=quiz, student=student, points=Decimal("10"), version=1
    )
    term_grade = factories.TermGradeFactory(
        student=student, classroom_subject=classroom_subject, term=term
    )
    batch = ReportBatch.objects.create(
        requested_by=teacher,
        term=term,
        classroom=classroom,
        status=ReportBatchStatus.DONE,
        pdf=b"%PDF-1.4 test",
    )
    return {
        "student": student,
        "teacher": teacher,
        "admin": admin,
        "classroom": classroom,
        "classroom_subject": classroom_subject,
        "science": science,
        "term": term,
        "second_term": second_term,
        "quiz": quiz,
        "homework": homework,
        "score": score,
        "term_grade": term_grade,
        "batch": batch,
    }


def fingerprint():
    """Everything a hostile write could change, to compare before and after."""
    return (
        list(
            Score.objects.order_by("pk").values_list(
                "pk", "student_id", "assessment_id", "points", "state", "version"
            )
        ),
        list(
            Assessment.objects.order_by("pk").values_list(
                "pk", "title", "term_id", "category_id", "max_points", "published_at"
            )
        ),
        list(Category.objects.order_by("pk").values_list("pk", "name", "weight")),
        list(ReportBatch.objects.order_by("pk").values_list("pk", "term_id")),
        list(Term.objects.order_by("pk").values_list("pk", "locked")),
        list(Advising.objects.order_by("pk").values_list("teacher_id", "student_id")),
        list(Subject.objects.order_by("pk").values_list("pk", flat=True)),
        User.objects.filter(is_active=True).count(),
    )


# ---------------------------------------------------------------------------
# Every URL pattern, with its id positions


def url_patterns(resolver=None, route="", namespace=""):
    """(name or None, route text or None for a regex, URLPattern) of every URL."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            sub = (
                route + str(entry.pattern)
                if route is not None and isinstance(entry.pattern, RoutePattern)
                else None
            )
            yield from url_patterns(entry, sub, inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else None
            text = (
                route + str(entry.pattern)
                if route is not None and isinstance(entry.pattern, RoutePattern)
                else None
            )
            yield name, text, entry


ALL_PATTERNS = list(url_patterns())
_TOKEN = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def is_id_position(name: str, converter) -> bool:
    """An id: an int-like converter (Django's or the project's), or the admin's
    object ids (a path converter, read by the model's integer primary key)."""
    if name == "object_id":
        return True
    return isinstance(converter, IntConverter) or getattr(
        converter, "regex", ""
    ).startswith("[0-9]")


def admin_for_route(route: str):
    """The ModelAdmin of an admin route `admin/<app>/<model>/...`, if any."""
    parts = route.split("/")
    if len(parts) >= 3 and parts[0] == "admin":
        for model, model_admin in django_admin.site._registry.items():
            meta = model._meta
            if (meta.app_label, meta.model_name) == (parts[1], parts[2]):
                return model_admin
    return None


def real_value(name: str, route: str, world) -> str:
    """The real id (or text) that this position holds in a working URL."""
    if name == "object_id":
        if "/r/" in f"/{route}":  # admin:view_on_site
            return str(world["student"].pk)
        model_admin = admin_for_route(route)
        if model_admin is not None:
            obj = model_admin.model._default_manager.order_by("pk").first()
            if obj is not None:
                return str(obj.pk)
        return "1"
    if name == "content_type_id":
        return str(ContentType.objects.get_for_model(User).pk)
    if name == "pk":
        if "/categories/" in route:
            return str(world["homework"].pk)
        if "/assessments/" in route:
            return str(world["quiz"].pk)
        return str(world["classroom"].pk)
    by_name = {
        "classroom_id": world["classroom"].pk,
        "subject_id": world["classroom_subject"].pk,
        "term_id": world["term"].pk,
        "student_id": world["student"].pk,
        "assessment_id": world["quiz"].pk,
        "batch_id": world["batch"].pk,
    }
    return str(by_name.get(name, "x"))


def build(route: str, values: dict[str, str]) -> str:
    return "/" + _TOKEN.sub(lambda m: values[m["name"]], route)


def route_positions(route: str, pattern: URLPattern):
    converters = getattr(pattern.pattern, "converters", {})
    names = [m["name"] for m in _TOKEN.finditer(route)]
    return names, [n for n in names if is_id_position(n, converters.get(n))]


def method_of(url: str) -> str:
    """GET, or POST for the views that refuse a GET (a 405 would prove nothing)."""
    try:
        match = resolve(url)
    except Resolver404:
        return "get"
    view_class = getattr(match.func, "view_class", None)
    allowed = getattr(view_class, "http_method_names", ["get"])
    return "get" if "get" in allowed else "post"


def routes_with_ids():
    return [
        (name, route, pattern)
        for name, route, pattern in ALL_PATTERNS
        if route is not None and route_positions(route, pattern)[1]
    ]


def test_the_walk_reaches_every_kind_of_route():
    names = {name for name, _route, _pattern in routes_with_ids()}
    assert {"classroom_detail", "gradebook", "score_history", "report_batch"} <= names
    assert {"term_lock", "report_card_pdf", "admin:grades_score_change"} <= names
    assert "admin:accounts_user_grade_history" in names
    # Unnamed routes are walked too (the admin's `<object_id>/` redirect).
    assert any(name is None for name, _route, _pattern in routes_with_ids())
    regex_only = [p for _n, route, p in ALL_PATTERNS if route is None]
    # The routes written as regular expressions carry no id (the admin's app
    # index takes an app label, its catch-all a path).
    for pattern in regex_only:
        assert not set(pattern.pattern.regex.groupindex) - {"app_label", "url"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_hostile_path_ids_are_never_5xx_nor_an_alias(client, world, persona):
    client.force_login(world[persona])
    client.raise_request_exception = False
    failures, asked = [], 0
    for name, route, pattern in routes_with_ids():
        names, ids = route_positions(route, pattern)
        real = {n: real_value(n, route, world) for n in names}
        if "app_label" in real:
            real["app_label"] = "grades"
        for position in ids:
            url = build(route, {**real, position: PLACEHOLDER})
            method = method_of(url)
            # A write by any value shows after the last one (nothing undoes it).
            before = fingerprint() if method == "post" else None
            for label, value in hostile_values(real[position]).items():
                hostile_url = url.replace(PLACEHOLDER, quote(value, safe=""), 1)
                response = getattr(client, method)(hostile_url)
                asked += 1
                where = f"{method.upper()} {name or route} [{position}={label}]"
                if response.status_code >= 500:
                    failures.append(f"{where}: {response.status_code}")
                elif is_alias(label) and 200 <= response.status_code < 300:
                    failures.append(f"{where}: answered {response.status_code}")
            if before is not None and fingerprint() != before:
                failures.append(f"POST {name or route} [{position}]: wrote")
    assert asked > 900
    assert not failures, f"{len(failures)} of {asked}:\n" + "\n".join(failures)


# ---------------------------------------------------------------------------
# Query strings: the ids each page reads, found by watching it read them


_NOT_IDS = {"next", "p", "q", "o", "e", "_changelist_filters", "_popup", "_to_field"}


@contextmanager
def watching_query_reads():
    keys = set()
    get, getlist = QueryDict.get, QueryDict.getlist

    def watched_get(self, key, default=None):
        keys.add(key)
        return get(self, key, default)

    def watched_getlist(self, key, default=None):
        keys.add(key)
        return getlist(self, key, default)

    QueryDict.get, QueryDict.getlist = watched_get, watched_getlist
    try:
        yield keys
    finally:
        QueryDict.get, QueryDict.getlist = get, getlist


_CSRF = re.compile(rb'(name="csrfmiddlewaretoken" value=|nonce=)"[^"]*"')


def _listed(response):
    """The rows an admin list shows (its links echo the query, its rows do not)."""
    context = getattr(response, "context_data", None) or {}
    changelist = context.get("cl")
    if changelist is None:
        return None
    return [row.pk for row in changelist.result_list]


def same_page(one, other) -> bool:
    """Same status and, for a page, the same content (tokens aside)."""
    if one.status_code != other.status_code:
        return False
    if one.status_code in (301, 302, 303):
        return one["Location"] == other["Location"]
    if _listed(one) is not None or _listed(other) is not None:
        return _listed(one) == _listed(other)
    if getattr(one, "streaming", False) or getattr(other, "streaming", False):
        return True
    return _CSRF.sub(b"", one.content) == _CSRF.sub(b"", other.content)


def portal_get_urls(world):
    for name, route, pattern in ALL_PATTERNS:
        if route is None or route.startswith("admin/"):
            continue
        names, _ids = route_positions(route, pattern)
        url = build(route, {n: real_value(n, route, world) for n in names})
        if method_of(url) == "get":
            yield name, url


_READS: dict[str, set[str]] = {}


def query_reads(client, name, url) -> set[str]:
    """The query-string keys a page reads (found once, by staff, who see all)."""
    if name not in _READS:
        with watching_query_reads() as keys:
            client.get(url)
        _READS[name] = {key for key in keys if key not in _NOT_IDS}
    return _READS[name]


def _may_hold_an_id(field) -> bool:
    """A related object or an integer field (a choice, boolean or date is none)."""
    return field.is_relation or field.get_internal_type().endswith(
        ("IntegerField", "AutoField")
    )


def admin_filter_parameters(model_admin, admin_user) -> list[str]:
    """The query parameters of every list filter of a ModelAdmin that may hold an
    id or a number: the project's own filters, and Django's on related objects
    and integer fields (shown or not)."""
    request = RequestFactory().get("/")
    request.user = admin_user
    model = model_admin.model
    parameters = []
    for item in model_admin.get_list_filter(request):
        if isinstance(item, type) and issubclass(item, ListFilter):
            spec = item(request, {}, model, model_admin)
        else:
            field_path, make = (
                item
                if isinstance(item, list | tuple)
                else (item, FieldListFilter.create)
            )
            field = get_fields_from_path(model, field_path)[-1]
            if not _may_hold_an_id(field):
                continue
            spec = make(field, request, {}, model, model_admin, field_path=field_path)
        parameters += [
            p for p in spec.expected_parameters() if not p.endswith("__isnull")
        ]
    return parameters


def query_probes(client, world):
    """(where, url, key) of every query-string position."""
    for name, url in portal_get_urls(world):
        for key in sorted(query_reads(client, name, url)):
            yield name, url, key
    admin_user = world["admin"]
    for model, model_admin in django_admin.site._registry.items():
        meta = model._meta
        url = f"/admin/{meta.app_label}/{meta.model_name}/"
        for parameter in admin_filter_parameters(model_admin, admin_user):
            yield f"admin:{meta.app_label}_{meta.model_name}", url, parameter


def candidates(key: str, world) -> list[int]:
    """Real ids a query-string key could name (the aliases spell them)."""
    by_key = {
        "subject": [world["classroom_subject"].pk, world["science"].pk],
        "term": [world["term"].pk, world["second_term"].pk],
        "category": [world["homework"].pk],
        "classroom": [world["classroom"].pk],
        "student": [world["student"].pk],
        "teacher": [world["teacher"].pk],
    }
    for suffix, objects in by_key.items():
        if key == suffix or key.startswith(f"{suffix}__") or f"__{suffix}" in key:
            return objects
    return [world["classroom"].pk]


def with_query(url, key, value):
    return f"{url}?{urlencode({key: value})}"


@pytest.mark.parametrize("persona", PERSONAS)
def test_hostile_query_string_ids_are_never_5xx_nor_an_alias(client, world, persona):
    client.force_login(world["admin"])
    probes = list(query_probes(client, world))
    client.force_login(world[persona])
    client.raise_request_exception = False
    keys = {key for _where, _url, key in probes}
    assert {"subject", "term", "category"} <= keys
    assert {"classroom", "student", "teacher"} <= keys
    failures, asked = [], 0
    for where, url, key in probes:
        plain = {}  # the answer to a plain bad value, asked once when needed
        for target in candidates(key, world):
            for label, value in hostile_values(target).items():
                if not is_alias(label) and target != candidates(key, world)[0]:
                    continue
                response = client.get(with_query(url, key, value))
                asked += 1
                spot = f"GET {where} ?{key}={label}"
                if response.status_code >= 500:
                    failures.append(f"{spot}: {response.status_code}")
                elif is_alias(label):
                    if not plain:
                        plain["bad"] = client.get(with_query(url, key, "abc"))
                    if same_page(response, plain["bad"]):
                        continue
                    real = client.get(with_query(url, key, target))
                    if same_page(response, real):
                        failures.append(f"{spot}: read as {target}")
    assert not failures, f"{len(failures)} of {asked}:\n" + "\n".join(failures)


# ---------------------------------------------------------------------------
# Posted forms and the autosave endpoint: cell keys, versions, chosen objects


def grid_url(world, tail=""):
    cs, term = world["classroom_subject"], world["term"]
    query = urlencode({"subject": cs.pk, "term": term.pk})
    return f"/classrooms/{cs.classroom_id}/gradebook/{tail}?{query}"


def subject_url(world, tail):
    cs = world["classroom_subject"]
    return f"/classrooms/{cs.classroom_id}/subjects/{cs.pk}/{tail}"


def body_probes(world):
    """(where, url, position, real, make_data(value)) of every posted id."""
    student, quiz = world["student"].pk, world["quiz"].pk
    version = world["score"].version
    term, homework = world["term"].pk, world["homework"].pk

    def grid(s, a, v):
        key = f"{s}-{a}"
        return {f"c-{key}": "7", f"o-{key}": "10", f"v-{key}": v}

    def cells(s, a, v):
        key = f"{s}-{a}"
        return {"cell": key, f"c-{key}": "7", f"v-{key}": v}

    def detail(s, v):
        return {f"c-{s}": "7", f"o-{s}": "10", f"v-{s}": v, f"m-{s}": "", f"mo-{s}": ""}

    def assessment(category, term_id):
        return {
            "title": "Hostile",
            "category": category,
            "term": term_id,
            "max_points": "10",
        }

    for name, builder, url in (
        ("gradebook grid", grid, grid_url(world)),
        ("gradebook cells", cells, grid_url(world, "cells/")),
    ):
        yield name, url, "student", student, lambda v, b=builder: b(v, quiz, version)
        yield name, url, "assessment", quiz, lambda v, b=builder: b(student, v, version)
        yield name, url, "version", version, lambda v, b=builder: b(student, quiz, v)
    detail_url = subject_url(world, f"assessments/{quiz}/")
    yield (
        "assessment scores",
        detail_url,
        "student",
        student,
        lambda v: detail(v, version),
    )
    yield (
        "assessment scores",
        detail_url,
        "version",
        version,
        lambda v: detail(student, v),
    )
    for name, url in (
        ("new assessment", subject_url(world, "assessments/new/")),
        ("assessment edit", subject_url(world, f"assessments/{quiz}/edit/")),
    ):
        yield name, url, "category", homework, lambda v: assessment(v, term)
        yield name, url, "term", term, lambda v: assessment(homework, v)
    batch_url = f"/classrooms/{world['classroom'].pk}/report-cards/"
    yield "classroom batch", batch_url, "term", term, lambda v: {"term": v}
    level = world["classroom"].grade_level
    yield (
        "grade level batch",
        "/school/report-cards/",
        "term",
        term,
        lambda v: {
            "term": v,
            "grade_level": level,
        },
    )
    yield (
        "grade level batch",
        "/school/report-cards/",
        "grade_level",
        level,
        (lambda v: {"term": term, "grade_level": v}),
    )
    # The admin: deleting a hand-made selection (of objects nothing protects, so
    # that an alias would really delete one), choosing a related object by id.
    spare_subject = factories.SubjectFactory(name="Spare", code="SPARE")
    advising = Advising.objects.order_by("pk").first()
    for obj in (spare_subject, advising):
        meta = obj._meta
        yield (
            f"admin {meta.model_name} deletion",
            f"/admin/{meta.app_label}/{meta.model_name}/",
            "_selected_action",
            obj.pk,
            lambda v: {
                "action": "delete_selected",
                "_selected_action": v,
                "post": "yes",
            },
        )
    other = factories.StudentFactory().pk
    yield (
        "admin advising form",
        "/admin/accounts/advising/add/",
        "teacher",
        world["teacher"].pk,
        lambda v: {"teacher": v, "student": other},
    )


@pytest.mark.parametrize("persona", PERSONAS)
def test_hostile_posted_ids_are_never_5xx_nor_written(client, world, persona):
    client.force_login(world[persona])
    client.raise_request_exception = False
    failures, asked = [], 0
    for where, url, position, real, make_data in list(body_probes(world)):
        # A write by any value shows after the last one (nothing undoes it).
        before = fingerprint()
        for label, value in hostile_values(real).items():
            response = client.post(url, make_data(value))
            asked += 1
            if response.status_code >= 500:
                failures.append(
                    f"POST {where} [{position}={label}]: {response.status_code}"
                )
        if fingerprint() != before:
            failures.append(f"POST {where} [{position}]: wrote")
    assert not failures, f"{len(failures)} of {asked}:\n" + "\n".join(failures)


# ---------------------------------------------------------------------------
# What the answers say


def test_a_malformed_version_is_a_400_that_says_nothing_was_saved(client, world):
    client.force_login(world["teacher"])
    student, quiz = world["student"].pk, world["quiz"].pk
    key = f"{student}-{quiz}"
    before = fingerprint()
    response = client.post(
        grid_url(world),
        {f"c-{key}": "7", f"o-{key}": "10", f"v-{key}": "1".translate(ARABIC_INDIC)},
    )
    assert response.status_code == 400
    assert "score version that is not valid" in response.content.decode()
    assert "nothing was saved" in response.content.decode()
    assert fingerprint() == before


def test_the_400_page_speaks_the_readers_language(client, world):
    teacher = world["teacher"]
    teacher.language = "es"
    teacher.save(update_fields=["language"])
    client.force_login(teacher)
    response = client.post(grid_url(world), {f"c-٦-{world['quiz'].pk}": "7"})
    assert response.status_code == 400
    assert "Recargue la página" in response.content.decode()


def test_the_autosave_answers_a_malformed_cell_with_json(client, world):
    client.force_login(world["teacher"])
    response = client.post(
        grid_url(world, "cells/"), {"cell": f"²-{world['quiz'].pk}", "c-²-1": "7"}
    )
    assert response.status_code == 400
    assert "score cell" in response.json()["error"]


def test_the_admin_treats_an_alias_id_as_a_missing_object(client, world):
    client.force_login(world["admin"])
    alias = str(world["classroom"].pk).translate(ARABIC_INDIC)
    response = client.get(f"/admin/classrooms/classroom/{quote(alias)}/change/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_the_admin_refuses_a_filter_value_that_is_not_a_number(client, world):
    client.force_login(world["admin"])
    alias = str(world["term"].school_year_id).translate(ARABIC_INDIC)
    response = client.get(
        "/admin/classrooms/classroom/", {"school_year__id__exact": alias}
    )
    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")
    real = client.get(
        "/admin/classrooms/classroom/",
        {"school_year__id__exact": world["term"].school_year_id},
    )
    assert real.status_code == 200
