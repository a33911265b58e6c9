"""Fill the database with realistic articles and discussions, fast (for load tests and bench).

    manage.py generate_content --articles 200 --comments 100000 --seed 1
    manage.py generate_content --into some-article-slug --comments 5000 --threads 40
"""

import time

from django.core.management.base import BaseCommand, CommandError

from comments.generate import GenerationError, generate


class Command(BaseCommand):
    help = ("Generate articles, commenters and threaded comments in bulk (deterministic for a "
            "seed). See comments/generate.py for why bulk inserts are safe for the trees.")

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, default=0, help="New articles to create.")
        parser.add_argument("--comments", type=int, default=0,
                            help="Comments to create, spread over the new articles.")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument("--into", metavar="SLUG",
                            help="Put all the comments into this existing article instead.")
        parser.add_argument("--threads", type=int,
                            help="Top-level threads per article (default: a realistic mix of "
                                 "many small threads and a few huge ones).")
        parser.add_argument("--max-depth", type=int,
                            help="Deepest reply level (default: unlimited, threads go 10+ deep).")

    def handle(self, *args, **options):
        if options["articles"] < 0 or options["comments"] < 0:
            raise CommandError("--articles and --comments cannot be negative.")
        started = time.perf_counter()
        try:
            summary = generate(
                articles=options["articles"], comments=options["comments"],
                seed=options["seed"], into=options["into"], threads=options["threads"],
                max_depth=options["max_depth"],
            )
        except GenerationError as error:
            raise CommandError(str(error)) from error
        seconds = time.perf_counter() - started
        statuses = ", ".join(f"{count} {status}" for status, count in sorted(summary.statuses.items()))
        self.stdout.write(
            f"Created {len(summary.articles)} articles and {summary.comments} comments in "
            f"{summary.threads} threads (deepest reply at level {summary.max_depth}; "
            f"{summary.users} commenters, {summary.guests} guest comments"
            + (f"; {statuses}" if statuses else "") + f") in {seconds:.1f} s."
        )
