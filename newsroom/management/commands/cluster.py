"""`make cluster` / `make cluster-down`: see newsroom/cluster.py."""

from django.core.management.base import BaseCommand, CommandError

from newsroom.cluster import Cluster, ClusterError, default_folder, demo_accounts, missing_programs


class Command(BaseCommand):
    help = "Start (up) or stop and remove (down) the local cluster: PostgreSQL primary and replica, pgbouncer, Redis, two app servers, nginx."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["up", "down", "missing"],
                            help="missing: print the Debian packages the cluster needs and this machine lacks")
        parser.add_argument("--folder", default=None, help=f"scratch folder (default {default_folder()}, or CLUSTER_DIR)")

    def handle(self, *args, action, folder, **options):
        if action == "missing":
            self.stdout.write(" ".join(missing_programs()))
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
