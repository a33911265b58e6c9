"""`manage.py worker`: the task queue's worker for the backend the settings chose, with the
periodic work beside it (notifications/periodic.py: once as it starts, then every
TASKS_PERIODIC_SECONDS in a thread of its own).

The database backend's is django-tasks-db's `db_worker`; with TASKS_BACKEND=rq it is
django-rq's `rqworker` with its scheduler, which runs the tasks enqueued for later (retries,
digests). Run as many as the mail needs; each takes one task at a time.
"""

import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from notifications import periodic


class Command(BaseCommand):
    help = "Run a worker of the task queue (notifications and other mail) until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--batch", action="store_true",
                            help="Do the periodic work and run the tasks due now, then stop "
                                 "(instead of waiting for more).")

    def handle(self, *, batch, verbosity, **options):
        periodic.run()
        if not batch:
            stop = threading.Event()
            threading.Thread(target=tick, args=(stop,), name="periodic work", daemon=True).start()
        try:
            if settings.TASKS_BACKEND == "rq":
                call_command("rqworker", "default", with_scheduler=True, burst=batch,
                             job_class="django_tasks_rq.Job", verbosity=verbosity)
            else:
                call_command("db_worker", batch=batch, reload=False, verbosity=verbosity)
        finally:
            if not batch:
                stop.set()


def tick(stop):
    """The timer's thread, with a database connection of its own, dropped when it has grown
    too old or failed, as a request's would be."""
    while not stop.wait(settings.TASKS_PERIODIC_SECONDS):
        close_old_connections()
        periodic.run()
        close_old_connections()
