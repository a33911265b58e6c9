import re
from html import unescape
from unittest import mock

import pytest
from django.conf import global_settings
from django.core import mail
from django.db import IntegrityError, connection
from django.test import Client

from newsroom.accounts import SignupForm
from newsroom.models import User
from tests.factories import NEW_PASSWORD, PASSWORD, UserFactory, field_errors, signup_data

pytestmark = pytest.mark.django_db

NULL = "Null characters are not allowed."


def html(response):
    return unescape(response.content.decode())


def header(response):
    """The account part of the page header, where a person sees whether they are signed in."""
    return html(response).split('<nav class="account-nav"', 1)[1].split("</nav>", 1)[0]


def sign_in(client, username, password, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def signed_in_user(client):
    return client.get("/").context["user"]


# Sign up


def test_header_offers_sign_in_and_sign_up_to_visitors(client):
    nav = header(client.get("/"))
    assert '<a href="/accounts/login/">Sign in</a>' in nav
    assert '<a href="/accounts/signup/">Sign up</a>' in nav


def test_sign_up_page_labels_every_field(client):
    page = html(client.get("/accounts/signup/"))
    for field in ["username", "display_name", "email", "password1", "password2"]:
        assert f'<label for="id_{field}">' in page
        assert f'id="id_{field}"' in page
    assert 'autocomplete="new-password"' in page
    assert 'action="/accounts/logout/"' not in page


def test_sign_up_signs_the_person_in_and_the_header_shows_their_display_name(client):
    response = client.post("/accounts/signup/", signup_data(), follow=True)
    assert response.redirect_chain == [("/", 302)]
    nav = header(response)
    assert "Alice Liddell" in nav
    assert 'href="/accounts/profile/"' in nav
    assert "Sign out" in nav and "Sign up" not in nav
    assert "Welcome, Alice Liddell. You are signed in." in html(response)
    user = User.objects.get(username="alice")
    assert user.email == "alice@example.com"
    assert user.check_password(NEW_PASSWORD)
    assert not user.is_staff
    assert signed_in_user(client) == user


def test_without_a_display_name_the_header_shows_the_username(client):
    response = client.post("/accounts/signup/", signup_data(display_name="   "), follow=True)
    assert "alice" in header(response)
    assert User.objects.get().display_name == ""


def test_a_display_name_is_shown_as_text_not_markup(client):
    client.post("/accounts/signup/", signup_data(display_name="<b>Alice</b>"))
    raw = client.get("/").content.decode()
    assert "&lt;b&gt;Alice&lt;/b&gt;" in raw and "<b>Alice</b>" not in raw


def test_sign_up_returns_to_the_page_the_person_came_from(client):
    page = html(client.get("/accounts/signup/", {"next": "/search/?q=rivers"}))
    assert '<input type="hidden" name="next" value="/search/?q=rivers">' in page
    response = client.post("/accounts/signup/", signup_data(next="/search/?q=rivers"))
    assert response.status_code == 302
    assert response["Location"] == "/search/?q=rivers"


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/", "http://testserver.evil.example/",
     "javascript:alert(1)", "\\\\evil.example", "/\r\nSet-Cookie: x=1"],
)
def test_sign_up_never_sends_the_person_to_another_site(client, next_url):
    response = client.post(f"/accounts/signup/?next={next_url}", signup_data(next=next_url))
    assert response.status_code == 302
    location = response["Location"]
    assert location == "/" or location.startswith("/%0D%0A"), location
    assert "\n" not in location and "evil" not in location


def test_a_nul_in_the_address_is_refused_before_sign_up(client):
    response = client.post("/accounts/signup/?next=/%00x", signup_data(next="/x"))
    assert response.status_code == 400
    assert "NUL character" in response.content.decode()


def test_an_unsafe_next_is_not_even_put_into_the_form(client):
    page = html(client.get("/accounts/signup/", {"next": "https://evil.example/"}))
    assert "evil.example" not in page


def test_sign_up_links_to_sign_in_keeping_next(client):
    page = html(client.get("/accounts/signup/", {"next": "/search/"}))
    assert '<a href="/accounts/login/?next=/search/">Sign in</a>' in page


def test_mismatched_passwords_are_refused(client):
    response = client.post("/accounts/signup/", signup_data(password2=NEW_PASSWORD + "x"))
    assert response.status_code == 200
    assert "The two password fields didn’t match." in field_errors(response, "password2")
    assert not User.objects.exists()
    assert not signed_in_user(client).is_authenticated


@pytest.mark.parametrize(
    "password, message",
    [
        ("x7-kite", "This password is too short. It must contain at least 8 characters."),
        ("password123", "This password is too common."),
        ("8302917465", "This password is entirely numeric."),
        ("alice@example", "The password is too similar to the email address."),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(client, password, message):
    response = client.post("/accounts/signup/", signup_data(password1=password, password2=password))
    assert response.status_code == 200
    assert message in field_errors(response, "password2")
    assert 'aria-describedby="id_password2_helptext id_password2_error"' in html(response)
    assert not User.objects.exists()


@pytest.mark.parametrize("taken", ["alice", "Alice", "ALICE", "ａｌｉｃｅ"])
def test_a_username_taken_in_any_case_is_refused(client, taken):
    UserFactory(username="alice")
    response = client.post("/accounts/signup/", signup_data(username=taken))
    assert response.status_code == 200
    assert "A user with that username already exists." in field_errors(response, "username")
    assert User.objects.count() == 1
    assert not signed_in_user(client).is_authenticated


def test_a_non_ascii_username_taken_in_another_case_is_refused_on_postgresql(client):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite compares case only for ASCII letters")
    UserFactory(username="élodie")
    response = client.post("/accounts/signup/", signup_data(username="Élodie"))
    assert "A user with that username already exists." in field_errors(response, "username")
    assert User.objects.count() == 1


def test_a_username_taken_while_the_form_was_checked_is_refused_not_a_crash(client):
    with mock.patch.object(SignupForm, "save", side_effect=IntegrityError("duplicate key")):
        response = client.post("/accounts/signup/", signup_data())
    assert response.status_code == 200
    assert "A user with that username already exists." in field_errors(response, "username")
    assert not signed_in_user(client).is_authenticated


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"username": "alice liddell"}, "username", "Enter a valid username."),
        ({"username": ""}, "username", "This field is required."),
        ({"email": ""}, "email", "This field is required."),
        ({"email": "alice.example.com"}, "email", "Enter a valid email address."),
        ({"display_name": "Alice\nLiddell"}, "display_name", "cannot contain tabs, line breaks"),
        ({"display_name": "Alice\tLiddell"}, "display_name", "cannot contain tabs, line breaks"),
    ],
)
def test_bad_sign_up_details_are_refused_with_the_reason(client, changes, field, message):
    response = client.post("/accounts/signup/", signup_data(**changes))
    assert response.status_code == 200
    assert message in field_errors(response, field)
    assert not User.objects.exists()


@pytest.mark.parametrize("field", ["username", "display_name", "email", "password1", "password2"])
def test_null_bytes_in_any_sign_up_field_are_refused(client, field):
    value = signup_data()[field]
    value = value[:3] + "\x00" + value[3:]
    response = client.post("/accounts/signup/", signup_data(**{field: value}))
    assert response.status_code == 200
    assert NULL in field_errors(response, field)
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("username", "a" * 10_000, "Ensure this value has at most 150 characters (it has 10000)."),
        ("display_name", "A" * 10_000, "Ensure this value has at most 60 characters"),
        ("email", "a" * 10_000 + "@example.com", "Ensure this value has at most 254 characters"),
    ],
)
def test_very_long_values_are_refused(client, field, value, message):
    response = client.post("/accounts/signup/", signup_data(**{field: value}))
    assert response.status_code == 200
    assert message in field_errors(response, field)
    assert not User.objects.exists()


def test_a_very_long_password_works(client, settings):
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS  # the real, slow hashing
    password = "long passphrase " * 6_000
    response = client.post("/accounts/signup/", signup_data(password1=password, password2=password))
    assert response.status_code == 302
    client.post("/accounts/logout/")
    response = sign_in(client, "alice", password)
    assert response.status_code == 302


def test_a_request_too_big_to_read_is_a_bad_request(client):
    response = client.post("/accounts/signup/", signup_data(display_name="A" * 3_000_000))
    assert response.status_code == 400
    assert not User.objects.exists()


def test_a_signed_in_person_opening_sign_up_is_sent_home(client):
    client.force_login(UserFactory(username="bob"))
    assert client.get("/accounts/signup/")["Location"] == "/"
    response = client.post("/accounts/signup/", signup_data())
    assert response.status_code == 302 and response["Location"] == "/"
    assert not User.objects.filter(username="alice").exists()
    assert signed_in_user(client).username == "bob"


# Sign in and out


def test_sign_in_shows_the_display_name_and_goes_to_next(client):
    UserFactory(username="bob", display_name="Bob Cratchit")
    data = {"username": "bob", "password": PASSWORD, "next": "/search/"}
    response = client.post("/accounts/login/?next=/search/", data)
    assert response["Location"] == "/search/"
    assert "Bob Cratchit" in header(client.get("/"))


def test_wrong_password_is_refused_plainly(client):
    UserFactory(username="bob")
    response = sign_in(client, "bob", "not it")
    assert response.status_code == 200
    assert "Please enter a correct username and password." in html(response)
    assert not signed_in_user(client).is_authenticated


@pytest.mark.parametrize("field", ["username", "password"])
def test_null_bytes_in_sign_in_are_refused(client, field):
    UserFactory(username="bob")
    data = {"username": "bob", "password": PASSWORD, field: "bo\x00b"}
    response = client.post("/accounts/login/", data)
    assert response.status_code == 200
    assert NULL in field_errors(response, field)


def test_sign_in_page_links_to_sign_up_and_password_reset(client):
    page = html(client.get("/accounts/login/", {"next": "/search/"}))
    assert '<a href="/accounts/signup/?next=/search/">Sign up</a>' in page
    assert '<a href="/accounts/password_reset/">Forgotten your password?</a>' in page


def test_sign_out_is_a_post_and_the_header_then_offers_sign_in(client):
    client.force_login(UserFactory(display_name="Bob Cratchit"))
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/", follow=True)
    assert response.redirect_chain == [("/", 302)]
    nav = header(response)
    assert "Bob Cratchit" not in nav and "Sign in" in nav


# Your account


def test_account_page_asks_to_sign_in_first(client):
    response = client.get("/accounts/profile/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/profile/"


def test_account_page_shows_the_details_and_links_to_password_change(client):
    client.force_login(UserFactory(username="bob", display_name="Bob Cratchit"))
    page = html(client.get("/accounts/profile/"))
    assert "<h1>Your account</h1>" in page
    assert "You sign in as <strong>bob</strong>" in page
    assert 'value="Bob Cratchit"' in page and 'value="bob@example.com"' in page
    assert '<a href="/accounts/password_change/">Change your password</a>' in page


def test_changing_display_name_and_email(client):
    user = UserFactory(display_name="Bob Cratchit")
    client.force_login(user)
    data = {"display_name": "Robert C.", "email": "robert@example.com",
            "current_password": PASSWORD}
    response = client.post("/accounts/profile/", data, follow=True)
    assert response.redirect_chain == [("/accounts/profile/", 302)]
    assert "Your changes are saved." in html(response)
    assert "Robert C." in header(response)
    user.refresh_from_db()
    assert (user.display_name, user.email) == ("Robert C.", "robert@example.com")


def test_a_new_email_address_needs_the_current_password(client):
    user = UserFactory(display_name="Bob", email="bob@example.com")
    client.force_login(user)
    for password in ["", "wrong"]:
        response = client.post("/accounts/profile/", {
            "display_name": "Bob", "email": "thief@example.com", "current_password": password})
        assert response.status_code == 200
        assert "To change your email address, enter your current password." in html(response)
    user.refresh_from_db()
    assert user.email == "bob@example.com"
    # The display name alone changes without it.
    client.post("/accounts/profile/", {"display_name": "Bobby", "email": "bob@example.com"})
    user.refresh_from_db()
    assert user.display_name == "Bobby"


def test_a_refused_change_is_not_shown_as_if_it_were_saved(client):
    user = UserFactory(display_name="Bob Cratchit", email="bob@example.com")
    client.force_login(user)
    data = {"display_name": "Robert C.", "email": "not an email"}
    response = client.post("/accounts/profile/", data)
    assert response.status_code == 200
    assert "Enter a valid email address." in field_errors(response, "email")
    assert "Bob Cratchit" in header(response) and "Robert C." not in header(response)
    user.refresh_from_db()
    assert (user.display_name, user.email) == ("Bob Cratchit", "bob@example.com")


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("display_name", "Bob\x00", NULL),
        ("email", "bob\x00@example.com", NULL),
        ("display_name", "B" * 10_000, "Ensure this value has at most 60 characters"),
        ("email", "b" * 10_000 + "@example.com", "Ensure this value has at most 254 characters"),
        ("display_name", "Bob\r\nCratchit", "cannot contain tabs, line breaks"),
        ("email", "", "This field is required."),
    ],
)
def test_bad_account_details_are_refused(client, field, value, message):
    user = UserFactory(display_name="Bob Cratchit", email="bob@example.com")
    client.force_login(user)
    data = {"display_name": "Bob Cratchit", "email": "bob@example.com", field: value}
    response = client.post("/accounts/profile/", data)
    assert response.status_code == 200
    assert message in field_errors(response, field)
    user.refresh_from_db()
    assert (user.display_name, user.email) == ("Bob Cratchit", "bob@example.com")


# Password change


def test_password_change_asks_to_sign_in_first(client):
    response = client.get("/accounts/password_change/")
    assert response["Location"] == "/accounts/login/?next=/accounts/password_change/"


def test_changing_the_password(client):
    user = UserFactory(username="bob", display_name="Bob Cratchit")
    client.force_login(user)
    page = html(client.get("/accounts/password_change/"))
    assert '<label for="id_old_password">' in page and '<label for="id_new_password1">' in page
    response = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert response.redirect_chain == [("/accounts/password_change/done/", 302)]
    assert "<h1>Password changed</h1>" in html(response)
    assert "Bob Cratchit" in header(response), "still signed in after the change"
    client.post("/accounts/logout/")
    assert sign_in(client, "bob", PASSWORD).status_code == 200
    assert sign_in(client, "bob", NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"old_password": "wrong"}, "old_password", "Your old password was entered incorrectly."),
        ({"new_password1": "x7-kite", "new_password2": "x7-kite"}, "new_password2",
         "This password is too short."),
        ({"new_password2": NEW_PASSWORD + "x"}, "new_password2",
         "The two password fields didn’t match."),
        ({"new_password1": "a\x00" + NEW_PASSWORD}, "new_password1", NULL),
        ({"old_password": "a\x00b"}, "old_password", NULL),
    ],
)
def test_password_change_refusals_say_why(client, data, field, message):
    user = UserFactory()
    client.force_login(user)
    data = {"old_password": PASSWORD, "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD, **data}
    response = client.post("/accounts/password_change/", data)
    assert response.status_code == 200
    assert message in field_errors(response, field)
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


# Password reset


def reset_link(message):
    match = re.search(r"http://testserver(/accounts/reset/[^/\s]+/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_password_reset_email_lets_the_person_set_a_new_password_and_sign_in(client):
    user = UserFactory(
        username="carol", display_name="Carol O'Brien & Co", email="carol@example.com"
    )
    assert '<label for="id_email">' in html(client.get("/accounts/password_reset/"))

    response = client.post("/accounts/password_reset/", {"email": "Carol@Example.com"}, follow=True)
    assert response.redirect_chain == [("/accounts/password_reset/done/", 302)]
    assert "<h1>Check your email</h1>" in html(response)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["carol@example.com"]
    assert message.subject == "Reset your password on Newsroom"
    assert message.body.startswith("Hello,\n")
    assert "Your username, in case you have forgotten it: carol" in message.body

    response = client.get(reset_link(message), follow=True)
    assert "<h1>Choose a new password</h1>" in html(response)
    set_password_url = response.redirect_chain[-1][0]
    response = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
    )
    assert response.redirect_chain == [("/accounts/reset/done/", 302)]
    assert "<h1>Password set</h1>" in html(response)
    assert 'href="/accounts/login/"' in html(response)

    assert sign_in(client, "carol", PASSWORD).status_code == 200
    response = sign_in(client, "carol", NEW_PASSWORD, follow=True)
    assert "Carol O'Brien & Co" in header(response)
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_the_reset_email_carries_no_display_name(client):
    # Display names are the reader's own words: in a mail from the site they could pose as
    # its instructions. The username (letters, digits and @.+-_) is all the mail names.
    UserFactory(username="carol", email="carol@example.com",
                display_name="Your account is locked: call +1 555 0100")
    client.post("/accounts/password_reset/", {"email": "carol@example.com"})
    body = mail.outbox[0].body
    # The name's own phrases: a short fragment like "555" can turn up in the random reset link.
    assert "account is locked" not in body and "555 0100" not in body
    assert "Your username, in case you have forgotten it: carol" in body


def test_a_reset_link_works_only_once(client):
    UserFactory(email="carol@example.com")
    client.post("/accounts/password_reset/", {"email": "carol@example.com"})
    link = reset_link(mail.outbox[0])
    set_password_url = client.get(link)["Location"]
    client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    other_browser = Client()
    response = other_browser.get(link, follow=True)
    assert "<h1>This link no longer works</h1>" in html(response)
    assert '<a href="/accounts/password_reset/">Ask for a new link</a>' in html(response)


def test_the_reset_email_names_the_site(client, settings):
    settings.SITE_NAME = "The Evening Bugle"
    UserFactory(email="carol@example.com")
    client.post("/accounts/password_reset/", {"email": "carol@example.com"})
    assert mail.outbox[0].subject == "Reset your password on The Evening Bugle"


def test_password_reset_does_not_tell_whether_an_address_has_an_account(client):
    data = {"email": "nobody@example.com"}
    response = client.post("/accounts/password_reset/", data, follow=True)
    assert response.redirect_chain == [("/accounts/password_reset/done/", 302)]
    assert "If an account uses the address you entered" in html(response)
    assert mail.outbox == []


@pytest.mark.parametrize(
    "email, message",
    [
        ("carol\x00@example.com", NULL),
        ("c" * 10_000 + "@example.com", "Ensure this value has at most 254 characters"),
        ("carol", "Enter a valid email address."),
    ],
)
def test_bad_reset_addresses_are_refused(client, email, message):
    UserFactory(email="carol@example.com")
    response = client.post("/accounts/password_reset/", {"email": email})
    assert response.status_code == 200
    assert message in field_errors(response, "email")
    assert mail.outbox == []


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/reset/MQ/not-a-token/",
        "/accounts/reset/MQ/set-password/",
        "/accounts/reset/" + "A" * 5000 + "/x/",
    ],
)
def test_broken_reset_links_say_so(client, path):
    UserFactory()
    response = client.get(path)
    assert response.status_code == 200
    assert "<h1>This link no longer works</h1>" in html(response)
