import os

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.browser


def test_reader_opens_front_page_and_follows_to_the_seed_article(page):
    call_command("load_demo", stdout=open(os.devnull, "w"))
    page.goto("/")
    page.get_by_role("link", name="Jaysh al-Islam May Withdraw From Eastern Ghouta").first.click()
    page.wait_for_url("**/2021/06/01/jaysh-al-islam-*/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Jaysh al-Islam May Withdraw")
    assert "Illustrative image." in page.locator("figcaption").inner_text()
    assert "Syrian Observatory for Human Rights" in page.locator(".article__body").inner_text()


def test_keyboard_user_can_skip_to_content(page):
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert skip.evaluate("element => element === document.activeElement")
