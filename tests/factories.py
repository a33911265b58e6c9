import re
from datetime import timedelta
from html import unescape

import factory
from django.utils import timezone

from comments import actions, moderation, tree
from comments.models import Comment
from comments.permissions import moderators_group
from newsroom.models import Article, Author, Section, Tag, User
from newsroom.text import render_comment

PASSWORD = "correct horse battery staple"  # every UserFactory account's
NEW_PASSWORD = "plum-kettle-orbit-97"  # one a new account chooses (the password rules take it)
# A comment the shipped abuse model scores past COMMENTS_ABUSE_HOLD: its writer is nudged first.
INSULT = "You are a pathetic moron and a liar, nobody cares what you think."


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"reader{n}")
    display_name = factory.Faker("name")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password(PASSWORD)


class StaffFactory(UserFactory):
    username = factory.Sequence(lambda n: f"staff{n}")
    is_staff = True
    is_superuser = True


def field_errors(response, field):
    """The errors a form on the page shows under one of its fields, as text."""
    pattern = rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>'
    match = re.search(pattern, unescape(response.content.decode()), re.S)
    return match.group(1) if match else ""


def signup_data(**changes):
    """The sign-up form's fields for a new account (alice), with `changes`."""
    return {
        "username": "alice",
        "display_name": "Alice Liddell",
        "email": "alice@example.com",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        **changes,
    }


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Section {n}")
    slug = factory.Sequence(lambda n: f"section-{n}")


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author

    name = factory.Faker("name")
    slug = factory.Sequence(lambda n: f"author-{n}")
    bio = "Writes about things."


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Tag {n}")
    slug = factory.Sequence(lambda n: f"tag-{n}")


class ArticleFactory(factory.django.DjangoModelFactory):
    """A published article, an hour old; pass status/published_at for drafts and schedules."""

    class Meta:
        model = Article
        skip_postgeneration_save = True

    headline = factory.Sequence(lambda n: f"Headline number {n}")
    slug = factory.Sequence(lambda n: f"headline-number-{n}")
    standfirst = "A sentence that sums the story up."
    body = "First paragraph of the story.\n\nSecond paragraph, with *emphasis*."
    section = factory.SubFactory(SectionFactory)
    status = Article.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))

    @factory.post_generation
    def authors(self, create, extracted, **kwargs):
        if create and extracted:
            self.authors.set(extracted)

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.set(extracted)


def make_comment(article=None, *, parent=None, author=None, guest_name="", body="A comment.",
                 status=Comment.Status.PUBLISHED, **fields):
    """A comment saved the way the site saves them (inside the thread's lock, count kept),
    without the posting rules and flood limits. Without an author it is a guest's."""
    article = article or parent.article
    body_html = render_comment(body)
    with tree.locked(parent.tree_id if parent else None):
        if parent is not None:
            parent.refresh_from_db()
        comment = Comment(article=article, parent=parent, author=author, guest_name=guest_name,
                          body=body, body_html=body_html, status=status, **fields)
        return actions.save_new(comment)


def make_discussion(article, comments, *, seed=1, **shape):
    """Many comments at once, through generate_content's bulk code (threads, max_depth)."""
    from comments.generate import generate

    return generate(comments=comments, seed=seed, into=article, **shape)

def moderator(username="mod", **fields):
    """A staff account in the Moderators group (made by the data migration)."""
    user = UserFactory(username=username, is_staff=True, **fields)
    user.groups.add(moderators_group())
    return user


def flag_by(comment, n, reason="abuse"):
    """Flags on the comment from `n` readers."""
    for _ in range(n):
        moderation.flag(comment, UserFactory(), reason)


def reload(obj):
    """The same object, with what the database holds now."""
    obj.refresh_from_db()
    return obj


def thread_version(comment):
    """The version of the comment's thread, as its root holds it now."""
    return Comment.objects.get(tree_id=comment.tree_id, lft=1).thread_version
