"""Who may do what: the Moderators group, and every moderation action for anonymous visitors,
a reader, another reader (the comment's author), a moderator and a superuser."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group

from comments.models import Comment, Commenter, Flag, ModerationLog, Word
from tests.factories import ArticleFactory, StaffFactory, UserFactory, make_comment, moderator

pytestmark = pytest.mark.django_db
S = Comment.Status


def test_moderators_group_has_exactly_the_moderation_permissions():
    group = Group.objects.get(name="Moderators")
    assert sorted(group.permissions.values_list("content_type__app_label", "codename")) == sorted([
        ("comments", "view_comment"), ("comments", "moderate_comment"),
        ("comments", "view_flag"), ("comments", "view_moderationlog"), ("comments", "view_commentrevision"),
        ("comments", "add_word"), ("comments", "change_word"), ("comments", "delete_word"), ("comments", "view_word"),
        ("comments", "add_commenter"), ("comments", "change_commenter"), ("comments", "delete_commenter"),
        ("comments", "view_commenter"), ("newsroom", "view_article"),
    ])


def test_moderators_reach_nothing_else_in_the_admin(client):
    client.force_login(moderator())
    article = ArticleFactory()
    for url in ["/admin/newsroom/user/", "/admin/auth/group/", "/admin/newsroom/section/",
                "/admin/newsroom/article/add/", f"/admin/newsroom/article/{article.pk}/delete/",
                "/admin/newsroom/tag/", "/admin/newsroom/author/"]:
        assert client.get(url).status_code == 403, url
    html = client.get(f"/admin/newsroom/article/{article.pk}/change/").content.decode()
    assert 'name="_save"' not in html  # articles: read only
    client.post(f"/admin/newsroom/article/{article.pk}/change/", {"headline": "Changed"})
    article.refresh_from_db()
    assert article.headline != "Changed"


def test_staff_without_the_group_cannot_moderate(client):
    editor = UserFactory(is_staff=True)
    client.force_login(editor)
    assert client.get("/admin/comments/comment/").status_code == 403
    comment = make_comment(ArticleFactory(), author=UserFactory())
    assert client.post("/comments/moderate/", {"approve": comment.pk}).status_code == 403
    html = client.get(comment.article.get_absolute_url()).content.decode()
    assert "/comments/moderate/" not in html


# The matrix ---------------------------------------------------------------------------------

PERSONAS = ["anonymous", "reader", "author", "moderator", "superuser"]


@pytest.fixture
def world():
    article = ArticleFactory()
    author = UserFactory(username="author")
    comment = make_comment(article, author=author, body="Words under test.")
    return {
        "article": article, "author": author, "comment": comment,
        "removed": make_comment(article, author=author, status=S.REMOVED, body="Removed words."),
        "pending": make_comment(article, author=author, status=S.PENDING, body="Pending words."),
        "people": {
            "anonymous": None,
            "reader": UserFactory(username="reader"),
            "author": author,  # "another reader": the one who wrote the comment
            "moderator": moderator(),
            "superuser": StaffFactory(username="boss"),
        },
    }


def admin_action(name, target="comment", **extra):
    def act(client, w):
        return client.post("/admin/comments/comment/", {
            "action": name, ACTION_CHECKBOX_NAME: [w[target].pk], "index": 0, **extra})
    return act


def changed(target, status):
    return lambda w: Comment.objects.get(pk=w[target].pk).status == status


ACTIONS = {
    # name: (do it, did it happen?, what a moderator gets)
    "changelist": (lambda c, w: c.get("/admin/comments/comment/"), None, 200),
    "flagged queue": (lambda c, w: c.get("/admin/comments/comment/", {"queue": "flagged"}), None, 200),
    "change page": (lambda c, w: c.get(f"/admin/comments/comment/{w['comment'].pk}/change/"), None, 200),
    "bulk approve": (admin_action("approve", "pending"), changed("pending", S.PUBLISHED), 302),
    "bulk remove": (admin_action("remove", apply="1", reason="abuse"), changed("comment", S.REMOVED), 302),
    "bulk spam": (admin_action("mark_spam"), changed("comment", S.SPAM), 302),
    "bulk restore": (admin_action("restore", "removed"), changed("removed", S.PUBLISHED), 302),
    "bulk lock": (admin_action("lock_replies"), lambda w: Comment.objects.get(pk=w["comment"].pk).replies_locked, 302),
    "change page remove": (
        lambda c, w: c.post(f"/admin/comments/comment/{w['comment'].pk}/moderate/", {"action": "remove", "reason": "hate"}),
        changed("comment", S.REMOVED), 302),
    "moderation log": (lambda c, w: c.get("/admin/comments/moderationlog/"), None, 200),
    "add banned word": (
        lambda c, w: c.post("/admin/comments/word/add/", {"text": "vermin", "kind": "banned"}),
        lambda w: Word.objects.exists(), 302),
    "ban a person": (
        lambda c, w: c.post("/admin/comments/commenter/add/", {"username": "author", "banned": "on", "note": ""}),
        lambda w: Commenter.objects.filter(banned=True).exists(), 302),
    "site approve": (lambda c, w: c.post("/comments/moderate/", {"approve": w["comment"].pk}),
                     lambda w: ModerationLog.objects.filter(action="approve").exists(), 302),
    "site remove": (lambda c, w: c.post("/comments/moderate/", {"remove": w["comment"].pk, "reason": "spam"}),
                    changed("comment", S.REMOVED), 302),
    "site lock": (lambda c, w: c.post("/comments/moderate/", {"lock": w["comment"].pk}),
                  lambda w: Comment.objects.get(pk=w["comment"].pk).replies_locked, 302),
}


def expected(persona, moderator_gets, on_site):
    if persona in ("moderator", "superuser"):
        return moderator_gets
    if persona == "anonymous":
        return "login"
    return 403 if on_site else "login"  # readers are sent to the admin's sign-in page


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_permission_matrix(client, world, persona, action):
    do, happened, moderator_gets = ACTIONS[action]
    user = world["people"][persona]
    if user:
        client.force_login(user)
    response = do(client, world)
    on_site = action.startswith("site")
    want = expected(persona, moderator_gets, on_site)
    if want == "login":
        assert response.status_code == 302
        assert "/login/" in response["Location"], response["Location"]
    else:
        assert response.status_code == want, response.content[:300]
    if happened is not None:
        assert happened(world) == (persona in ("moderator", "superuser"))


FLAG_OUTCOMES = {"anonymous": "login", "reader": 302, "author": 403, "moderator": 302, "superuser": 302}


@pytest.mark.parametrize("persona", PERSONAS)
def test_flag_matrix(client, world, persona):
    user = world["people"][persona]
    if user:
        client.force_login(user)
    url = f"/comments/{world['comment'].pk}/flag/"
    get = client.get(url)
    response = client.post(url, {"reason": "spam"})
    want = FLAG_OUTCOMES[persona]
    if want == "login":
        assert get.status_code == response.status_code == 302 and "/login/" in response["Location"]
    elif want == 403:
        assert get.status_code == response.status_code == 403
        assert "your own comment" in response.content.decode()
    else:
        assert get.status_code == 200 and response.status_code == 302
    assert Flag.objects.filter(user=user).exists() == (want == 302) if user else not Flag.objects.exists()
