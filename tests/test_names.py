"""Names that cannot impersonate: invisible and text-direction characters, reserved words and
staff members' names (and anything confusable with them) are refused wherever a name is set;
names render inside <bdi>, and staff carry a mark drawn from their role."""

from html import unescape

import pytest
from django.core.management import call_command

from comments.models import Comment
from newsroom import names
from newsroom.models import User
from tests.factories import (
    ArticleFactory, StaffFactory, UserFactory, field_errors as errors, make_comment, signup_data,
)

pytestmark = pytest.mark.django_db

CYRILLIC_A, CYRILLIC_O, CYRILLIC_E, CYRILLIC_T = "\u0430", "\u043e", "\u0435", "\u0422"


def sign_up(client, **changes):
    return client.post("/accounts/signup/", signup_data(**changes))


@pytest.mark.parametrize("name, shown", [
    ("Bob\u202etob", "U+202E, RIGHT-TO-LEFT OVERRIDE"),
    ("Bob\u200dby", "U+200D, ZERO WIDTH JOINER"),
    ("\u2066Bob", "U+2066, LEFT-TO-RIGHT ISOLATE"),
    ("Bob\u3164", "U+3164, HANGUL FILLER"),
    ("Bob\u2028Smith", "U+2028, LINE SEPARATOR"),
])
def test_sign_up_refuses_invisible_and_direction_characters_in_a_display_name(client, name, shown):
    response = sign_up(client, display_name=name)
    assert response.status_code == 200
    assert shown in errors(response, "display_name")
    assert not User.objects.exists()


@pytest.mark.parametrize("name", [
    "Moderator (staff)", "The Editor", "Site admins", "m0derator", "MODERATOR",
    f"Th{CYRILLIC_E} {CYRILLIC_E}ditor", f"{CYRILLIC_T}he M{CYRILLIC_O}derator", "Mödërätor",
    "M.o.d.e.r.a.t.o.r", "Newsroom", "news room team",
])
def test_sign_up_refuses_display_names_that_pass_for_the_site(client, name):
    response = sign_up(client, display_name=name)
    assert "readers would take you for the site's staff" in errors(response, "display_name")
    assert not User.objects.exists()


@pytest.mark.parametrize("username", [f"{CYRILLIC_E}ditor", f"m{CYRILLIC_O}derator", "site_admin", "staff1"])
def test_sign_up_refuses_usernames_that_pass_for_the_site(client, username):
    response = sign_up(client, username=username)
    assert "readers would take you for the site's staff" in errors(response, "username")
    assert not User.objects.exists()


def test_the_site_name_is_reserved_whatever_it_is(client, settings):
    settings.SITE_NAME = "The Evening Bugle"
    assert "The Evening Bugle" in errors(sign_up(client, display_name="The Evening Bugle desk"), "display_name")
    settings.NAMES_RESERVED = ["ombudsman"]
    assert "ombudsman" in errors(sign_up(client, display_name="Ombudsman Alice"), "display_name")
    assert sign_up(client, display_name="The Editor").status_code == 302  # no longer reserved


@pytest.mark.parametrize("name", [
    "Maria Keller", "maria-keller", "MARIA KELLER", f"M{CYRILLIC_A}ria K{CYRILLIC_E}ller", "Maria Keller 2",
])
def test_a_name_confusable_with_a_staff_members_is_refused(client, name):
    StaffFactory(username="mkeller", display_name="Maria Keller")
    response = sign_up(client, display_name=name)
    assert "That name looks like a member of staff's" in errors(response, "display_name")
    response = sign_up(client, username="mkeIler")  # a capital I for an l
    assert "That name looks like a member of staff's" in errors(response, "username")
    assert User.objects.count() == 1


@pytest.mark.parametrize("name", [
    "Alice Liddell", "José Ñúñez", "李小龍", "محمد عبد الله", "Stafford Cripps", "Badminton fan",
    "Zoë 🙂", "Editorial cartoons fan",
])
def test_ordinary_names_in_any_script_are_accepted(client, name):
    StaffFactory(username="mkeller", display_name="Maria Keller")
    response = sign_up(client, display_name=name)
    assert response.status_code == 302, errors(response, "display_name")
    assert User.objects.get(username="alice").display_name == name


def test_the_account_page_applies_the_same_rules(client):
    StaffFactory(username="mkeller", display_name="Maria Keller")
    reader = UserFactory(display_name="Bob", email="bob@example.com")
    client.force_login(reader)
    for name, message in [("Maria Keller", "looks like a member of staff's"),
                          ("Bob (moderator)", "readers would take you for the site's staff"),
                          ("\u202eBob", "text-direction characters")]:
        response = client.post("/accounts/profile/", {"display_name": name, "email": "bob@example.com"})
        assert message in errors(response, "display_name")
    reader.refresh_from_db()
    assert reader.display_name == "Bob"


def test_staff_may_keep_a_reserved_word_in_their_own_name(client):
    moderator = StaffFactory(username="moderator", display_name="The Moderator", email="mod@example.com")
    client.force_login(moderator)
    response = client.post("/accounts/profile/", {"display_name": "The Moderator (night desk)",
                                                  "email": "mod@example.com"})
    assert response.status_code == 302
    moderator.refresh_from_db()
    assert moderator.display_name == "The Moderator (night desk)"


def admin_change(client, user, **changes):
    data = {"username": user.username, "email": user.email, "display_name": user.display_name,
            "is_active": "on", "date_joined_0": "2026-01-01", "date_joined_1": "10:00:00",
            "initial-date_joined_0": "2026-01-01", "initial-date_joined_1": "10:00:00", **changes}
    return client.post(f"/admin/newsroom/user/{user.pk}/change/", data)


def test_the_admin_user_form_applies_the_same_rules(client):
    editor = StaffFactory(username="editor", display_name="The Editor")
    reader = UserFactory(username="bob", display_name="Bob")
    client.force_login(editor)
    response = admin_change(client, reader, display_name="Thе Editor")  # Cyrillic е
    assert response.status_code == 200
    assert "looks like it: readers would take you for the site's staff" in unescape(response.content.decode())
    response = admin_change(client, reader, username=f"{CYRILLIC_E}ditor")
    assert response.status_code == 200
    reader.refresh_from_db()
    assert (reader.username, reader.display_name) == ("bob", "Bob")
    # Made staff in the same change, the account may be called a moderator.
    response = admin_change(client, reader, display_name="Moderator Bob", is_staff="on")
    assert response.status_code == 302
    reader.refresh_from_db()
    assert reader.display_name == "Moderator Bob" and reader.is_staff


def test_guest_names_follow_the_same_rules(client, settings):
    settings.COMMENTS_ALLOW_GUESTS = True
    StaffFactory(username="mkeller", display_name="Maria Keller")
    article = ArticleFactory()
    url = f"/comments/article/{article.pk}/"
    for name in ["Maria Kellеr", "Moderator", "Gus\u202e"]:
        response = client.post(url, {"guest_name": name, "body": "Hello"})
        assert response.status_code == 400
        assert errors(response, "guest_name")
        assert "Hello" in response.content.decode()  # the text survives the refusal
    assert not Comment.objects.exists()
    assert client.post(url, {"guest_name": "Gus", "body": "Hello"}).status_code == 302


def test_names_render_isolated_and_staff_carry_a_mark_no_name_can_copy(client):
    article = ArticleFactory()
    editor = StaffFactory(username="editor", display_name="Maria Keller")
    reader = UserFactory(username="rashid", display_name="رشيد")
    make_comment(article, author=reader, body="First")
    make_comment(article, author=editor, body="Second")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "<b><bdi>رشيد</bdi></b> <time" in html  # no mark for a reader
    assert ('<b><bdi>Maria Keller</bdi> <span class="staff-mark" '
            'title="A member of the site’s staff">Staff</span></b>') in html
    assert html.count('class="staff-mark"') == 1


def test_skeletons_follow_unicode_confusables():
    assert names.skeleton("раураl") == names.skeleton("paypal")  # Cyrillic а, р, у
    assert names.skeleton("ℯditor") == names.skeleton("editor")
    assert names.skeleton("rn") == names.skeleton("m")
    assert names.skeleton("editor") != names.skeleton("edit0r")


def test_check_names_lists_stored_names_the_rules_would_refuse(capsys):
    StaffFactory(username="editor", display_name="The Editor")
    UserFactory(username="imposter", display_name="Thе Editor")  # stored before the rules
    UserFactory(username="fine", display_name="Fine Name")
    with pytest.raises(SystemExit) as exit:
        call_command("check_names")
    assert exit.value.code == 1
    out = capsys.readouterr().out
    assert "imposter" in out and "fine" not in out and "editor:" not in out


def test_the_moderators_desk_isolates_names_too(client):
    article = ArticleFactory()
    make_comment(article, author=UserFactory(username="rashid", display_name="رشيد"), body="First")
    make_comment(article, guest_name="غيث", body="Second", status=Comment.Status.PENDING)
    client.force_login(StaffFactory())
    html = client.get("/admin/comments/comment/").content.decode()
    assert "<bdi>رشيد</bdi></a>" in html and "<bdi>غيث</bdi> <small>(guest)</small>" in html


def test_a_name_from_before_the_rules_stays_and_the_rest_of_the_account_can_change(client):
    reader = UserFactory(username="bob", display_name="Bob the Moderator", email="bob@example.com")
    client.force_login(reader)
    response = client.post("/accounts/profile/", {"display_name": "Bob the Moderator", "email": "bob@example.com"})
    assert response.status_code == 302
    response = client.post("/accounts/profile/", {"display_name": "Bob the Moderator!", "email": "bob@example.com"})
    assert "readers would take you for the site's staff" in errors(response, "display_name")


def test_the_page_header_isolates_the_signed_in_name(client):
    client.force_login(UserFactory(display_name="רות כהן"))
    html = client.get("/").content.decode()
    assert '<span class="visually-hidden">Your account: </span><bdi>רות כהן</bdi></a>' in html
