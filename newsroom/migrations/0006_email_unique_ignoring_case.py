import django.db.models.functions.text
from django.db import migrations, models
from django.db.models.functions import Lower


def refuse_shared_addresses(apps, schema_editor):
    """Which account keeps a shared address is a person's decision, not a migration's: name
    the accounts and stop, rather than fail on the constraint or change anyone's address."""
    User = apps.get_model("newsroom", "User")
    shared = (
        User.objects.exclude(email="").annotate(address=Lower("email"))
        .values("address").annotate(accounts=models.Count("id")).filter(accounts__gt=1)
        .values_list("address", flat=True)
    )
    lines = [
        f"  {address}: " + ", ".join(
            User.objects.annotate(address=Lower("email")).filter(address=address)
            .order_by("date_joined").values_list("username", flat=True)
        )
        for address in shared
    ]
    if lines:
        raise RuntimeError(
            "One account per email address: these addresses are used by more than one account.\n"
            + "\n".join(lines)
            + "\nGive each account its own address (or an empty one) in the admin, then migrate again."
        )


class Migration(migrations.Migration):

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        ('newsroom', '0005_versions'),
    ]

    operations = [
        migrations.RunPython(refuse_shared_addresses, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='user',
            constraint=models.UniqueConstraint(django.db.models.functions.text.Lower('email'), condition=models.Q(('email', ''), _negated=True), name='email_unique_ignoring_case', violation_error_message='Another account already uses this email address.'),
        ),
    ]
