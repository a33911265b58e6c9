"""`make bench`: how fast the comments are, in a throw-away database (see comments/bench.py).

    manage.py bench            # 100 / 1,000 / 10,000-comment pages; replies at 10k and 100k rows;
                               # render times; 600 posts through HTTP against gunicorn
    manage.py bench --quick    # tiny sizes, a few seconds (the test suite's smoke test)
"""

import time

from django.core.management.base import BaseCommand, CommandError

from comments import bench


def numbers(text):
    try:
        return [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise CommandError(f"Expected numbers separated by commas, got {text!r}.") from None


class Command(BaseCommand):
    help = ("Benchmark the article page (time, queries, bytes per comment) and posting replies, "
            "in a throw-away database (a temporary SQLite file, or a PostgreSQL database named "
            "by --database-name); never the configured database.")

    def add_arguments(self, parser):
        parser.add_argument("--sizes", default="100,1000,10000",
                            help="Comments on the benchmarked article pages (default 100,1000,10000; "
                                 "an article without comments is always measured too).")
        parser.add_argument("--reply-tables", default="10000,100000",
                            help="Table sizes at which replies are timed (default 10000,100000; "
                                 "empty to skip).")
        parser.add_argument("--reply-thread", type=int, default=1000,
                            help="Comments in the thread replied into (default 1000).")
        parser.add_argument("--replies", type=int, default=30, help="Replies timed per table size.")
        parser.add_argument("--runs", type=int, default=15, help="Page loads timed per size.")
        parser.add_argument("--http-posts", type=int, default=600,
                            help="Posts sent through HTTP by 16 concurrent posters to gunicorn "
                                 "(default 600; 0 to skip).")
        parser.add_argument("--serving-rounds", type=int, default=5,
                            help="Interleaved rounds of each throughput run (default 5; 0 skips the "
                                 "served page and its 304).")
        parser.add_argument("--serving-seconds", type=int, default=3,
                            help="Seconds of each throughput run (default 3).")
        parser.add_argument("--quick", action="store_true",
                            help="Tiny sizes for a smoke test: --sizes 10,60 --reply-tables 300,600 "
                                 "--reply-thread 50 --replies 5 --runs 3 --http-posts 48, one "
                                 "1-second round of each throughput run.")
        parser.add_argument("--database-name", default="newsroom_bench",
                            help="PostgreSQL database to create and drop (default newsroom_bench).")

    def handle(self, *args, **options):
        if options["quick"]:
            options.update(sizes="10,60", reply_tables="300,600", reply_thread=50, replies=5, runs=3,
                           http_posts=48, serving_rounds=1, serving_seconds=1)
        started = time.perf_counter()
        with bench.throwaway_database(options["database_name"]):
            _, _, report, lines = bench.run(
                sizes=numbers(options["sizes"]), reply_tables=numbers(options["reply_tables"]),
                thread_size=options["reply_thread"], replies=options["replies"],
                runs=options["runs"], http_posts=options["http_posts"], log=self.stdout.write,
                serving_rounds=options["serving_rounds"], serving_seconds=options["serving_seconds"],
            )
        for line in lines:
            self.stdout.write(line)
        self.stdout.write(f"Bench took {time.perf_counter() - started:.0f} s.")
        if not report.ok:
            raise CommandError("The bench data failed check_comment_trees.")
