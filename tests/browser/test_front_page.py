"""The front page editors would ship, in the browser: section blocks that fill their rows on
a desktop, a phone section menu that shows it scrolls, dark mode, and print without forms."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from tests.factories import ArticleFactory, SectionFactory, make_comment

pytestmark = pytest.mark.browser
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1366, "height": 900}


def front_page_stories():
    now = timezone.now()
    world = SectionFactory(name="World", slug="world")
    for number in range(settings.ARTICLES_PER_PAGE + 2):
        ArticleFactory(headline=f"World story {number}", section=world, published_at=now - timedelta(hours=number))
    for name in ("Arts", "Business", "Technology", "Environment", "Science"):
        ArticleFactory(headline=f"{name} story", section=SectionFactory(name=name, slug=name.lower()),
                       published_at=now - timedelta(days=2))


def test_section_blocks_fill_every_desktop_row(page):
    front_page_stories()
    page.set_viewport_size(DESKTOP)
    page.goto("/")
    grid = page.locator(".section-blocks").bounding_box()
    rows = {}
    for block in page.locator(".section-blocks > .block").all():
        box = block.bounding_box()
        rows.setdefault(round(box["y"]), []).append(box)
    assert len(rows) >= 2
    for boxes in rows.values():  # each row reaches the grid's right edge
        assert abs(max(box["x"] + box["width"] for box in boxes) - (grid["x"] + grid["width"])) < 2
    headlines = page.locator(".card__headline a, .lead-story__headline a").all_inner_texts()
    assert len(headlines) == len(set(headlines))


def test_the_phone_section_menu_shows_it_scrolls(page):
    front_page_stories()
    page.set_viewport_size(PHONE)
    page.goto("/")
    menu = page.locator(".section-nav")
    assert menu.evaluate("menu => menu.scrollWidth > menu.clientWidth")

    def edge_shade(side):
        """How dark the menu's outermost pixels are at one edge (0 = the page's white)."""
        from io import BytesIO

        from PIL import Image

        box = menu.bounding_box()
        x = box["x"] + (1 if side == "left" else box["width"] - 3)
        image = Image.open(BytesIO(page.screenshot(clip={"x": x, "y": box["y"] + 2, "width": 2, "height": 4}))).convert("L")
        return 255 - image.getextrema()[0]  # its darkest pixel

    assert edge_shade("right") > 20 and edge_shade("left") < 5  # more to the right
    menu.evaluate("menu => menu.scrollLeft = menu.scrollWidth")
    assert edge_shade("right") < 5 and edge_shade("left") > 20  # the end: more to the left


def test_dark_mode_and_print(page):
    article = ArticleFactory(headline="Bridge reopens")
    make_comment(article, body="Good news.")
    page.emulate_media(color_scheme="dark")
    page.goto(article.get_absolute_url())
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    ink = page.evaluate("getComputedStyle(document.body).color")
    assert background == "rgb(20, 20, 20)" and ink == "rgb(233, 230, 225)"

    page.emulate_media(media="print", color_scheme="light")
    assert page.locator(".article__headline").is_visible()
    assert page.get_by_text("Good news.").is_visible()  # the discussion, from a new page
    for hidden in [".site-search", ".section-nav", ".site-footer", ".discussion__sort", "#comments footer"]:
        assert all(not element.is_visible() for element in page.locator(hidden).all()), hidden
    assert page.locator("form:visible, button:visible").count() == 0
