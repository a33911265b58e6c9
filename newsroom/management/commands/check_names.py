"""List stored names that today's rules for names (newsroom/names.py) would refuse.

Names are checked when they are set; accounts named before a rule existed keep their names
until a person decides. This lists them (exit status 1 if there are any) for the admin.
"""

from django.core.management.base import BaseCommand

from newsroom import names
from newsroom.models import User


class Command(BaseCommand):
    help = "List accounts whose username or display name the rules for names would now refuse."

    def handle(self, *args, **options):
        found, staff_keys = 0, names.staff_name_keys()
        accounts = (User.objects.only("pk", "username", "display_name", "is_staff").order_by("pk")
                    # Deleted accounts (newsroom/privacy.py) carry the reserved name on purpose.
                    .exclude(is_active=False, display_name=names.DELETED_NAME))
        for account in accounts.iterator():
            for field in ("username", "display_name"):
                value = getattr(account, field)
                problem = value and names.problem(value, account_pk=account.pk, staff=account.is_staff,
                                                  staff_keys=staff_keys)
                if problem:
                    found += 1
                    self.stdout.write(f"{account.username}: {field} {value!r}: {problem}")
        if found:
            self.stdout.write(f"{found} name(s) to look at: change them in the admin (Users).")
            raise SystemExit(1)
        self.stdout.write("Every stored name passes the rules.")
