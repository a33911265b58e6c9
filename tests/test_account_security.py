import pytest
from django.core import mail

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_limits(settings):
    settings.ACCOUNT_RATE_LIMITS = [(3, 60)]


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_password_guessing_from_one_address_is_stopped_with_429(client, url):
    UserFactory(username="target", is_staff=True)  # the admin signs in staff only
    for guess in ["a", "b", "c"]:
        assert client.post(url, {"username": "target", "password": guess}).status_code == 200
    response = client.post(url, {"username": "target", "password": PASSWORD})
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert "Too many attempts from your address." in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Reading the page is never limited; other addresses are not affected.
    assert client.get(url).status_code == 200
    other = client.post(url, {"username": "target", "password": PASSWORD},
                        REMOTE_ADDR="10.0.0.2")
    assert other.status_code == 302


def test_reset_mail_cannot_be_sent_in_bulk(client):
    UserFactory(email="victim@example.com")
    statuses = [client.post("/accounts/password_reset/", {"email": "victim@example.com"}).status_code
                for _ in range(5)]
    assert statuses == [302, 302, 302, 429, 429]
    assert len(mail.outbox) == 3


def test_sign_up_floods_are_stopped(client):
    for number in range(3):
        client.post("/accounts/signup/", {"username": f"bot{number}"})
    assert client.post("/accounts/signup/", {"username": "bot9"}).status_code == 429


@pytest.mark.parametrize("trusted, peer, forwarded, seen", [
    ([], "127.0.0.1", "203.0.113.9", "127.0.0.1"),                    # no proxy trusted: never read
    (["10.0.0.0/8"], "198.51.100.7", "203.0.113.9", "198.51.100.7"),  # forged, from an untrusted address
    (["10.0.0.0/8"], "10.0.0.5", "203.0.113.9", "203.0.113.9"),       # from a trusted proxy: used
    (["10.0.0.0/8"], "10.0.0.5", "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # what the client wrote itself
    (["10.0.0.0/8", "192.0.2.1/32"], "10.0.0.5", "6.6.6.6, 203.0.113.9, 192.0.2.1", "203.0.113.9"),
    (["10.0.0.0/8"], "10.0.0.5", "not-an-address", "10.0.0.5"),       # garbage: stop at the proxy
    (["10.0.0.0/8"], "10.0.0.5", "", "10.0.0.5"),
    (["10.0.0.0/8"], "::ffff:10.0.0.5", "203.0.113.9", "203.0.113.9"),  # IPv4 seen as IPv6
    (["2001:db8::/32"], "2001:db8::1", "2400:cb00::9, 2001:db8::2", "2400:cb00::9"),
])
def test_readers_address_behind_trusted_proxies(client, settings, trusted, peer, forwarded, seen):
    from comments.models import Comment
    from tests.factories import ArticleFactory

    settings.TRUSTED_PROXIES = trusted
    client.force_login(UserFactory())
    article = ArticleFactory()
    client.post(f"/comments/article/{article.pk}/", {"body": "hello"},
                REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=forwarded)
    assert Comment.objects.get().ip_address == seen


def test_forged_forwarded_addresses_do_not_escape_the_sign_in_limit(client, settings):
    """A new forged X-Forwarded-For on each attempt, sent straight to the site (not through
    the trusted proxy), is ignored: the limit counts the sender's own address."""
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    UserFactory(username="target")
    statuses = [
        client.post("/accounts/login/", {"username": "target", "password": f"guess{n}"},
                    REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
        for n in range(5)
    ]
    assert statuses == [200, 200, 200, 429, 429]
    # Through the trusted proxy, each reader's own address is counted on its own.
    through_proxy = client.post("/accounts/login/", {"username": "target", "password": "guess"},
                                REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.77")
    assert through_proxy.status_code == 200


def test_a_password_like_the_display_name_is_refused(client):
    response = client.post("/accounts/signup/", {
        "username": "zed", "display_name": "Marguerite Fontaine", "email": "zed@example.com",
        "password1": "margueritefontaine", "password2": "margueritefontaine",
    })
    assert response.status_code == 200
    assert "too similar to the display name" in response.content.decode()


def test_the_database_refuses_a_username_differing_only_in_case():
    from django.db import IntegrityError, transaction

    UserFactory(username="alice")
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(username="ALICE")
