"""One account per email address, compared without case: the forms say so, and the database
keeps it when two saves race past the forms' check."""

from html import unescape
from unittest import mock

import pytest
from django.db import IntegrityError, transaction

from newsroom.accounts import ProfileView, SignupView
from newsroom.models import User
from tests.factories import PASSWORD, StaffFactory, UserFactory, field_errors as errors, signup_data

pytestmark = pytest.mark.django_db

TAKEN = "Another account already uses this email address."


def sign_up(client, **changes):
    return client.post("/accounts/signup/", signup_data(**changes))


@pytest.mark.parametrize("email", ["carol@example.com", "Carol@Example.COM"])
def test_sign_up_refuses_an_address_another_account_uses(client, email):
    UserFactory(username="carol", email="carol@example.com")
    response = sign_up(client, email=email)
    assert response.status_code == 200
    assert TAKEN in errors(response, "email")
    assert "sign in, or ask for a password reset" in errors(response, "email")
    assert not User.objects.filter(username="alice").exists()


def test_the_account_page_refuses_an_address_another_account_uses(client):
    UserFactory(username="carol", email="carol@example.com")
    bob = UserFactory(username="bob", display_name="Bob", email="bob@example.com")
    client.force_login(bob)
    response = client.post("/accounts/profile/", {"display_name": "Bob", "email": "CAROL@example.com",
                                                  "current_password": PASSWORD})
    assert TAKEN in errors(response, "email")
    bob.refresh_from_db()
    assert bob.email == "bob@example.com"
    # Keeping one's own address, in another case, is no clash.
    response = client.post("/accounts/profile/", {"display_name": "Bobby", "email": "Bob@Example.com",
                                                  "current_password": PASSWORD})
    assert response.status_code == 302


def test_a_sign_up_that_loses_the_race_for_an_address_gets_the_form_error(client):
    # The other sign-up commits between this form's checks and its save: the database's
    # constraint refuses the second row, and the person sees why (never a 500).
    form_valid = SignupView.form_valid

    def lose_the_race(view, form):
        UserFactory(username="quicker", email=form.cleaned_data["email"].upper())
        return form_valid(view, form)

    with mock.patch.object(SignupView, "form_valid", lose_the_race):
        response = sign_up(client)
    assert response.status_code == 200
    assert TAKEN in errors(response, "email")
    assert list(User.objects.values_list("username", flat=True)) == ["quicker"]


def test_an_account_page_change_that_loses_the_race_gets_the_form_error(client):
    bob = UserFactory(username="bob", display_name="Bob", email="bob@example.com")
    client.force_login(bob)
    form_valid = ProfileView.form_valid

    def lose_the_race(view, form):
        UserFactory(username="quicker", email=form.cleaned_data["email"])
        return form_valid(view, form)

    with mock.patch.object(ProfileView, "form_valid", lose_the_race):
        response = client.post("/accounts/profile/", {"display_name": "Bob", "email": "new@example.com",
                                                      "current_password": PASSWORD})
    assert response.status_code == 200
    assert TAKEN in errors(response, "email")
    bob.refresh_from_db()
    assert bob.email == "bob@example.com"


def test_the_database_refuses_a_second_account_with_the_address_in_any_case():
    UserFactory(username="carol", email="carol@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="carol2", email="CAROL@EXAMPLE.COM")


def test_accounts_without_an_address_may_be_many():
    # createsuperuser and scripts make accounts with no address; none can be reset by mail.
    User.objects.create(username="one", email="")
    User.objects.create(username="two", email="")
    assert User.objects.filter(email="").count() == 2


def test_the_admin_refuses_an_address_another_account_uses(client):
    client.force_login(StaffFactory(username="editor", email="editor@example.com"))
    UserFactory(username="carol", email="carol@example.com")
    bob = UserFactory(username="bob", display_name="Bob", email="bob@example.com")
    response = client.post(f"/admin/newsroom/user/{bob.pk}/change/", {
        "username": "bob", "email": "Carol@example.com", "display_name": "Bob", "is_active": "on",
        "date_joined_0": "2026-01-01", "date_joined_1": "10:00:00",
    })
    assert response.status_code == 200
    assert TAKEN in unescape(response.content.decode())
    bob.refresh_from_db()
    assert bob.email == "bob@example.com"


@pytest.mark.django_db(transaction=True)
def test_the_migration_stops_and_names_the_accounts_that_share_an_address():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("newsroom", "0005_versions")], [("newsroom", "0006_email_unique_ignoring_case")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_user = MigrationExecutor(connection).loader.project_state(before[0]).apps.get_model("newsroom", "User")
    old_user.objects.create(username="ann", email="shared@example.com")
    old_user.objects.create(username="ann2", email="Shared@Example.com")
    old_user.objects.create(username="nomail1", email="")
    old_user.objects.create(username="nomail2", email="")
    try:
        with pytest.raises(RuntimeError) as refusal:
            MigrationExecutor(connection).migrate(after)
        assert "shared@example.com: ann, ann2" in str(refusal.value)
        assert "nomail" not in str(refusal.value)
        old_user.objects.filter(username="ann2").update(email="ann2@example.com")
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert User.objects.filter(email="").count() == 2


def test_an_admin_save_that_loses_the_race_for_an_address_says_so(client):
    from newsroom.admin import UserAdmin

    client.force_login(StaffFactory(username="editor", email="editor@example.com"))
    bob = UserFactory(username="bob", display_name="Bob", email="bob@example.com")
    save_model = UserAdmin.save_model

    def lose_the_race(admin, request, user, form, change):
        UserFactory(username="carol", email="carol@example.com")  # a moment after the checks
        return save_model(admin, request, user, form, change)

    with mock.patch.object(UserAdmin, "save_model", lose_the_race):
        response = client.post(f"/admin/newsroom/user/{bob.pk}/change/", {
            "username": "bob", "email": "carol@example.com", "display_name": "Bob Changed",
            "is_active": "on", "date_joined_0": "2026-01-01", "date_joined_1": "10:00:00",
        }, follow=True)
    assert response.status_code == 200
    assert "Nothing was saved: another account took this username or email address" in unescape(
        response.content.decode())
    bob.refresh_from_db()
    assert (bob.email, bob.display_name) == ("bob@example.com", "Bob")
