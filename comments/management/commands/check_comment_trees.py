"""Check every comment tree and comment count; exit non-zero (with a report) if any is wrong.

    manage.py check_comment_trees            # report only
    manage.py check_comment_trees --repair   # renumber broken trees, recount, check again
"""

from django.core.management.base import BaseCommand, CommandError

from comments import checks


class Command(BaseCommand):
    help = ("Check the comment trees (nested-set numbers, one root per tree, one article per "
            "tree) and every article's comment count; --repair fixes what it finds.")

    def add_arguments(self, parser):
        parser.add_argument(
            "--repair", action="store_true",
            help="Rebuild each broken tree from its parent links (under its lock), recount "
                 "comments, then check again.",
        )

    def handle(self, *args, repair=False, **options):
        report = checks.check()
        self.print_report(report)
        if report.ok:
            return
        if not repair:
            raise CommandError("Comment trees or counts are broken (run with --repair to fix).")
        self.stdout.write("Repairing:")
        try:
            checks.repair(report, log=lambda line: self.stdout.write(f"  {line}"))
        except checks.Unrepairable as error:
            raise CommandError(f"Cannot repair: {error}") from error
        self.stdout.write("Checking again:")
        report = checks.check()
        self.print_report(report)
        if not report.ok:
            raise CommandError("Still broken after the repair.")

    def print_report(self, report):
        style = self.style.SUCCESS if report.ok else self.style.ERROR
        lines = report.lines()
        for line in lines[:-1]:
            self.stdout.write(line)
        self.stdout.write(style(lines[-1]))
