import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from newsroom.models import Article
from newsroom.pagecache import local_pages
from tests.factories import ArticleFactory, AuthorFactory, SectionFactory, TagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def story():
    return ArticleFactory(
        headline="Rivers rise in the north",
        standfirst="Flood warnings for three towns.",
        body="The river rose overnight.\n\nResidents were told to move cars.",
        authors=[AuthorFactory(name="Ada Writer", slug="ada-writer")],
        tags=[TagFactory(name="Weather", slug="weather")],
        section=SectionFactory(name="Britain", slug="britain"),
        lead_image_caption="The river at dawn.",
        lead_image_credit="Photo: A. Snapper",
    )


def test_front_page_shows_lead_story_latest_and_section_blocks(client, story):
    older = ArticleFactory(headline="Older news", published_at=timezone.now() - timedelta(days=1))
    ArticleFactory(headline="Secret draft", status=Article.Status.DRAFT, published_at=None)
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Rivers rise in the north" in html
    assert 'class="lead-story' in html
    assert "Older news" in html
    assert "Secret draft" not in html


def test_front_page_shows_no_story_twice_and_section_blocks_fill_their_rows(client, settings):
    """Latest holds the newest page of stories; a section's block shows its stories beyond
    them, so no story is on the page twice; each block spans columns enough to fill a row."""
    world, arts, sport = (SectionFactory(name=name, slug=name.lower()) for name in ("World", "Arts", "Sport"))
    now = timezone.now()
    for number in range(settings.ARTICLES_PER_PAGE + 1):  # the lead and Latest, all World
        ArticleFactory(headline=f"World story {number}", section=world, published_at=now - timedelta(hours=number))
    ArticleFactory(headline="Older world story", section=world, published_at=now - timedelta(days=3))
    ArticleFactory(headline="Only arts story", section=arts, published_at=now - timedelta(days=4))
    for number in range(3):
        ArticleFactory(headline=f"Sport story {number}", section=sport, published_at=now - timedelta(days=5))
    html = client.get("/").content.decode()
    headlines = re.findall(r'class="(?:card|lead-story)__headline"><a href="([^"]+)"', html)
    assert len(headlines) == len(set(headlines)) == settings.ARTICLES_PER_PAGE + 1 + 1 + 1 + 3
    blocks = re.findall(r'class="block block--span-(\d)" aria-labelledby="section-(\w+)"', html)
    # In the sections' order: Arts' one story and Sport's three fill a row; World has one
    # left, alone on the last row, so its block spans the whole of it.
    assert blocks == [("1", "arts"), ("3", "sport"), ("4", "world")]


@pytest.mark.parametrize(("sizes", "spans"), [
    ([4, 4], [4, 4]), ([1], [4]), ([1, 1, 1], [1, 1, 2]), ([3, 2, 2, 1], [4, 2, 2, 4]), ([2, 3], [4, 4]), ([], []),
])
def test_section_blocks_widen_to_fill_each_row(sizes, spans):
    from newsroom.views import filled_rows

    assert filled_rows(sizes) == spans


def test_front_page_is_paginated(client, settings):
    for number in range(25):
        ArticleFactory(headline=f"Story {number:02d}", published_at=timezone.now() - timedelta(hours=number + 1))
    first = client.get("/").content.decode()
    second = client.get("/?page=2").content.decode()
    assert "Story 00" in first and "Story 24" not in first.split('class="block"')[1].split('class="section-blocks"')[0]
    assert "Story 24" in second
    assert 'rel="next"' in first
    assert client.get("/?page=99").status_code == 404


def test_article_page_shows_everything_a_reader_needs(client, story):
    response = client.get(story.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    for text in ["Rivers rise in the north", "Flood warnings for three towns.", "Ada Writer",
                 "The river rose overnight.", "Residents were told to move cars.", "Weather"]:
        assert text in html
    assert f'datetime="{story.published_at.isoformat()}' in html or "<time" in html


def test_article_page_has_social_tags_and_news_article_json_ld(client, story):
    html = client.get(story.get_absolute_url()).content.decode()
    assert '<meta property="og:title" content="Rivers rise in the north">' in html
    assert '<meta name="twitter:card"' in html
    assert f'<link rel="canonical" href="http://testserver{story.get_absolute_url()}">' in html
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "Rivers rise in the north"
    assert data["author"][0]["name"] == "Ada Writer"


def test_article_page_answers_conditional_get_with_304(client, story):
    first = client.get(story.get_absolute_url())
    assert first.has_header("ETag")
    again = client.get(story.get_absolute_url(), headers={"if-none-match": first["ETag"]})
    assert again.status_code == 304


def test_lead_image_is_shown_with_alt_caption_and_credit(client, story):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (640, 360), "navy").save(buffer, "JPEG")
    story.lead_image = SimpleUploadedFile("river.jpg", buffer.getvalue(), "image/jpeg")
    story.lead_image_alt = "A swollen river under grey sky"
    story.save()
    html = client.get(story.get_absolute_url()).content.decode()
    assert 'alt="A swollen river under grey sky"' in html
    assert 'width="640" height="360"' in html
    # A smaller copy for phones, offered beside the original.
    small = f"renditions/{story.lead_image_digest}-480w.jpg"  # named by the file's content
    assert story.lead_image.storage.exists(small)
    assert f"/media/{small} 480w, /media/{story.lead_image.name} 640w" in html
    assert "The river at dawn." in html and "Photo: A. Snapper" in html


def test_section_tag_and_author_pages_list_their_articles(client, story):
    ArticleFactory(headline="Elsewhere entirely")
    for url in ["/section/britain/", "/tags/weather/", "/authors/ada-writer/"]:
        html = client.get(url).content.decode()
        assert "Rivers rise in the north" in html, url
        assert "Elsewhere entirely" not in html, url
    assert "Writes about things." in client.get("/authors/ada-writer/").content.decode()


@pytest.mark.parametrize("url", ["/section/nope/", "/tags/nope/", "/authors/nope/", "/2021/13/01/x/", "/no/such/page/"])
def test_unknown_pages_are_friendly_404s(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert b"find that page" in response.content


def test_date_archives(client):
    article = ArticleFactory(headline="June story", published_at=datetime(2021, 6, 1, 9, tzinfo=UTC))
    ArticleFactory(headline="July story", published_at=datetime(2021, 7, 3, 9, tzinfo=UTC))
    assert "June story" in client.get("/2021/").content.decode()
    month = client.get("/2021/06/").content.decode()
    assert "June story" in month and "July story" not in month
    assert "June story" in client.get("/2021/06/01/").content.decode()
    assert client.get("/2021/06/02/").status_code == 404
    assert article.get_absolute_url().startswith("/2021/06/01/")


def test_error_500_page_renders_without_context():
    from django.template.loader import render_to_string

    assert "Something went wrong" in render_to_string("500.html")


def test_pages_have_landmarks_and_skip_link(client, story):
    html = client.get(story.get_absolute_url()).content.decode()
    assert 'href="#main"' in html and '<main id="main"' in html
    assert "<header" in html and "<footer" in html and 'aria-label="Sections"' in html


def forget_pages():
    cache.clear()
    local_pages.clear()


def test_front_page_reads_a_fixed_number_of_queries(client, django_assert_num_queries):
    from tests.factories import SectionFactory

    def load(articles_per_section):
        for section in [SectionFactory() for _ in range(3)]:
            for _ in range(articles_per_section):
                ArticleFactory(section=section)

    load(1)
    client.get("/")  # warm up: sessions, content types
    # The page's versions (newest article, newest count change, the site's version: one
    # query, newsroom/pagecache.py), the count and page of latest articles, the latest of every
    # section, the sections (for the blocks and for the navigation): the same six however many
    # sections and articles. (Each request here renders: the page cache is emptied first.)
    forget_pages()
    with django_assert_num_queries(6):
        client.get("/")
    load(8)  # more than Latest holds: the first three sections' stories are all in blocks
    forget_pages()
    with django_assert_num_queries(6):
        html = client.get("/").content.decode()
    assert html.count('class="block"') == 1  # latest
    assert html.count('class="block block--span-') >= 3  # the sections' stories beyond it


def test_an_image_saved_through_its_field_stores_its_size_and_smaller_copies():
    import io

    from django.core.files.base import ContentFile
    from PIL import Image

    article = ArticleFactory()
    buffer = io.BytesIO()
    Image.new("RGB", (1000, 500), "teal").save(buffer, "JPEG")
    article.lead_image.save("teal.jpg", ContentFile(buffer.getvalue()))
    stored = Article.objects.values("lead_image_width", "lead_image_height").get(pk=article.pk)
    assert stored == {"lead_image_width": 1000, "lead_image_height": 500}
    storage, name = article.lead_image.storage, f"renditions/{article.lead_image_digest}"
    assert storage.exists(f"{name}-480w.jpg") and storage.exists(f"{name}-800w.jpg")


# HTML's "valid global date and time string" allows seconds and an offset, not Django's
# six-digit fractions ("c" format): the Nu HTML checker reported them on every list page.
VALID_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?(Z|[+-]\d\d:?\d\d)")


def test_time_elements_carry_valid_datetimes(client, story):
    story.published_at = story.published_at.replace(microsecond=123456)
    story.save()
    for address in ["/", story.section.get_absolute_url(), "/search/?q=rivers", story.get_absolute_url()]:
        html = client.get(address).content.decode()
        stamps = re.findall(r'<time datetime="([^"]*)"', html)
        assert stamps, address
        for stamp in stamps:
            assert VALID_DATETIME.fullmatch(stamp), (address, stamp)


def heading_levels(html):
    return [int(level) for level in re.findall(r"<h([1-6])\b", html)]


def test_list_pages_never_skip_a_heading_level(client, story):
    ArticleFactory(section=story.section, published_at=story.published_at - timedelta(hours=1))  # Latest
    for address in ["/", story.section.get_absolute_url(), "/search/?q=rivers", "/tags/weather/",
                    f"/{story.published_at:%Y}/", "/authors/ada-writer/"]:
        levels = heading_levels(client.get(address).content.decode())
        assert levels[0] == 1 and 3 in levels, (address, levels)
        assert all(after - before <= 1 for before, after in zip(levels, levels[1:])), (address, levels)
