"""Things people do on the site, in the browser, that several browser tests need."""

PASSWORD = "plum-kettle-orbit-97"


def fill_sign_up_form(page, username, display_name):
    page.get_by_label("Username:").fill(username)
    page.get_by_label("Display name:").fill(display_name)
    page.get_by_label("Email address:").fill(f"{username}@example.com")
    page.get_by_label("Password:", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation:").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
