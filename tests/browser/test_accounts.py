import pytest
from playwright.sync_api import expect

from newsroom.models import User
from tests.browser.steps import fill_sign_up_form
from tests.factories import NEW_PASSWORD

pytestmark = pytest.mark.browser


def test_reader_signs_up_signs_out_and_signs_in_again(page):
    page.goto("/")
    account_nav = page.get_by_role("navigation", name="Account")
    account_nav.get_by_role("link", name="Sign up").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Sign up")
    fill_sign_up_form(page, "ada", "Ada Lovelace")

    expect(page.get_by_role("status")).to_contain_text("Welcome, Ada Lovelace.")
    expect(account_nav.get_by_role("link", name="Your account: Ada Lovelace")).to_be_visible()
    assert User.objects.get(username="ada").email == "ada@example.com"

    account_nav.get_by_role("button", name="Sign out").click()
    expect(account_nav).not_to_contain_text("Ada Lovelace")

    account_nav.get_by_role("link", name="Sign in").click()
    page.get_by_label("Username:").fill("ada")
    page.get_by_label("Password:").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    account_nav.get_by_role("link", name="Your account: Ada Lovelace").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    expect(page.get_by_label("Display name:")).to_have_value("Ada Lovelace")
