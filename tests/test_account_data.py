"""Download my data, and Delete my account: what is erased, what stays, and that the trees and
the public counts are right afterwards (comments.checks, the tree checker)."""

import json
import random
import threading
import time
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from comments import actions, checks, moderation
from comments.errors import NotAllowed
from comments.models import Comment, CommentRevision, Commenter, Flag, ModerationLog, Recommendation
from newsroom import privacy
from newsroom.models import Article, User
from newsroom.names import DELETED_NAME
from notifications.models import Follow, Notification, NotificationSettings
from tests.factories import PASSWORD, ArticleFactory, StaffFactory, UserFactory, make_comment, moderator
from tests.test_concurrency import racing, run_workers
from tests.test_mixed_races import (
    Pool,
    act_at_random,
    reply_and_note_when,
    replies_under_hidden_parents,
    stale_log_entries,
)

pytestmark = pytest.mark.django_db
S = Comment.Status


@pytest.fixture
def article():
    return ArticleFactory(headline="Bridge reopens")


@pytest.fixture
def rita(client):
    user = UserFactory(username="rita", display_name="Rita Rivers", email="rita@example.com")
    client.force_login(user)
    return user


@pytest.fixture
def conversation(article, rita):
    """Rita's comments among other people's: a thread she started with replies by others (one
    answering a reply of hers), a reply of hers in someone else's thread, one held, one
    removed, one she edited, her recommendation and flag, and a moderator's note about her."""
    olga, pavel = UserFactory(display_name="Olga"), UserFactory(display_name="Pavel")
    root = make_comment(article, author=rita, body="Rita starts a thread.", ip_address="192.0.2.10")
    olga_reply = make_comment(parent=root, author=olga, body="Olga answers Rita.")
    ritas_reply = make_comment(parent=olga_reply, author=rita, body="Rita answers Olga.", ip_address="192.0.2.11")
    make_comment(parent=ritas_reply, author=pavel, body="Pavel answers Rita.")
    pavels = make_comment(article, author=pavel, body="Pavel's own thread.")
    in_pavels = make_comment(parent=pavels, author=rita, body="Rita in Pavel's thread.", ip_address="192.0.2.12")
    held = make_comment(article, author=rita, body="Rita's held words.", status=S.PENDING, ip_address="192.0.2.13")
    removed = make_comment(article, author=rita, body="Rita's removed words.", ip_address="192.0.2.14")
    moderation.decide(removed, "remove", moderator(), reason="abuse", note="Rita Rivers again, see her email.")
    actions.edit_comment(in_pavels, rita, "Rita in Pavel's thread, edited.")
    actions.recommend(pavels, rita)
    moderation.flag(make_comment(article, author=olga, body="Olga's rant."), rita, "other", note="Rita thinks so.")
    Commenter.objects.create(user=rita, premoderate=False, note="Rita: lives in Leeds.")
    actions.log_about(ModerationLog.Action.SUSPEND, person=rita, moderator=moderator(),
                      note="Suspended: Rita Rivers posted her neighbour's address.")
    NotificationSettings.objects.update_or_create(
        user=rita, defaults={"reply_mails": False, "digest": NotificationSettings.Digest.HOURLY,
                             "confirmed_email": "rita@example.com"})
    Follow.objects.create(user=rita, article=article, scope=Follow.Scope.ALL)
    Notification.objects.create(recipient=rita, comment=olga_reply, kind=Notification.Kind.REPLY)
    return {"root": root, "ritas_reply": ritas_reply, "in_pavels": in_pavels, "held": held,
            "removed": removed, "pavels": pavels}


def assert_trees_and_counts_are_right():
    report = checks.check()
    assert report.ok, "\n".join(map(str, report.tree_problems + report.count_problems))


def published_count(article):
    return Comment.objects.filter(article=article, status=S.PUBLISHED).count()


# Download my data ----------------------------------------------------------------------------

def test_download_gives_the_account_and_everything_it_wrote_and_did(client, rita, article, conversation):
    response = client.get("/accounts/data/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="account-rita.json"'
    assert "private" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    data = json.loads(response.content)

    assert data["account"]["username"] == "rita" and data["account"]["email"] == "rita@example.com"
    assert data["account"]["display_name"] == "Rita Rivers"
    texts = {comment["text"]: comment for comment in data["comments"]}
    assert set(texts) == {"Rita starts a thread.", "Rita answers Olga.", "Rita in Pavel's thread, edited.",
                          "Rita's held words.", "Rita's removed words."}
    root = texts["Rita starts a thread."]
    assert root["article"] == {"headline": "Bridge reopens",
                               "url": f"http://testserver{article.get_absolute_url()}"}
    assert root["url"] == f"http://testserver/comments/{conversation['root'].pk}/in-context/"
    assert root["ip_address"] == "192.0.2.10" and root["status"] == "Published"
    assert texts["Rita answers Olga."]["in_reply_to"] is not None
    assert texts["Rita's held words."]["status"] == "Pending" and texts["Rita's held words."]["url"] is None
    assert [version["text"] for version in texts["Rita in Pavel's thread, edited."]["earlier_versions"]] == [
        "Rita in Pavel's thread."]
    assert [item["comment"] for item in data["recommendations"]] == [conversation["pavels"].pk]
    assert [(flag["reason"], flag["note"]) for flag in data["flags"]] == [("Other (please say what)", "Rita thinks so.")]
    mail = data["notification_settings"]
    assert (mail["reply_mails"], mail["digest"], mail["confirmed_email"]) == (False, "Every hour", "rita@example.com")
    assert mail["following"][0]["article"]["headline"] == "Bridge reopens"
    assert mail["following"][0]["scope"] == "Every comment, replies included"
    assert [(item["comment"], item["kind"]) for item in mail["mails"]] == [
        (Comment.objects.get(body="Olga answers Rita.").pk, "Reply to their comment")]
    assert "Olga answers Rita." not in response.content.decode()  # other people's words
    assert "Leeds" not in response.content.decode()  # the moderators' note is theirs


def test_download_needs_the_account_and_costs_the_same_whatever_it_holds(client, rita, django_assert_num_queries):
    assert Client().get("/accounts/data/").status_code == 302
    article = ArticleFactory()
    for count in (2, 20):
        for number in range(count):
            make_comment(article, author=rita, body=f"Comment {count}-{number}.")
        # The session, the user, then comments (with their articles), earlier versions,
        # moderators' standing, recommendations, flags, notification settings, follows (with
        # their articles), mails.
        with django_assert_num_queries(10):
            response = client.get("/accounts/data/")
        assert len(json.loads(response.content)["comments"]) == count + (2 if count == 20 else 0)


# Delete my account ---------------------------------------------------------------------------

def delete(client, choice, password=PASSWORD):
    return client.post("/accounts/delete/", {"comments": choice, "password": password})


def test_deleting_and_keeping_the_comments_erases_the_person_and_leaves_the_conversation(client, rita, article, conversation):
    other_reader = Client()
    other_reader.force_login(rita)  # another device, still signed in
    anonymous_before = Client().get(article.get_absolute_url()).content.decode()
    assert "Rita Rivers" in anonymous_before
    taken_back = make_comment(article, author=rita, body="Words she took back.")
    actions.delete_comment(taken_back, rita)
    count_before = Article.objects.get(pk=article.pk).comment_count

    response = delete(client, privacy.KEEP)
    assert response.status_code == 302 and response["Location"] == "/"
    page = Client().get(article.get_absolute_url()).content.decode()  # the cached copy moved on
    assert "Rita Rivers" not in page
    assert page.count(f"<b><bdi>{DELETED_NAME}</bdi></b>") == 3  # her published comments, in place
    assert "Rita starts a thread." in page and "Pavel answers Rita." in page

    account = User.objects.get(pk=rita.pk)
    assert (account.username, account.display_name, account.email) == (f"[deleted {rita.pk}]", DELETED_NAME, "")
    assert not account.is_active and not account.has_usable_password() and account.last_login is None
    assert not Comment.objects.filter(author=rita, ip_address__isnull=False).exists()
    assert Comment.objects.filter(author=rita, status=S.PUBLISHED).count() == 3
    assert Comment.objects.get(pk=taken_back.pk).body == ""  # what she had deleted loses its words
    assert Comment.objects.get(pk=conversation["root"].pk).body == "Rita starts a thread."
    assert Article.objects.get(pk=article.pk).comment_count == count_before == published_count(article)
    assert_trees_and_counts_are_right()

    # The moderation log keeps the decision, without the note that named her.
    entry = ModerationLog.objects.get(comment=conversation["removed"], action="remove")
    assert (entry.reason, entry.note, entry.status_before, entry.status_after) == ("abuse", "", "published", "removed")
    assert entry.moderator is not None
    about_her = ModerationLog.objects.get(person=rita)  # about the person, not a comment
    assert (about_her.action, about_her.note, about_her.moderator.username) == ("suspend", "", "mod")
    # Her recommendation still counts; her flag still holds, without her words.
    assert Recommendation.objects.filter(comment=conversation["pavels"]).count() == 1
    assert Comment.objects.get(pk=conversation["pavels"].pk).recommend_count == 1
    assert Flag.objects.get(user=rita).note == ""
    assert not Commenter.objects.filter(user=rita).exists()
    assert not NotificationSettings.objects.filter(user=rita).exists()
    assert not Follow.objects.filter(user=rita).exists() and not Notification.objects.filter(recipient=rita).exists()

    # Signed out everywhere, and she cannot sign in again.
    assert "Rita Rivers" not in other_reader.get("/").content.decode()
    assert other_reader.get("/accounts/comments/").status_code == 302
    assert not Client().login(username="rita", password=PASSWORD)
    assert not Client().login(username=f"[deleted {rita.pk}]", password=PASSWORD)


def test_deleting_and_withdrawing_the_comments_keeps_other_peoples_replies_in_place(client, rita, article, conversation):
    anonymous = Client()
    anonymous.get(article.get_absolute_url())  # cached, to be moved on
    response = delete(client, privacy.WITHDRAW)
    assert response.status_code == 302

    page = anonymous.get(article.get_absolute_url()).content.decode()
    assert "Rita" not in page.replace("Olga answers Rita.", "").replace("Pavel answers Rita.", "")
    assert DELETED_NAME not in page
    # Her thread and her reply stay as placeholders, with the replies to them in place (her
    # reply that had none is simply gone).
    assert page.count("This comment was deleted by its author.") == 2
    assert "Rita in Pavel" not in page and "s own thread." in page
    root, ritas_reply = conversation["root"], conversation["ritas_reply"]
    olga_reply = Comment.objects.get(body="Olga answers Rita.")
    assert page.index(f'id="comment-{root.pk}"') < page.index(f'id="comment-{olga_reply.pk}"') \
        < page.index(f'id="comment-{ritas_reply.pk}"') < page.index("Pavel answers Rita.")

    mine = Comment.objects.filter(author=rita)
    assert {comment.body for comment in mine} == {""}
    assert not mine.filter(ip_address__isnull=False).exists()
    assert not CommentRevision.objects.filter(comment__author=rita).exists()
    statuses = dict(mine.values_list("pk", "status"))
    assert statuses[conversation["held"].pk] == statuses[root.pk] == S.DELETED
    # A moderator's removal stands: withdrawn, still removed, and logged as such.
    removed = Comment.objects.get(pk=conversation["removed"].pk)
    assert removed.status == S.REMOVED and removed.withdrawn_at is not None
    assert list(ModerationLog.objects.filter(comment=removed).values_list("action", "note", flat=False)
                .order_by("created_at", "id")) == [("remove", ""), ("withdraw", "")]
    assert ModerationLog.objects.filter(comment=root, action="delete", moderator=None).exists()

    assert Article.objects.get(pk=article.pk).comment_count == published_count(article) == 4
    assert_trees_and_counts_are_right()


def test_deletion_goes_thread_group_by_thread_group_and_the_trees_stay_right(client, rita, monkeypatch):
    monkeypatch.setattr(moderation, "THREADS_PER_TRANSACTION", 2)
    articles = [ArticleFactory() for _ in range(3)]
    for number in range(7):
        article = articles[number % 3]
        parent = make_comment(article, author=UserFactory(), body=f"Thread {number}.")
        mine = make_comment(parent=parent, author=rita, body=f"Mine {number}.", ip_address="192.0.2.1")
        make_comment(parent=mine, author=UserFactory(), body=f"Answer {number}.")
    assert delete(client, privacy.WITHDRAW).status_code == 302
    assert not Comment.objects.filter(author=rita).exclude(status=S.DELETED).exists()
    assert not Comment.objects.filter(author=rita, ip_address__isnull=False).exists()
    for article in articles:
        assert Article.objects.get(pk=article.pk).comment_count == published_count(article)
    assert Comment.objects.filter(status=S.PUBLISHED).count() == 14
    assert_trees_and_counts_are_right()


@pytest.mark.parametrize("choice", [privacy.KEEP, privacy.WITHDRAW])
def test_deletion_costs_the_same_queries_whatever_the_number_of_comments(choice):
    counted = []
    for size in (2, 12):
        person = UserFactory()
        article = ArticleFactory()
        for number in range(size):
            make_comment(article, author=person, body=f"Words {number}.", ip_address="192.0.2.1")
        with CaptureQueriesContext(connection) as queries:
            privacy.delete_account(person, withdraw=choice == privacy.WITHDRAW)
        counted.append([query["sql"] for query in queries])
    assert len(counted[0]) == len(counted[1]), "\n".join(counted[1])
    assert_trees_and_counts_are_right()


def test_a_post_from_another_tab_after_the_deletion_began_is_refused(rita, article):
    """The other tab read the account before the deletion; its comment reaches the database
    after: the account is closed by then, so nothing of the person is left behind."""
    other_tab = User.objects.get(pk=rita.pk)
    privacy.delete_account(rita, withdraw=False)
    with pytest.raises(NotAllowed, match="This account is closed"):
        actions.post_comment(article=article, author=other_tab, body="Sent from the other tab.",
                             ip_address="192.0.2.99")
    assert not Comment.objects.filter(author=rita).exists()


def test_a_failed_deletion_leaves_the_account_open_to_try_again(rita, article, monkeypatch):
    make_comment(article, author=rita, ip_address="192.0.2.1")

    def broken(user):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(privacy, "erase", broken)
    with pytest.raises(RuntimeError):
        privacy.delete_account(rita, withdraw=False)
    account = User.objects.get(pk=rita.pk)
    assert account.is_active and account.username == "rita"
    assert actions.post_comment(article=article, author=account, body="Still here.", ip_address="192.0.2.1")


def test_a_wrong_password_or_no_choice_changes_nothing(client, rita, article, conversation):
    response = delete(client, privacy.WITHDRAW, password="not it")
    assert response.status_code == 400 and "That is not your password." in response.content.decode()
    response = client.post("/accounts/delete/", {"password": PASSWORD})
    assert response.status_code == 400 and "Please choose what happens to your comments." in response.content.decode()
    account = User.objects.get(pk=rita.pk)
    assert account.is_active and account.email == "rita@example.com"
    assert Comment.objects.get(pk=conversation["root"].pk).body == "Rita starts a thread."


def test_staff_cannot_delete_themselves_this_way(client, article):
    for staff in (StaffFactory(), moderator()):
        client.force_login(staff)
        make_comment(article, author=staff, body="Staff words.")
        page = client.get("/accounts/delete/")
        assert "Staff accounts cannot be deleted here" in page.content.decode()
        assert 'name="password"' not in page.content.decode()
        response = delete(client, privacy.WITHDRAW)
        assert response.status_code == 403
        assert "Staff accounts cannot be deleted here" in response.content.decode()
        assert User.objects.get(pk=staff.pk).is_active
    assert Comment.objects.filter(body="Staff words.", status=S.PUBLISHED).count() == 2


def test_nobody_can_take_the_deleted_accounts_name(client, rita):
    response = client.post("/accounts/profile/", {"display_name": "[Deleted Account]", "email": rita.email})
    assert response.status_code == 200
    assert "readers would take you for an account that was deleted" in response.content.decode()
    assert User.objects.get(pk=rita.pk).display_name == "Rita Rivers"


def test_check_names_passes_over_deleted_accounts(client, rita):
    assert delete(client, privacy.KEEP).status_code == 302
    out = StringIO()
    call_command("check_names", stdout=out)
    assert "Every stored name passes the rules." in out.getvalue()


# Racing other writers (PostgreSQL: SQLite runs one writer at a time) ---------------------------

@racing
@pytest.mark.parametrize("choice", [privacy.KEEP, privacy.WITHDRAW])
def test_deleting_an_account_while_others_reply_and_moderate_keeps_trees_counts_and_log_right(choice, monkeypatch):
    monkeypatch.setattr(moderation, "THREADS_PER_TRANSACTION", 3)  # several transactions
    article = ArticleFactory()
    person, others, mod = UserFactory(display_name="Rita Rivers"), [UserFactory() for _ in range(4)], moderator()
    comments = []
    for number in range(8):
        root = actions.post_comment(article=article, author=person if number % 2 else others[0],
                                    body=f"Thread {number}.", ip_address="192.0.2.1")
        middle = actions.post_comment(article=article, parent=root, body=f"Middle {number}.",
                                      author=others[1] if number % 2 else person, ip_address="192.0.2.2")
        comments += [root, middle]
    pool, outcomes = Pool(comments), Counter()

    def work(number):
        def act(target, roll, rng, step):
            if roll < 0.6:
                pool.reply(target, rng.choice(others), f"W{number} s{step}.")
                outcomes["replied"] += 1
            elif roll < 0.75:
                moderation.decide(target, "remove", mod, reason="abuse")
            elif roll < 0.85:
                actions.recommend(target, rng.choice(others))
            else:
                moderation.decide_many(pool.pick(rng, 3), rng.choice(["remove", "restore"]), mod, reason="abuse")

        if number == 0:
            time.sleep(0.05)
            privacy.delete_account(person, withdraw=choice == privacy.WITHDRAW)
            outcomes["deleted"] += 1
        else:
            act_at_random(pool, number, 25, act, outcomes)

    run_workers(5, work)
    assert outcomes["deleted"] == 1 and outcomes["replied"]
    theirs = Comment.objects.filter(author=person)
    assert not theirs.filter(ip_address__isnull=False).exists()
    if choice == privacy.WITHDRAW:
        assert not theirs.exclude(body="").exists() and not theirs.filter(status=S.PUBLISHED).exists()
    else:  # what the public sees of the threads moved after the name changed
        page = Client().get(article.get_absolute_url()).content.decode()
        assert "Rita Rivers" not in page
        assert f"<b><bdi>{DELETED_NAME}</bdi></b>" in page
    assert replies_under_hidden_parents(pool.accepted) == []
    assert stale_log_entries() == []
    assert_trees_and_counts_are_right()


@racing
def test_a_comment_under_way_in_another_tab_when_the_deletion_starts_is_forgotten_too(monkeypatch):
    """The post has passed its checks and is inside its transaction when the deletion starts,
    and commits only later: it is forgotten with the rest, never left with its address."""
    article, person = ArticleFactory(), UserFactory(display_name="Rita Rivers")
    make_comment(article, author=person, body="An earlier comment.", ip_address="192.0.2.1")
    inside, real_hit = threading.Event(), actions.ratelimit.hit

    def slow_hit(*args):  # the posting transaction, past its checks, paused just before its insert
        inside.set()
        time.sleep(0.5)
        return real_hit(*args)

    monkeypatch.setattr(actions.ratelimit, "hit", slow_hit)

    def work(number):
        if number == 0:
            actions.post_comment(article=article, author=person, body="From the other tab.",
                                 ip_address="192.0.2.99")
        else:
            assert inside.wait(timeout=10)
            privacy.delete_account(User.objects.get(pk=person.pk), withdraw=True)

    run_workers(2, work)
    theirs = Comment.objects.filter(author=person)
    assert theirs.count() == 2
    assert not theirs.filter(ip_address__isnull=False).exists() and not theirs.exclude(body="").exists()
    assert_trees_and_counts_are_right()


@racing
def test_renaming_an_account_while_others_reply_in_its_threads_never_deadlocks():
    articles = [ArticleFactory() for _ in range(2)]
    person, others = UserFactory(display_name="Rita Rivers"), [UserFactory() for _ in range(3)]
    roots = [actions.post_comment(article=articles[number % 2], author=person, body=f"Thread {number}.",
                                  ip_address="192.0.2.1") for number in range(6)]
    accepted, failures = [], []

    def work(number):
        rng = random.Random(number)
        try:
            for step in range(15):
                if number == 0:  # as the profile page and the admin save it: in a transaction
                    with transaction.atomic():
                        person.display_name = f"Rita Rivers {step}"
                        person.save()
                else:
                    reply_and_note_when(rng.choice(roots), rng.choice(others), f"W{number} s{step}.", accepted)
        except Exception as error:  # a deadlock here is what readers would get as a 500
            failures.append(error)

    run_workers(4, work)
    assert not failures
    page = Client().get(articles[0].get_absolute_url()).content.decode()
    assert "Rita Rivers 14" in page and "Rita Rivers 13<" not in page
