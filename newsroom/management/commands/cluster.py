"""`make cluster`, `make cluster-down` (newsroom/cluster.py) and `make cluster-bench`
(newsroom/cluster_bench.py)."""

from django.core.management.base import BaseCommand, CommandError

from newsroom import cluster_bench
from newsroom.cluster import Cluster, ClusterError, default_folder, demo_accounts, missing_programs


class Command(BaseCommand):
    help = ("Start (up) or stop and remove (down) the local cluster: PostgreSQL primary and replica, "
            "pgbouncer, Redis, two app servers, nginx; or measure one (bench).")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["up", "down", "missing", "bench"],
                            help="missing: print the Debian packages the cluster needs and this machine lacks; "
                                 "bench: start a cluster on free ports, measure it (newsroom/cluster_bench.py), stop it")
        parser.add_argument("--rounds", type=int, default=3, help="bench: rounds of throughput, interleaved")
        parser.add_argument("--seconds", type=int, default=3, help="bench: seconds of each wrk run")
        parser.add_argument("--folder", default=None, help=f"scratch folder (default {default_folder()}, or CLUSTER_DIR)")

    def handle(self, *args, action, folder, rounds, seconds, **options):
        if action == "missing":
            self.stdout.write(" ".join(missing_programs()))
            return
        if action == "bench":
            for line in cluster_bench.run(rounds=rounds, seconds=seconds, log=self.stderr.write):
                self.stdout.write(line)
            return
        cluster = Cluster(folder)
        try:
            if action == "down":
                cluster.down()
                self.stdout.write("The cluster is stopped and its folder removed.")
                return
            demo = cluster.up()
        except ClusterError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS("The cluster answers:"))
        for name, address in cluster.addresses.items():
            self.stdout.write(f"  {name:42} {address}")
        for line in demo_accounts(demo):
            self.stdout.write(line)
        self.stdout.write("Stop it with: make cluster-down")
