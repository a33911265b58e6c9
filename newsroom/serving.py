"""The shipped nginx configuration (deploy/nginx/) and gunicorn, started on free local ports:
for the test that runs the configuration in front of the site, for `make bench`, and (as
daemons on fixed ports) for `make cluster` (newsroom/cluster.py).

``nginx_config(...)`` renders the shipped files as they are, with only the addresses and
folders of this run substituted (each substitution must apply, so a change to the shipped
files that these do not expect fails loudly rather than testing something else).
"""

import getpass
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.conf import settings

DEPLOY = Path(settings.BASE_DIR) / "deploy" / "nginx"
SHIPPED = {  # what the shipped files say -> what a local run needs instead
    "cache": "/var/cache/nginx/newsroom",
    "upstream": "server 127.0.0.1:8000;",
    "static": "/srv/newsroom/staticfiles/",
    "media": "/srv/newsroom/media/",
}


class ServerError(RuntimeError):
    pass


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def substitute(text, replacements):
    for old, new in replacements.items():
        if old not in text:
            raise ServerError(f"the shipped nginx configuration no longer says {old!r}")
        text = text.replace(old, new)
    return text


def nginx_config(folder, *, port, upstream, static_root, media_root, extra_locations=""):
    """Write nginx.conf into folder: the shipped http-level and site files, substituted, in a
    minimal main configuration listening on 127.0.0.1:port. upstream: the app server's
    "host:port", or a list of them (nginx balances between them). Returns its path."""
    folder = Path(folder)
    for name in ("cache", "temp"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    upstreams = [upstream] if isinstance(upstream, str) else upstream
    http_part = substitute((DEPLOY / "newsroom-cache.conf").read_text(), {
        SHIPPED["cache"]: str(folder / "cache"),
        SHIPPED["upstream"]: "\n    ".join(f"server {address};" for address in upstreams),
    })
    site_part = substitute((DEPLOY / "newsroom-site.conf").read_text(), {
        SHIPPED["static"]: f"{Path(static_root)}/",
        SHIPPED["media"]: f"{Path(media_root)}/",
    })
    temp = folder / "temp"
    conf = folder / "nginx.conf"
    conf.write_text(f"""
user {getpass.getuser()};
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
{http_part}
    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
{site_part}
{extra_locations}
    }}
}}
""")
    return conf


def nginx_missing():
    return None if shutil.which("nginx") or Path("/usr/sbin/nginx").exists() else (
        "Debian's nginx is not installed (apt-get install nginx-light)")


def nginx_binary():
    return shutil.which("nginx") or "/usr/sbin/nginx"


def nginx_command(folder, conf, *, daemon=False):
    command = [nginx_binary(), "-e", str(Path(folder) / "error.log"), "-p", str(folder), "-c", str(conf)]
    return command if daemon else [*command, "-g", "daemon off;"]


def wait_for(port, path="/robots.txt", timeout=60, process=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise ServerError(f"the server stopped at start (exit {process.returncode})")
        try:
            status, _, _ = fetch(port, path)
            if status < 500:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise ServerError(f"nothing answered on 127.0.0.1:{port} within {timeout} s")


def fetch(port, path, headers=None):
    """(status, headers as a dict with lower-case names, body) of one GET to 127.0.0.1."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": "localhost", **(headers or {})})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


@contextmanager
def running(command, *, port, env=None, ready_path="/robots.txt", cwd=None):
    """Start a server process, wait until it answers, stop it (and its children) after."""
    process = subprocess.Popen(command, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               start_new_session=True)
    try:
        try:
            wait_for(port, ready_path, process=process)
        except ServerError as error:
            stop(process)
            raise ServerError(f"{error}: {process.stderr.read().decode()[-2000:]}") from None
        yield process
    finally:
        stop(process)


def stop(process):
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def nginx(folder, **config):
    """The shipped configuration in front of config["upstream"], on a free port: yields it."""
    port = free_port()
    conf = nginx_config(folder, port=port, **config)
    with running(nginx_command(folder, conf), port=port, ready_path="/static/css/site.css"):
        yield port


def database_url(settings_dict):
    """A URL for the database Django is connected to, for a server in another process."""
    if settings_dict["ENGINE"].endswith("postgresql"):
        user = quote(settings_dict.get("USER") or "", safe="")
        password = f":{quote(settings_dict['PASSWORD'], safe='')}" if settings_dict.get("PASSWORD") else ""
        host = settings_dict.get("HOST") or "127.0.0.1"
        port = settings_dict.get("PORT") or 5432
        return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"
    return f"sqlite:///{settings_dict['NAME']}"


@contextmanager
def gunicorn(app="newsroom.wsgi", *, workers=2, environment=None, ready_path="/robots.txt"):
    """A WSGI app under gunicorn on a free port (environment: what to add to this process's
    environment, e.g. DATABASE_URL): yields (port, process); stop(process) stops it early."""
    port = free_port()
    env = {**os.environ, **(environment or {})}
    with running(gunicorn_command(app, port=port, workers=workers), port=port, env=env,
                 cwd=settings.BASE_DIR, ready_path=ready_path) as process:
        yield port, process


def gunicorn_command(app="newsroom.wsgi", *, port, workers=2, options=()):
    return [sys.executable, "-m", "gunicorn", app, "--workers", str(workers),
            "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--timeout", "60", *options]
