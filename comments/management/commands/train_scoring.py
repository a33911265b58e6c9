"""manage.py train_scoring: teach the spam and abuse models again, from the moderators'
decisions and the shipped corpus. Safe to run while the site serves (nightly, say): the new
models replace the old files atomically and each process picks them up on its next comment."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from comments.triage import quality, training


class Command(BaseCommand):
    help = ("Train the spam and abuse models on the shipped corpus and every approval, removal and "
            "spam decision moderators made, and write them to COMMENTS_SCORING_MODELS.")

    def add_arguments(self, parser):
        parser.add_argument("--output", help="directory to write spam.json and abuse.json to "
                                             "(default: COMMENTS_SCORING_MODELS)")
        parser.add_argument("--corpus-only", action="store_true",
                            help="learn from the shipped corpus alone (how the shipped models are made)")

    def handle(self, *args, output=None, corpus_only=False, **options):
        output = output or settings.COMMENTS_SCORING_MODELS
        if not output:
            raise CommandError("Set COMMENTS_SCORING_MODELS (where scoring will find the models) or pass --output.")
        corpus = training.read_corpus("train")
        site = [] if corpus_only else training.site_examples()
        about = {"corpus examples": len(corpus), "moderators' decisions": len(site)}
        if not corpus_only:
            about["trained at"] = timezone.now().isoformat(timespec="seconds")
        for model in training.train(corpus + site, about):
            training.write(model, output)
            self.stdout.write(f"{model.kind}: {len(model.weights)} weights written to {output}")
        self.stdout.write(f"learnt from {len(corpus)} corpus examples and {len(site)} moderators' decisions")
        self.stdout.write(quality.table(quality.report()))
