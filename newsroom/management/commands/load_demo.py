"""Fill an empty site with the seed article, a few of our own, and accounts to try it with.

Safe to run again: everything is looked up by slug or username first, nothing is duplicated.
"""

import io

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image, ImageDraw

from comments.demo import load_seed_discussion, moderate_seed_discussion
from comments.permissions import moderators_group
from newsroom import versions
from newsroom.demo import articles as demo
from newsroom.demo import seed
from newsroom.models import Article, Author, Section, Tag, User
from notifications.models import NotificationSettings

SEED_SLUG = "jaysh-al-islam-may-withdraw-from-eastern-ghouta-to-eastern-qalamun"
# The page has no standfirst of its own; this one summarises its first paragraph.
SEED_STANDFIRST = (
    "Russia and the armed group are negotiating its departure from Duma, its last stronghold "
    "in Eastern Ghouta, the Syrian Observatory for Human Rights reports."
)
SEED_TAGS = ["Syria", "Eastern Ghouta", "Jaysh al-Islam"]
DEMO_PASSWORD = "newsroom-demo"
# (username, display name, staff?, superuser?, moderator?)
DEMO_ACCOUNTS = [
    ("editor", "The Editor", True, True, False),
    ("moderator", "The Moderator", True, False, True),
    ("reader", "Demo Reader", False, False, False),
]
ROLES = {
    "editor": "staff, can use /admin/",
    "moderator": "in the Moderators group: moderates comments in /admin/ and on article pages",
    "reader": "reader",
}


def illustration(colours, width=1200, height=675):
    """A plain landscape drawn in code: the demo ships no photographs."""
    sky, hills, ground = colours
    image = Image.new("RGB", (width, height), sky)
    draw = ImageDraw.Draw(image)
    for step in range(height // 2):
        shade = tuple(min(255, channel + step // 6) for channel in sky)
        draw.line([(0, step), (width, step)], fill=shade)
    draw.polygon([(0, height * 0.62), (width * 0.3, height * 0.4), (width * 0.55, height * 0.58),
                  (width * 0.8, height * 0.36), (width, height * 0.55), (width, height), (0, height)],
                 fill=hills)
    draw.rectangle([(0, height * 0.78), (width, height)], fill=ground)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=82)
    return ContentFile(buffer.getvalue())


class Command(BaseCommand):
    help = "Load the demo content: the seed article and its discussion, more articles, accounts."

    @transaction.atomic
    def handle(self, *args, **options):
        sections = {
            slug: Section.objects.get_or_create(
                slug=slug, defaults={"name": name, "description": text, "position": position}
            )[0]
            for position, (name, slug, text) in enumerate(demo.SECTIONS)
        }
        authors = {
            slug: Author.objects.get_or_create(slug=slug, defaults={"name": name, "bio": bio})[0]
            for name, slug, bio in demo.AUTHORS
        }
        article = self.load_seed_article(sections["middle-east"], authors["newsroom-staff"])
        self.load_own_articles(sections, authors)
        accounts = self.load_accounts()
        moderate_seed_discussion(article, seed.load().comments, accounts["moderator"], accounts["reader"])
        self.stdout.write(self.style.SUCCESS(f"Demo content ready. Seed article: {article.get_absolute_url()}"))
        for username in accounts:
            self.stdout.write(f"  sign in as {username!r} with password {DEMO_PASSWORD!r} ({ROLES[username]})")

    def tags(self, names):
        return [Tag.objects.get_or_create(slug=slugify(name), defaults={"name": name})[0] for name in names]

    def load_seed_article(self, section, author):
        page = seed.load()
        article, created = Article.objects.get_or_create(
            slug=SEED_SLUG,
            defaults={
                "headline": page.headline,
                "standfirst": SEED_STANDFIRST,
                "body": page.body,
                "section": section,
                "status": Article.Status.PUBLISHED,
                "published_at": timezone.make_aware(page.published.replace(hour=9)),
                "lead_image_caption": page.caption,
                "lead_image_credit": "Illustration: Newsroom",
                "lead_image_alt": "Drawing of dry hills under an evening sky",
            },
        )
        if created:
            article.lead_image.save("eastern-qalamun.jpg", illustration(((120, 88, 70), (92, 74, 58), (140, 118, 86))))
            article.authors.set([author])
            article.tags.set(self.tags(SEED_TAGS))
            self.unchanged_since_publication(article)
        load_seed_discussion(article, page.comments)
        return article

    def unchanged_since_publication(self, article):
        # Saving the image bumped updated_at; the page would wrongly say "Updated today".
        # update() sends no signal, and pages show updated_at: move the site version after it
        # (newsroom/versions.py), or a page validated before it would still be answered 304.
        Article.objects.filter(pk=article.pk).update(updated_at=article.published_at)
        versions.site_changed()

    def load_own_articles(self, sections, authors):
        now = timezone.now()
        palette = [((70, 110, 150), (60, 110, 70), (90, 130, 80)),
                   ((40, 50, 80), (70, 80, 120), (50, 55, 70)),
                   ((150, 110, 80), (120, 80, 60), (160, 130, 100))]
        entries = demo.OWN_ARTICLES + demo.UNPUBLISHED_ARTICLES
        for index, (age, section, author_slugs, tag_names, headline, standfirst, body) in enumerate(entries):
            article, created = Article.objects.get_or_create(
                slug=slugify(headline)[:200],
                defaults={
                    "headline": headline,
                    "standfirst": standfirst,
                    "body": body,
                    "section": sections[section],
                    "status": Article.Status.DRAFT if age is None else Article.Status.PUBLISHED,
                    "published_at": None if age is None else now - age,
                },
            )
            if not created:
                continue
            if index < len(palette):
                article.lead_image.save(f"{article.slug[:40]}.jpg", illustration(palette[index]))
                article.lead_image_alt = "Drawing of hills under an open sky"
                article.save()
            article.authors.set([authors[slug] for slug in author_slugs])
            article.tags.set(self.tags(tag_names))
            if article.is_public:
                self.unchanged_since_publication(article)

    def load_accounts(self):
        accounts = {}
        for username, display_name, staff, superuser, moderates in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"display_name": display_name, "is_staff": staff, "is_superuser": superuser,
                          "email": f"{username}@example.com"},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
                if moderates:
                    user.groups.add(moderators_group())
                # Confirmed, so replies to them show the mail the worker prints.
                NotificationSettings.objects.create(user=user, confirmed_email=user.email)
            accounts[username] = user
        return accounts
