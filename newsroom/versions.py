"""The site version: moves whenever something shown around the articles changes.

Every public page shows some of the articles, sections, tags and authors (the navigation
lists the sections on every page), so every page's validator (newsroom/pagecache.py)
includes this number and time. It is moved by signals, after each save or delete of those
models and each change of an article's tags or authors, so no editor's path (the admin,
load_demo, a shell) can forget it. Discussions have versions of their own
(comments/versions.py).

- ``site_changed()``: move it (the signals call it; so does a queryset update() of those
  models, which sends none: load_demo's), and, once committed, the front's generation
  (newsroom/front.py).
- ``SiteVersion.objects.first()``: read it; no row yet means nothing has changed since the
  database was made (version 0).
"""

from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from newsroom import front
from newsroom.models import Article, Author, Section, SiteVersion, Tag

SHOWN_MODELS = (Article, Section, Tag, Author)


def site_changed(action=None, **_):
    if action is not None and not action.startswith("post_"):
        return  # m2m_changed says "pre_add" and then "post_add": move once
    now = timezone.now()
    if not SiteVersion.objects.update(number=F("number") + 1, changed_at=now):
        # The first change ever; two racing first changes both end with a row either way.
        SiteVersion.objects.get_or_create(pk=1, defaults={"number": 1, "changed_at": now})
    front.versions_moved()


def connect():
    for model in SHOWN_MODELS:
        post_save.connect(site_changed, sender=model, dispatch_uid=f"site-version-save-{model.__name__}")
        post_delete.connect(site_changed, sender=model, dispatch_uid=f"site-version-delete-{model.__name__}")
    for relation in (Article.tags.through, Article.authors.through):
        m2m_changed.connect(site_changed, sender=relation, dispatch_uid=f"site-version-{relation.__name__}")
