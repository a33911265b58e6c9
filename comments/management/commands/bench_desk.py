"""`make bench-desk`: the moderators' admin at big-story volume, in a throw-away database
(see comments/bench_desk.py).

    manage.py bench_desk            # 120,000 comments, 6,000 pending, 2,400 flagged
    manage.py bench_desk --keep     # keep its database; run again, time the pages on it as it is
    manage.py bench_desk --quick    # 1,500 comments, one load a page: the test suite's smoke test
"""

import time

from django.core.management.base import BaseCommand, CommandError

from comments import bench, bench_desk


class Command(BaseCommand):
    help = ("Benchmark the comment admin (queues, filters, searches, tree pages, bulk decisions) "
            "at 120,000 comments, in a throw-away database (a temporary SQLite file, or a "
            "PostgreSQL database named by --database-name); never the configured database.")

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=7, help="Loads timed per page.")
        parser.add_argument("--quick", action="store_true",
                            help="1,500 comments, one load a page: a smoke test, not a measure.")
        parser.add_argument("--keep", action="store_true",
                            help="Keep the database after the run, and time a kept one again as "
                                 "it is instead of building it (minutes, not a rebuild; "
                                 "the bulk decisions, which change it, are left out). A run "
                                 "without --keep builds it afresh and drops it.")
        parser.add_argument("--database-name", default="newsroom_bench_desk",
                            help="PostgreSQL database to create and drop (default newsroom_bench_desk).")

    def handle(self, *args, **options):
        sizes = {}
        if options["quick"]:
            sizes = dict(comments=1_500, story_comments=600, pending=120, story_pending=60,
                         flagged=45)
            options["runs"] = 1
        started = time.perf_counter()
        with bench.throwaway_database(options["database_name"], keep=options["keep"]):
            _, _, _, report, lines = bench_desk.run(runs=options["runs"], keep=options["keep"],
                                                    log=self.stdout.write, **sizes)
        for line in lines:
            self.stdout.write(line)
        self.stdout.write(f"Bench took {time.perf_counter() - started:.0f} s.")
        if not report.ok:
            raise CommandError("The desk's data failed check_comment_trees after the decisions.")
