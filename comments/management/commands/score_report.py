"""manage.py score_report: how well and how fast comments are scored, on the held-out corpus."""

import statistics

from django.conf import settings
from django.core.management.base import BaseCommand

from comments import triage
from comments.triage import quality, training


class Command(BaseCommand):
    help = ("Precision and recall of the spam and abuse scores at the thresholds in the settings, "
            "on the held-out labelled corpus, and the time scoring takes per comment.")

    def handle(self, *args, **options):
        for kind in triage.KINDS:
            loaded = triage.model(kind)
            about = ", ".join(f"{key} {value}" for key, value in loaded.about.items()) if loaded else "CANNOT BE LOADED"
            self.stdout.write(f"{kind} model: {triage.model_path(kind).name} "
                              f"({'retrained' if settings.COMMENTS_SCORING_MODELS and triage.model_path(kind).parent != triage.SHIPPED else 'shipped'}; {about})")
        examples = training.read_corpus("heldout")
        counts = {label: sum(example.label == label for example in examples) for label in training.LABELS}
        self.stdout.write("held-out corpus: " + ", ".join(f"{count} {label}" for label, count in counts.items() if count))
        self.stdout.write(quality.table(quality.report(examples)))
        times = quality.timings([example.text for example in examples])
        longest = statistics.median(quality.timings([quality.longest_comment()], runs=5))
        self.stdout.write(
            f"time per comment (the models' part, in this process): median {statistics.median(times):.2f} ms, "
            f"p99 {quality.percentile(times, 0.99):.2f} ms, a {settings.COMMENTS_MAX_LENGTH:,}-character "
            f"comment {longest:.2f} ms (target ≤ {quality.MEDIAN_TARGET_MS:g} ms median)")
