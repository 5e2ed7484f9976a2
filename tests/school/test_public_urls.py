"""What an anonymous visitor gets from every URL: only a few pages are public."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from school.ids import IdConverter

pytestmark = pytest.mark.django_db

PUBLIC_URL_NAMES = {
    "login",
    "health_check",
    "set_language",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "admin:login",
    "admin:logout",
    "admin:view_on_site",
    "admin:password_change",
    "admin:password_change_done",
    "admin:jsi18n",
    "admin:autocomplete",
    "admin:index",
    "admin:app_list",
}


def named_patterns(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from named_patterns(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


def sample_kwargs(pattern):
    converters = pattern.pattern.converters
    kwargs = {}
    for name in pattern.pattern.regex.groupindex:
        converter = converters.get(name)
        kwargs[name] = 1 if isinstance(converter, IdConverter) else "x"
    return kwargs


def portal_urls():
    for name, pattern in named_patterns():
        if name.startswith("admin:"):
            continue
        try:
            yield name, reverse(name, kwargs=sample_kwargs(pattern))
        except Exception:  # noqa: S112 - patterns that need other arguments
            continue


@pytest.mark.parametrize(("name", "url"), list(portal_urls()))
def test_anonymous_visitors_reach_only_public_pages(client, name, url):
    response = client.get(url)
    if name in PUBLIC_URL_NAMES:
        assert response.status_code in {200, 302, 405}, url
        if response.status_code == 302:
            assert not response.url.startswith(reverse("login")), url
    else:
        assert response.status_code == 302, url
        assert response.url.startswith(f"{reverse('login')}?next="), url


def test_the_admin_sends_anonymous_visitors_to_its_login(client):
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_every_portal_page_is_covered():
    names = {name for name, _url in portal_urls()}
    assert {"home", "my_classes", "classroom_detail", "school_overview"} <= names
    assert {"report_card", "password_change", "logout"} <= names
