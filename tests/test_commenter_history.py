"""A commenter's history in the desk: one click from any of their comments, all their
comments (with the bulk actions), the decisions about them and their comments, the flags on
their comments and those they raised, in the same few queries however long their history."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comments import moderation
from comments.models import Comment, Commenter
from tests.factories import ArticleFactory, UserFactory, make_comment, moderator

pytestmark = pytest.mark.django_db
S = Comment.Status
LIST = "/admin/comments/comment/"


@pytest.fixture
def mod(client):
    user = moderator()
    client.force_login(user)
    return user


def history_of(html):
    found = re.search(r'<section class="commenter-history.*?</section>', html, re.S)
    assert found, "no history on the page"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(0)))


def test_the_history_is_one_click_from_their_comment_and_holds_everything(client, mod):
    article = ArticleFactory()
    troll = UserFactory(username="troll", display_name="Tro Ll")
    other = UserFactory(username="other")
    shown = make_comment(article, author=troll, body="Mildly annoying.")
    removed = make_comment(article, author=troll, body="Nasty words.")
    make_comment(article, author=other, body="Someone else entirely.")
    moderation.flag(shown, other, "off-topic")
    moderation.flag(make_comment(article, author=other, body="Other's words."), troll, "spam")
    moderation.decide(removed, "remove", mod, reason="abuse", note="Insults.")
    before = Commenter.objects.create(user=troll, premoderate=True)
    moderation.person_changed(None, before, mod)

    queue = client.get(LIST).content.decode()
    link = re.search(r'<a href="\?(author=troll)" title="This person’s history', queue)
    assert link, "the author column links to their history"
    page = client.get(f"{LIST}?{link.group(1)}").content.decode()
    text = history_of(page)
    assert "History of Tro Ll (troll)" in text
    assert "controls: always pre-moderated" in text
    assert "published 1, removed 1" in text
    assert "readers’ flags on them: 1" in text and "flags they raised: 1" in text
    assert "Removed" in text and "Abuse or harassment — Insults." in text
    assert "Pre-moderation on" in text and "them" in text
    # The list below is theirs alone, with the bulk actions.
    listed = [int(pk) for pk in re.findall(r'name="_selected_action" value="(\d+)"', page)]
    assert sorted(listed) == sorted([shown.pk, removed.pk])
    assert 'name="action"' in page and 'value="approve"' in page
    # From a comment's page in the desk, too.
    change = client.get(f"{LIST}{shown.pk}/change/").content.decode()
    assert f'href="{LIST}?author=troll">their history and all their comments' in change


def test_the_history_costs_the_same_queries_however_long(client, mod, django_assert_num_queries):
    article = ArticleFactory()
    troll = UserFactory(username="troll")
    moderation.flag(make_comment(article, author=troll), UserFactory(), "spam")  # flags read once
    client.get(f"{LIST}?author=troll")
    with CaptureQueriesContext(connection) as few:
        client.get(f"{LIST}?author=troll")
    for i in range(15):
        comment = make_comment(article, author=troll, body=f"More {i}")
        moderation.flag(comment, UserFactory(), "spam")
        moderation.decide(comment, "spam", mod)
    with django_assert_num_queries(len(few)):
        html = client.get(f"{LIST}?author=troll").content.decode()
    assert "Marked as spam" in history_of(html)


def test_no_history_for_an_unknown_name(client, mod):
    html = client.get(f"{LIST}?author=nobody").content.decode()
    assert "commenter-history" not in html


def test_a_guest_has_a_history_too_known_by_their_email_or_address(client, mod, settings):
    settings.COMMENTS_ALLOW_GUESTS = True
    article = ArticleFactory()
    first = make_comment(article, guest_name="Gus", guest_email="Gus@Example.com", body="First as Gus.")
    second = make_comment(article, guest_name="Gustav", guest_email="gus@example.com", body="Second, renamed.",
                          ip_address="203.0.113.5")
    make_comment(article, guest_name="Someone", guest_email="someone@example.com", body="Not Gus.")
    anonymous = make_comment(article, guest_name="No email", ip_address="198.51.100.7", body="From an address.")
    make_comment(article, author=UserFactory(), body="An account's.", ip_address="198.51.100.7")
    moderation.decide(second, "remove", mod, reason="spam", note="Shop links.")

    queue = client.get(LIST).content.decode()
    link = re.search(r'<a href="\?(guest_email=gus%40example.com)" title="This guest’s history', queue)
    assert link, "a guest's name links to their history"
    page = client.get(f"{LIST}?{link.group(1)}").content.decode()
    text = history_of(page)
    assert "History of a guest: the email address gus@example.com" in text
    assert re.search(r"Names used: Gus ?, Gustav ?\.", text) and "published 1, removed 1" in text
    assert "Spam — Shop links." in text and "flags they raised" not in text
    listed = [int(pk) for pk in re.findall(r'name="_selected_action" value="(\d+)"', page)]
    assert sorted(listed) == sorted([first.pk, second.pk])  # theirs alone, for bulk actions

    by_address = client.get(f"{LIST}?guest_ip=198.51.100.7").content.decode()
    assert "History of a guest: the IP address 198.51.100.7" in history_of(by_address)
    assert re.findall(r'name="_selected_action" value="(\d+)"', by_address) == [str(anonymous.pk)]
    change = client.get(f"{LIST}{anonymous.pk}/change/").content.decode()
    assert f'href="{LIST}?guest_ip=198.51.100.7">their history and all their comments' in change

    for nonsense in ("guest_ip=not-an-address", "guest_email=nobody%40example.com"):
        response = client.get(f"{LIST}?{nonsense}")
        assert response.status_code == 200 and "commenter-history" not in response.content.decode()
