import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from school.middleware import ClientIPMiddleware


def client_ip_seen(settings, *, peer, real_ip=None, forwarded_for=None, trusted=()):
    settings.TRUSTED_PROXIES = list(trusted)
    seen = {}

    def view(request):
        seen["ip"] = request.META["REMOTE_ADDR"]
        return HttpResponse()

    headers = {}
    if real_ip:
        headers["HTTP_X_REAL_IP"] = real_ip
    if forwarded_for:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    request = RequestFactory().get("/", REMOTE_ADDR=peer, **headers)
    ClientIPMiddleware(view)(request)
    return seen["ip"]


def test_it_uses_the_peer_address_without_a_proxy(settings):
    assert client_ip_seen(settings, peer="203.0.113.7") == "203.0.113.7"


def test_it_ignores_x_real_ip_from_an_untrusted_peer(settings):
    ip = client_ip_seen(
        settings, peer="203.0.113.7", real_ip="198.51.100.1", trusted=["10.0.0.1"]
    )
    assert ip == "203.0.113.7"


def test_it_honours_x_real_ip_from_a_trusted_proxy(settings):
    ip = client_ip_seen(
        settings, peer="10.0.0.1", real_ip="198.51.100.1", trusted=["10.0.0.1"]
    )
    assert ip == "198.51.100.1"


def test_it_accepts_trusted_proxies_as_networks(settings):
    ip = client_ip_seen(
        settings, peer="10.1.2.3", real_ip="2001:db8::5", trusted=["10.0.0.0/8"]
    )
    assert ip == "2001:db8::5"


def test_it_keeps_the_peer_when_x_real_ip_is_not_an_address(settings):
    ip = client_ip_seen(
        settings, peer="10.0.0.1", real_ip="not-an-ip", trusted=["10.0.0.1"]
    )
    assert ip == "10.0.0.1"


def test_it_never_reads_x_forwarded_for(settings):
    ip = client_ip_seen(
        settings, peer="10.0.0.1", forwarded_for="198.51.100.1", trusted=["10.0.0.1"]
    )
    assert ip == "10.0.0.1"


@pytest.mark.django_db
def test_a_spoofed_x_real_ip_cannot_dodge_the_login_limit(client, settings, teacher):
    settings.RATE_LIMIT_LOGIN_PER_ACCOUNT_IP = "2/5m"
    for forged in ["198.51.100.1", "198.51.100.2"]:
        client.post(
            "/accounts/login/",
            {"username": teacher.email, "password": "wrong"},
            REMOTE_ADDR="203.0.113.7",
            HTTP_X_REAL_IP=forged,
        )
    response = client.post(
        "/accounts/login/",
        {"username": teacher.email, "password": "wrong"},
        REMOTE_ADDR="203.0.113.7",
        HTTP_X_REAL_IP="198.51.100.3",
    )
    assert response.status_code == 429
