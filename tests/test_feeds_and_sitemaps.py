import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.utils import timezone

from newsroom.models import Article, SiteVersion
from tests.factories import ArticleFactory, SectionFactory, TagFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


@pytest.fixture
def articles():
    world = SectionFactory(name="World", slug="world")
    live = ArticleFactory(headline="Live story", section=world, tags=[TagFactory(name="Rain")])
    other = ArticleFactory(headline="Other section story")
    ArticleFactory(headline="Draft story", status=Article.Status.DRAFT, published_at=None, section=world)
    ArticleFactory(headline="Future story", published_at=timezone.now() + timedelta(days=1), section=world)
    return live, other


def test_rss_feed_lists_published_articles(client, articles):
    response = client.get("/feeds/rss/")
    assert response["Content-Type"].startswith("application/rss+xml")
    items = ET.fromstring(response.content).findall("./channel/item")
    titles = [item.findtext("title") for item in items]
    assert titles == ["Other section story", "Live story"] or set(titles) == {"Live story", "Other section story"}
    live = next(item for item in items if item.findtext("title") == "Live story")
    assert live.findtext("link").endswith(articles[0].get_absolute_url())
    assert live.findtext("category") == "Rain"


def test_atom_feed_parses_and_carries_last_modified(client, articles):
    response = client.get("/feeds/atom/")
    feed = ET.fromstring(response.content)
    assert {entry.findtext(f"{ATOM}title") for entry in feed.findall(f"{ATOM}entry")} == {
        "Live story", "Other section story"}
    assert response.has_header("Last-Modified")
    again = client.get("/feeds/atom/", headers={"if-modified-since": response["Last-Modified"]})
    assert again.status_code == 304


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_section_feeds_hold_only_that_section(client, articles, kind):
    response = client.get(f"/section/world/{kind}/")
    assert b"Live story" in response.content
    assert b"Other section story" not in response.content
    assert b"Draft story" not in response.content and b"Future story" not in response.content
    ET.fromstring(response.content)
    assert client.get(f"/section/nope/{kind}/").status_code == 404


def test_sitemap_lists_published_articles_only(client, articles):
    index = ET.fromstring(client.get("/sitemap.xml").content)
    assert any("sitemap-articles.xml" in loc.text for loc in index.iter(f"{SITEMAP}loc"))
    urls = ET.fromstring(client.get("/sitemap-articles.xml").content)
    locations = [loc.text for loc in urls.iter(f"{SITEMAP}loc")]
    assert any(loc.endswith(articles[0].get_absolute_url()) for loc in locations)
    assert len(locations) == 2


def test_news_sitemap_lists_only_the_last_two_days(client, articles):
    ArticleFactory(headline="Old story", published_at=timezone.now() - timedelta(days=3))
    tree = ET.fromstring(client.get("/news-sitemap.xml").content)
    titles = {title.text for title in tree.iter(f"{NEWS}title")}
    assert titles == {"Live story", "Other section story"}


def test_robots_txt_points_to_both_sitemaps(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in text
    assert "Sitemap: http://testserver/news-sitemap.xml" in text
    assert "Disallow: /admin/" in text


def test_a_new_comment_count_changes_the_feeds_last_modified(client, articles):
    from tests.factories import make_comment

    an_hour_ago = timezone.now() - timedelta(hours=1)
    Article.objects.update(published_at=an_hour_ago, updated_at=an_hour_ago)
    SiteVersion.objects.update(changed_at=an_hour_ago)  # nothing else changed since
    before = client.get("/feeds/rss/")
    assert client.get("/feeds/rss/", headers={"if-modified-since": before["Last-Modified"]}).status_code == 304
    make_comment(articles[0])
    after = client.get("/feeds/rss/", headers={"if-modified-since": before["Last-Modified"]})
    assert after.status_code == 200
    assert b"<slash:comments>1</slash:comments>" in after.content


# An article's comments feed ---------------------------------------------------------------

def comments_feed(client, article, **headers):
    return client.get(f"/comments/article/{article.pk}/atom/", headers=headers)


def test_an_articles_comments_feed_holds_what_the_public_sees_and_is_linked(client, articles):
    from comments import moderation
    from tests.factories import UserFactory, make_comment, moderator

    live, other = articles
    shown = make_comment(live, author=UserFactory(display_name="Rita"), body="Flooding *again*.")
    make_comment(live, body="Waiting for a moderator.", status="pending")
    removed = make_comment(live, body="Removed words.")
    moderation.decide(removed, "remove", moderator(), reason="abuse")
    make_comment(other, body="Another article's comment.")
    page = client.get(live.get_absolute_url()).content.decode()
    address = f"/comments/article/{live.pk}/atom/"
    assert f'<link rel="alternate" type="application/atom+xml" title="Comments on this article (Atom)" href="{address}">' in page
    assert f'href="{address}"' in page.split('id="comments"')[1]  # a visible link in the discussion
    response = comments_feed(client, live)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    entries = feed.findall(f"{ATOM}entry")
    assert [entry.findtext(f"{ATOM}title") for entry in entries] == ["Comment by Rita"]
    assert "<em>again</em>" in entries[0].findtext(f"{ATOM}summary")
    assert entries[0].find(f"{ATOM}link").get("href") == f"http://testserver/comments/{shown.pk}/"
    assert "Live story" in feed.findtext(f"{ATOM}title")


def test_the_comments_feed_answers_conditional_gets_until_the_discussion_changes(client, articles):
    from tests.factories import make_comment

    live, _ = articles
    make_comment(live, body="First.")
    first = comments_feed(client, live)
    assert comments_feed(client, live, if_none_match=first["ETag"]).status_code == 304
    assert comments_feed(client, live, if_modified_since=first["Last-Modified"]).status_code == 304
    make_comment(live, body="Second.")
    again = comments_feed(client, live, if_none_match=first["ETag"])
    assert again.status_code == 200 and b"Second." in again.content


def test_no_comments_feed_for_an_unpublished_article(client):
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    assert comments_feed(client, draft).status_code == 404
    assert client.get("/comments/article/999999/atom/").status_code == 404
