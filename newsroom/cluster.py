"""`make cluster`: the site laid out as on several machines, on this one.

A PostgreSQL primary and a streaming replica (each with its own data folder), pgbouncer in
transaction mode in front of the primary, Redis as the shared cache, two gunicorn app servers
reading from the replica (newsroom/replicas.py) and writing through pgbouncer, and nginx
balancing between them with the shipped micro-cache (deploy/nginx/, through
newsroom/serving.py). Configuration comes from deploy/postgresql/ and deploy/pgbouncer/;
everything the cluster writes (data, logs, pid files, collected static files) goes into one
scratch folder, which `down` removes.

The ports are the README's (Ports()); the cluster test starts the same cluster on free ports
(Ports.free()) in a folder of its own. PostgreSQL and pgbouncer refuse to run as root: when
this runs as root, they run as the `postgres` account (Debian's PostgreSQL package makes it).
"""

import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings

from newsroom import serving

DEPLOY = Path(settings.BASE_DIR) / "deploy"
DATABASE = "newsroom"
DEMO_PASSWORD = "newsroom-demo"  # load_demo's accounts
APP_WORKERS = 2  # gunicorn workers per app server: this machine has 2 cores for all of it


class ClusterError(RuntimeError):
    pass


@dataclass(frozen=True)
class Ports:
    primary: int = 5433
    replica: int = 5434
    pooler: int = 6433
    redis: int = 6380
    apps: tuple = (8001, 8002)
    balancer: int = 8080

    @classmethod
    def free(cls):
        return cls(serving.free_port(), serving.free_port(), serving.free_port(), serving.free_port(),
                   (serving.free_port(), serving.free_port()), serving.free_port())


def default_folder():
    return Path(os.environ.get("CLUSTER_DIR") or Path(tempfile.gettempdir()) / "newsroom-cluster")


def postgresql_bin():
    """Debian's PostgreSQL server programs (initdb, pg_ctl, pg_basebackup), newest version."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda path: int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0)
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def missing_programs():
    """What a cluster needs and this machine lacks, as Debian package names."""
    missing = []
    if postgresql_bin() is None:
        missing.append("postgresql")
    if not (shutil.which("pgbouncer") or Path("/usr/sbin/pgbouncer").exists()):
        missing.append("pgbouncer")
    if serving.nginx_missing():
        missing.append("nginx-light")
    if not shutil.which("redis-server"):
        missing.append("redis-server")
    return missing


def as_root():
    return os.geteuid() == 0


class Cluster:
    def __init__(self, folder=None, ports=Ports(), environment=None):
        """environment: settings for the app servers on top of the cluster's own."""
        self.folder = Path(folder or default_folder())
        self.ports = ports
        self.environment = environment or {}
        self.bin = postgresql_bin()
        self.pg = self.folder / "postgresql"  # owned by the account PostgreSQL runs as
        self.pooler = self.folder / "pgbouncer"  # likewise, for pgbouncer
        self.static = self.folder / "static"
        self.media = self.folder / "media"
        self.nginx = self.folder / "nginx"
        self.article = None  # the demo's seed article (its path), once loaded

    # Addresses
    def url(self, port):
        return f"postgres://postgres@127.0.0.1:{port}/{DATABASE}"

    @property
    def addresses(self):
        return {
            "site (nginx, balancing the app servers)": f"http://127.0.0.1:{self.ports.balancer}/",
            **{f"app server {n}": f"http://127.0.0.1:{port}/" for n, port in enumerate(self.ports.apps, 1)},
            "PostgreSQL primary": self.url(self.ports.primary),
            "PostgreSQL replica": self.url(self.ports.replica),
            "pgbouncer (to the primary)": self.url(self.ports.pooler),
            "Redis": f"redis://127.0.0.1:{self.ports.redis}/0",
            "logs": str(self.folder),
        }

    def app_environment(self):
        balancer = [f"http://{host}:{self.ports.balancer}" for host in ("127.0.0.1", "localhost")]
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "newsroom.settings",
            "DEBUG": "0",
            "SECRET_KEY": self.secret_key(),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            # nginx passes the host without its port; the browser's Origin names the port.
            "CSRF_TRUSTED_ORIGINS": ",".join(balancer),
            "DATABASE_URL": self.url(self.ports.pooler),
            "DATABASE_POOLER": "1",
            "DATABASE_REPLICA_URLS": self.url(self.ports.replica),
            "REDIS_URL": f"redis://127.0.0.1:{self.ports.redis}/0",
            "TRUSTED_PROXIES": "127.0.0.1",
            "STATIC_ROOT": str(self.static),
            "MEDIA_ROOT": str(self.media),
            "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
            **self.environment,
        }

    def secret_key(self):
        path = self.folder / "secret_key"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(50))
        return path.read_text()

    # Running programs
    def run(self, command, *, as_postgres=False, env=None, cwd=None):
        if as_postgres and as_root():
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                capture_output=True, text=True)
        if result.returncode:
            raise ClusterError(f"{' '.join(map(str, command))} failed (exit {result.returncode}):\n"
                               f"{(result.stdout + result.stderr)[-3000:]}")
        return result.stdout

    def owned_folder(self, path):
        """A folder the PostgreSQL account can write in."""
        path.mkdir(parents=True, exist_ok=True)
        if as_root():
            shutil.chown(path, "postgres", "postgres")

    def write_owned(self, path, text):
        path.write_text(text)
        if as_root():
            shutil.chown(path, "postgres", "postgres")

    def manage(self, *arguments, env):
        return self.run([sys.executable, "manage.py", *arguments], env=env, cwd=settings.BASE_DIR)

    # Starting
    def up(self):
        missing = missing_programs()
        if missing:
            raise ClusterError(f"missing programs: apt-get install {' '.join(missing)}")
        if self.folder.exists():
            raise ClusterError(f"{self.folder} exists: is a cluster running? (make cluster-down)")
        self.folder.mkdir(parents=True)
        self.folder.chmod(0o755)  # the PostgreSQL account reaches its folders inside
        try:
            self.start_primary()
            self.start_replica()
            self.start_pooler()
            self.start_redis()
            demo = self.load_demo()
            self.article = re.search(r"Seed article: (\S+)", demo).group(1)
            for number in range(len(self.ports.apps)):
                self.start_app(number)
                self.start_worker(number)
            self.start_balancer()
        except BaseException:
            self.down()
            raise
        return demo

    def postgresql_conf(self, data, port):
        """The shipped settings, then this server's port (no Unix socket: TCP on 127.0.0.1)."""
        self.write_owned(data / "newsroom.conf", (DEPLOY / "postgresql" / "newsroom.conf").read_text())
        self.write_owned(data / "local.conf", f"port = {port}\nunix_socket_directories = ''\n")

    def start_primary(self):
        self.owned_folder(self.pg)
        data = self.pg / "primary"
        self.run([self.bin / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--locale=C"], as_postgres=True)
        self.write_owned(data / "pg_hba.conf", (DEPLOY / "postgresql" / "pg_hba.conf").read_text())
        with open(data / "postgresql.conf", "a") as conf:
            conf.write("\ninclude 'newsroom.conf'\ninclude 'local.conf'\n")
        self.postgresql_conf(data, self.ports.primary)
        self.pg_ctl("primary", "start")
        self.run([self.bin / "createdb", "-h", "127.0.0.1", "-p", str(self.ports.primary), "-U", "postgres",
                  DATABASE])

    def start_replica(self):
        """A copy of the primary taken with pg_basebackup (-R: it follows the primary)."""
        data = self.pg / "replica"
        if not data.exists():
            self.run([self.bin / "pg_basebackup", "-h", "127.0.0.1", "-p", str(self.ports.primary),
                      "-U", "postgres", "-D", data, "-R", "-X", "stream", "--checkpoint=fast"],
                     as_postgres=True)
            self.postgresql_conf(data, self.ports.replica)
        self.pg_ctl("replica", "start")

    def pg_ctl(self, name, action, mode="fast"):
        command = [self.bin / "pg_ctl", "-D", self.pg / name, "-w", "-t", "60"]
        if action == "start":
            command += ["-l", self.pg / f"{name}.log", "start"]
        else:
            command += ["-m", mode, "stop"]
        self.run(command, as_postgres=True)

    def stop_replica(self):
        self.pg_ctl("replica", "stop")

    def start_pooler(self):
        self.owned_folder(self.pooler)
        self.write_owned(self.pooler / "users.txt", (DEPLOY / "pgbouncer" / "users.txt").read_text())
        ini = serving.substitute((DEPLOY / "pgbouncer" / "pgbouncer.ini").read_text(), {
            "port=5433": f"port={self.ports.primary}",
            "listen_port = 6433": f"listen_port = {self.ports.pooler}",
            "auth_file = users.txt": f"auth_file = {self.pooler / 'users.txt'}",
        })
        ini += f"logfile = {self.pooler / 'pgbouncer.log'}\npidfile = {self.pooler / 'pgbouncer.pid'}\n"
        self.write_owned(self.pooler / "pgbouncer.ini", ini)
        self.run(["pgbouncer", "-d", self.pooler / "pgbouncer.ini"], as_postgres=True)
        self.wait_for_postgresql(self.ports.pooler)

    def wait_for_postgresql(self, port, timeout=30):
        deadline = time.monotonic() + timeout
        while subprocess.run([self.bin / "pg_isready", "-q", "-h", "127.0.0.1", "-p", str(port),
                              "-d", DATABASE]).returncode:
            if time.monotonic() > deadline:
                raise ClusterError(f"nothing answers on 127.0.0.1:{port}")
            time.sleep(0.1)

    def start_redis(self):
        folder = self.folder / "redis"
        folder.mkdir()
        self.run(["redis-server", "--bind", "127.0.0.1", "--port", str(self.ports.redis), "--daemonize", "yes",
                  "--pidfile", folder / "redis.pid", "--logfile", folder / "redis.log", "--dir", folder,
                  "--save", "", "--appendonly", "no"])

    def load_demo(self):
        """Tables and demo content, written to the primary directly (not through the pooler:
        migrations are the one thing better done on a connection of their own)."""
        env = {**self.app_environment(), "DATABASE_URL": self.url(self.ports.primary)}
        del env["DATABASE_REPLICA_URLS"], env["DATABASE_POOLER"]
        self.manage("migrate", "--noinput", env=env)
        self.manage("collectstatic", "--noinput", env=env)
        self.media.mkdir(exist_ok=True)
        return self.manage("load_demo", env=env)

    def app_folder(self, number):
        folder = self.folder / f"app{number + 1}"
        folder.mkdir(exist_ok=True)
        return folder

    def start_app(self, number):
        """App server `number` (0, 1…): gunicorn, as a daemon, logging to its folder."""
        folder, port = self.app_folder(number), self.ports.apps[number]
        command = serving.gunicorn_command(port=port, workers=APP_WORKERS, options=[
            "--daemon", "--pid", str(folder / "gunicorn.pid"), "--error-logfile", str(folder / "gunicorn.log"),
            "--capture-output",
        ])
        self.run(command, env=self.app_environment(), cwd=settings.BASE_DIR)
        serving.wait_for(port)

    def start_worker(self, number):
        """The task queue's worker (mail) beside app server `number`, with its settings: the
        database backend, its queue on the primary through pgbouncer."""
        folder = self.app_folder(number)
        with open(folder / "worker.log", "ab") as log:
            worker = subprocess.Popen([sys.executable, "manage.py", "worker"], env=self.app_environment(),
                                      cwd=settings.BASE_DIR, stdin=subprocess.DEVNULL, stdout=log,
                                      stderr=subprocess.STDOUT, start_new_session=True)
        (folder / "worker.pid").write_text(str(worker.pid))

    def worker_running(self, number):
        pid = int((self.app_folder(number) / "worker.pid").read_text())
        return alive(pid)

    def stop_app(self, number):
        self.stop_pid(self.app_folder(number) / "gunicorn.pid")

    def app_log(self, number):
        return (self.app_folder(number) / "gunicorn.log").read_text()

    def start_balancer(self):
        conf = serving.nginx_config(
            self.nginx, port=self.ports.balancer, upstream=[f"127.0.0.1:{port}" for port in self.ports.apps],
            static_root=self.static, media_root=self.media,
        )
        self.run(serving.nginx_command(self.nginx, conf, daemon=True))
        serving.wait_for(self.ports.balancer, "/static/css/site.css")

    # Stopping
    def stop_pid(self, pid_file, timeout=30):
        """Stop the process named in pid_file (one this cluster started) and wait for it."""
        try:
            pid = int(Path(pid_file).read_text().strip())
        except (OSError, ValueError):
            return
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not alive(pid):
                return
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)

    def down(self):
        """Stop everything this cluster's folder names, then remove the folder."""
        if not self.folder.exists():
            return
        self.stop_pid(self.nginx / "nginx.pid")
        for number in range(len(self.ports.apps)):
            self.stop_pid(self.folder / f"app{number + 1}" / "gunicorn.pid")
            self.stop_pid(self.folder / f"app{number + 1}" / "worker.pid")
        self.stop_pid(self.folder / "redis" / "redis.pid")
        self.stop_pid(self.pooler / "pgbouncer.pid")
        for name in ("replica", "primary"):
            if (self.pg / name / "postmaster.pid").exists():
                try:  # its data goes next: nothing to write to disk first
                    self.pg_ctl(name, "stop", mode="immediate")
                except ClusterError:
                    pass  # already stopped
        shutil.rmtree(self.folder)


class Browser:
    """A reader's browser, as far as the cluster's test and bench need one: its own cookies
    (shared by every port of 127.0.0.1, as a browser shares them), redirects followed, every
    status returned rather than raised, the site's forms filled in with their CSRF token."""

    def __init__(self, address=None):
        """address: sent as X-Forwarded-For (the app servers trust 127.0.0.1 as a proxy)."""
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))
        self.headers = {"X-Forwarded-For": address} if address else {}

    def open(self, port, path, data=None):
        """(status, headers, text) of a GET, or of a POST of the dict data."""
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}", headers=self.headers,
            data=urlencode(data).encode() if data is not None else None,
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()

    def get(self, port, path):
        return self.open(port, path)

    def post_form(self, port, path, form_page, data):
        """POST data to path with the CSRF token of the form on form_page."""
        status, _, page = self.get(port, form_page)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or not token:
            raise ClusterError(f"no form on {form_page} ({status})")
        return self.open(port, path, {"csrfmiddlewaretoken": token.group(1), **data})

    def sign_in(self, port, username, password=DEMO_PASSWORD):
        status, _, page = self.post_form(port, "/accounts/login/", "/accounts/login/",
                                         {"username": username, "password": password})
        if status != 200 or "Sign out" not in page:
            raise ClusterError(f"{username} could not sign in ({status})")

    def post_comment(self, port, article, text):
        """Post text under the article through its form; the page the post leads to."""
        action = re.search(r'action="(/comments/article/\d+/)"', self.get(port, article)[2])
        if not action:
            raise ClusterError(f"no comment form on {article}")
        status, _, page = self.post_form(port, action.group(1), article, {"body": text})
        if status != 200 or text not in page:
            raise ClusterError(f"the comment was not posted ({status})")
        return page

    def cookie(self, name):
        return next((cookie.value for cookie in self.cookies if cookie.name == name), None)

    def forget(self, name):
        for cookie in list(self.cookies):
            if cookie.name == name:
                self.cookies.clear(cookie.domain, cookie.path, cookie.name)


def alive(pid):
    """Whether the process runs (a daemon that has exited may wait as a zombie until the
    system reaps it, since its parent is not us)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return state != "Z"


def demo_accounts(load_demo_output):
    """The lines of load_demo's output that name the demo accounts and the seed article."""
    return [line for line in load_demo_output.splitlines() if re.search(r"sign in as|Seed article", line)]
