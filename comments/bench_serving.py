"""The serving part of `make bench`: the anonymous 100-comment article page as production
serves it, against the ceilings of the same servers sending the same bytes.

- through gunicorn (2 workers) vs a bare WSGI app (newsroom/bare_wsgi.py) sending the page's
  bytes, with the headers the site sent it with, under the same gunicorn: target at least
  THROUGHPUT_TARGET of it;
- through the shipped nginx configuration (deploy/nginx/, micro-cache) in front of that
  gunicorn vs the same nginx sending the page's bytes from a file: the same target;
- in process: a 304 revalidation (If-None-Match) vs a full render of a page not yet cached
  (validator, render, store): target at most REVALIDATION_TARGET of it. Both go through the
  site's WSGI application as gunicorn calls it (newsroom/wsgi.py: the front, then Django),
  with the cache production has (Redis with REDIS_URL, under a key prefix of the bench's
  own), so the 304 is the one production answers; wall and CPU time of this process (the
  database's and Redis's own work shows in the wall time only).

Throughput is measured with wrk (Debian's `wrk`), 16 connections, only on 127.0.0.1, each
run bounded in time; the cases are interleaved round by round, and the minimum and median
of the rounds are printed. Without wrk or nginx, the lines that need them say so and are
skipped. The servers use the bench's throw-away database.
"""

import io
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.test import RequestFactory, override_settings

from comments.generate import generate
from newsroom import serving

THROUGHPUT_TARGET = 0.5
REVALIDATION_TARGET = 0.10
CONNECTIONS = 16
COMMENTS = 100
BENCH_FILE = "/bench-same-bytes.html"
# Headers gunicorn writes itself, for the site and the bare app alike.
SERVERS_OWN = {"date", "server", "connection", "transfer-encoding"}


def wrk(port, path, seconds, headers=None):
    """Requests per second for one wrk run against 127.0.0.1 (bounded: seconds, and a
    timeout on the process); headers: sent with every request (a session cookie)."""
    sent = [option for name, value in (headers or {}).items() for option in ("-H", f"{name}: {value}")]
    result = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "5s", *sent,
         f"http://127.0.0.1:{port}{path}"],
        capture_output=True, text=True, timeout=seconds + 30,
    )
    found = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
    if result.returncode or not found:
        raise RuntimeError(f"wrk failed: {result.stdout[-500:]} {result.stderr[-500:]}")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
    if errors:
        raise RuntimeError(f"{errors.group(1)} error responses from 127.0.0.1:{port}{path}")
    return float(found.group(1))


def interleaved(cases, rounds, seconds):
    """{name: [req/s per round]}, each round running every case once, in turn; a case is
    (port, path) or (port, path, headers)."""
    results = {name: [] for name in cases}
    for _ in range(rounds):
        for name, (port, path, *headers) in cases.items():
            results[name].append(wrk(port, path, seconds, *headers))
    return results


def timed(function):
    """(wall ms, CPU ms of this process) of function()."""
    started, cpu = time.perf_counter(), time.process_time()
    function()
    return (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000


def production_cache():
    """The cache production serves from: Redis with REDIS_URL (a key prefix of the bench's
    own), else each process's memory, as bench_settings() has it."""
    url = os.environ.get("REDIS_URL")
    if not url:
        return override_settings()
    return override_settings(CACHES={"default": {
        "BACKEND": "newsroom.cache.ResilientRedisCache", "LOCATION": url, "KEY_PREFIX": "newsroom-bench",
    }})


def request(path, **headers):
    """The WSGI environ gunicorn would pass for a GET of path (made before any timing)."""
    return RequestFactory(HTTP_HOST="localhost").get(path, headers=headers).environ


def wsgi_get(application, environ):
    """(status, headers) of the application's answer to a copy of environ."""
    environ = {**environ, "wsgi.input": io.BytesIO()}
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer.update(status=int(status.split()[0]), headers=dict(headers))

    b"".join(application(environ, start_response))
    return answer["status"], answer["headers"]


def revalidation(url, runs):
    """(full render [(wall ms, CPU ms)], 304 [(wall ms, CPU ms)]), interleaved, in process,
    through the site's WSGI application."""
    from newsroom.wsgi import application

    with production_cache():
        wsgi_get(application, request(url))  # the cache's generation, if it had none
        etag = wsgi_get(application, request(url))[1]["ETag"]  # the validator, kept for the front
        revalidate = request(url, if_none_match=etag)
        renders, not_modified = [], []
        for number in range(runs):
            # A query string of its own makes each render a miss of the page cache.
            render = request(f"{url}?bench={number}")
            renders.append(timed(lambda: check(application, render, 200)))
            not_modified.append(timed(lambda: check(application, revalidate, 304)))
    return renders, not_modified


def check(application, environ, expected):
    status = wsgi_get(application, environ)[0]
    assert status == expected, status


def spread(values, unit, digits=0):
    return f"min {min(values):,.{digits}f} {unit}, median {statistics.median(values):,.{digits}f} {unit}"


def compare(line, ours, ceiling, target):
    ratio_min = min(ours) / min(ceiling)
    ratio = statistics.median(ours) / statistics.median(ceiling)
    ok = ratio >= target
    return [f"  {line[0]}: {spread(ours, 'req/s')}",
            f"  {line[1]}: {spread(ceiling, 'req/s')}",
            f"  ratio {ratio:.0%} of medians ({ratio_min:.0%} of minimums)   target >= "
            f"{target:.0%} {'ok' if ok else 'MISSED'}"]


def run(*, rounds, seconds, runs, seed, log):
    made = generate(articles=1, comments=COMMENTS, seed=seed * 1000 + 950,
                    threads=min(COMMENTS, settings.COMMENTS_PER_PAGE),
                    max_depth=settings.COMMENTS_MAX_DEPTH)
    url = made.articles[0].get_absolute_url()
    lines = ["", f"Anonymous {COMMENTS}-comment article page: revalidation and throughput"]
    renders, not_modified = revalidation(url, runs)
    wall = [statistics.median(wall for wall, _ in times) for times in (not_modified, renders)]
    cpu = [statistics.median(cpu for _, cpu in times) for times in (not_modified, renders)]
    ratio = wall[0] / wall[1]
    lines += [f"  full render (miss of the page cache), in process: {spread([t for t, _ in renders], 'ms', 2)}"
              f" (CPU median {cpu[1]:.2f} ms)",
              f"  304 revalidation (If-None-Match), in process: {spread([t for t, _ in not_modified], 'ms', 2)}"
              f" (CPU median {cpu[0]:.2f} ms)",
              f"  ratio {ratio:.1%} of medians (CPU: {cpu[0] / cpu[1]:.1%})   target <= {REVALIDATION_TARGET:.0%} "
              f"{'ok' if ratio <= REVALIDATION_TARGET else 'MISSED'}"]
    if not shutil.which("wrk"):
        return lines + ["  throughput: skipped: wrk is not installed (apt-get install wrk)"]
    log("  serving the page through gunicorn and nginx...")
    with tempfile.TemporaryDirectory(prefix="newsroom-serving-") as folder:
        folder = Path(folder)
        folder.chmod(0o755)  # nginx's workers may run as another user
        static, media = settings.BASE_DIR / "static", folder / "media"
        media.mkdir()
        site_env = {"DJANGO_SETTINGS_MODULE": "comments.bench_settings", "MEDIA_ROOT": str(media),
                    "DATABASE_URL": serving.database_url(connection.settings_dict)}
        with serving.gunicorn(environment=site_env) as (site, _):
            status, headers, page = serving.fetch(site, url)
            if status != 200:
                raise RuntimeError(f"the article page answered {status} under gunicorn")
            same_bytes = folder / "page.html"
            same_bytes.write_bytes(page)
            bare_env = {"BARE_WSGI_FILE": str(same_bytes), "BARE_WSGI_HEADERS": json.dumps(
                [(name, value) for name, value in headers.items() if name not in SERVERS_OWN])}
            with serving.gunicorn("newsroom.bare_wsgi", environment=bare_env, ready_path="/") as (bare, _):
                lines += compare(("site through gunicorn (2 workers)", "bare WSGI app, same bytes, same gunicorn"),
                                 *measure_pair((site, url), (bare, "/"), rounds, seconds), THROUGHPUT_TARGET)
            missing = serving.nginx_missing()
            if missing:
                return lines + [f"  through nginx: skipped: {missing}"]
            extra = f"location = {BENCH_FILE} {{ alias {same_bytes}; default_type text/html; }}"
            with serving.nginx(folder / "nginx", upstream=f"127.0.0.1:{site}", static_root=static,
                               media_root=media, extra_locations=extra) as front:
                serving.fetch(front, url)
                cached = serving.fetch(front, url)[1].get("x-cache-status")
                if cached != "HIT":
                    raise RuntimeError(f"nginx did not keep the page (X-Cache-Status {cached})")
                lines += compare(("site through the shipped nginx config", "nginx sending the same bytes from a file"),
                                 *measure_pair((front, url), (front, BENCH_FILE), rounds, seconds),
                                 THROUGHPUT_TARGET)
    return lines


def measure_pair(ours, ceiling, rounds, seconds):
    for port, path in (ours, ceiling):
        wrk(port, path, 1)  # warm up: every worker has the page
    results = interleaved({"ours": ours, "ceiling": ceiling}, rounds, seconds)
    return results["ours"], results["ceiling"]
