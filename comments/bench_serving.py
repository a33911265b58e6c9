"""The serving part of `make bench`: the anonymous 100-comment article page as production
serves it, against the ceilings of the same servers sending the same bytes.

- through gunicorn (2 workers) vs a bare WSGI app (newsroom/bare_wsgi.py) sending the page's
  bytes under the same gunicorn: target at least THROUGHPUT_TARGET of it;
- through the shipped nginx configuration (deploy/nginx/, micro-cache) in front of that
  gunicorn vs the same nginx sending the page's bytes from a file: the same target;
- in process: a 304 revalidation (If-None-Match) vs a full render of a page not yet cached
  (validator, render, store): target at most REVALIDATION_TARGET of it.

Throughput is measured with wrk (Debian's `wrk`), 16 connections, only on 127.0.0.1, each
run bounded in time; the cases are interleaved round by round, and the minimum and median
of the rounds are printed. Without wrk or nginx, the lines that need them say so and are
skipped. The servers use the bench's throw-away database.
"""

import re
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.test import Client

from comments.generate import generate
from newsroom import serving

THROUGHPUT_TARGET = 0.5
REVALIDATION_TARGET = 0.10
CONNECTIONS = 16
COMMENTS = 100
BENCH_FILE = "/bench-same-bytes.html"


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
    started = time.perf_counter()
    function()
    return (time.perf_counter() - started) * 1000


def revalidation(url, runs):
    """(full render ms list, 304 ms list), interleaved, in process."""
    client = Client(HTTP_HOST="localhost")
    etag = client.get(url)["ETag"]
    renders, not_modified = [], []
    for number in range(runs):
        # A query string of its own makes each render a miss of the page cache.
        renders.append(timed(lambda: client.get(f"{url}?bench={number}")))
        not_modified.append(timed(lambda: check_304(client, url, etag)))
    return renders, not_modified


def check_304(client, url, etag):
    status = client.get(url, headers={"if-none-match": etag}).status_code
    assert status == 304, status


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
    ratio = statistics.median(not_modified) / statistics.median(renders)
    lines += [f"  full render (miss of the page cache), in process: {spread(renders, 'ms', 2)}",
              f"  304 revalidation (If-None-Match), in process: {spread(not_modified, 'ms', 2)}",
              f"  ratio {ratio:.1%} of medians   target <= {REVALIDATION_TARGET:.0%} "
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
            bare_env = {"BARE_WSGI_FILE": str(same_bytes), "BARE_WSGI_TYPE": headers["content-type"]}
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
