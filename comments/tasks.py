"""The comments app's background work, run by the task queue's worker: retraining the scoring
models (enqueued nightly by notifications/periodic.py). Never in a request: posting keeps
scoring with the models it has until the new files replace them."""

from io import StringIO

from django.core.management import call_command
from django_tasks import task


@task()
def retrain_scoring():
    """`manage.py train_scoring`, as a task; returns what it printed (the task's result)."""
    out = StringIO()
    call_command("train_scoring", stdout=out)
    return out.getvalue()
