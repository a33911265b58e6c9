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
        wall, cpu = quality.timings([example.text for example in examples])
        longest_wall, longest_cpu = quality.timings([quality.longest_comment()], runs=5)
        self.stdout.write(
            f"time per comment (the models' part, in this process; wall / CPU): median "
            f"{statistics.median(wall):.2f} / {statistics.median(cpu):.2f} ms, p99 "
            f"{quality.percentile(wall, 0.99):.2f} / {quality.percentile(cpu, 0.99):.2f} ms, "
            f"a {settings.COMMENTS_MAX_LENGTH:,}-character comment {longest_wall[0]:.2f} / "
            f"{longest_cpu[0]:.2f} ms (targets: ≤ {quality.MEDIAN_TARGET_MS:g} ms median, "
            f"≤ {quality.LONGEST_TARGET_MS:g} ms the longest; `make bench` times it with the "
            f"writer's history too)")
