"""`make cluster-bench`: the cluster (newsroom/cluster.py) measured, started on free ports of
its own and stopped after.

- Throughput through the balancer (nginx, the shipped configuration) in front of both app
  servers and, with a second nginx, in front of app server 1 alone: for anonymous readers
  (mostly nginx's micro-cache) and for a signed-in reader (the session cookie sends every
  request to an app server). wrk (comments/bench_serving.py), rounds interleaved, minimum and
  median. The app servers share this machine's cores, so two cannot do much more than one
  here; on machines of their own they add up. The figures show what balancing costs.
- Replica lag seen by a reader: after each of POSTS comments posted through app server 1, an
  anonymous reader asks app server 2 (which reads from the replica) for the page until it
  shows the comment (target: under LAG_TARGET_MS); and the author's very next page through the
  balancer, which must show it at once, being read from the primary (target: none without).
"""

import shutil
import statistics
import tempfile
import time
from pathlib import Path

from comments.bench_serving import interleaved, spread
from newsroom import serving
from newsroom.cluster import Browser, Cluster, Ports, missing_programs

POSTS = 10
LAG_TARGET_MS = 1000  # well inside DATABASE_PIN_SECONDS, which must outlast the lag


def lag_after_posts(cluster, posts):
    """(ms until an anonymous reader of app server 2 saw each post, author pages without it)."""
    app1, app2 = cluster.ports.apps
    author = Browser()
    author.sign_in(app1, "editor")  # staff: the per-person flood limit does not slow the probe
    lags, missing_for_author = [], 0
    for number in range(posts):
        text = f"Lag probe {number}, {time.time_ns()}"
        author.post_comment(app1, cluster.article, text)
        posted = time.perf_counter()
        if text not in author.get(cluster.ports.balancer, cluster.article)[2]:
            missing_for_author += 1
        probe = 0
        while text.encode() not in serving.fetch(app2, f"{cluster.article}?lag={number}-{probe}")[2]:
            probe += 1  # an address of its own each time: no cached page answers
            if time.perf_counter() - posted > 30:
                raise RuntimeError("the replica did not show a post within 30 s")
        lags.append((time.perf_counter() - posted) * 1000)
    return lags, missing_for_author


def run(*, rounds, seconds, log):
    missing = missing_programs() + ([] if shutil.which("wrk") else ["wrk"])
    if missing:
        return [f"Cluster: skipped: apt-get install {' '.join(missing)}"]
    lines = ["Cluster (make cluster's layout, on free ports): through the balancer, one and two app servers"]
    with tempfile.TemporaryDirectory(prefix="newsroom-cluster-bench-") as parent:
        parent = Path(parent)
        parent.chmod(0o755)  # PostgreSQL runs as another account when this runs as root
        cluster = Cluster(parent / "cluster", Ports.free())
        log("starting the cluster...")
        cluster.up()
        try:
            reader = Browser()
            reader.sign_in(cluster.ports.apps[0], "reader")
            signed_in = {"Cookie": f"sessionid={reader.cookie('sessionid')}"}
            two = cluster.ports.balancer
            with serving.nginx(parent / "one", upstream=f"127.0.0.1:{cluster.ports.apps[0]}",
                               static_root=cluster.static, media_root=cluster.media) as one:
                log("throughput...")
                results = interleaved({
                    "anonymous, two app servers": (two, cluster.article, {}),
                    "anonymous, one app server": (one, cluster.article, {}),
                    "signed in, two app servers": (two, cluster.article, signed_in),
                    "signed in, one app server": (one, cluster.article, signed_in),
                }, rounds, seconds)
            for name, values in results.items():
                lines.append(f"  {name}: {spread(values, 'req/s')}")
            for kind in ("anonymous", "signed in"):
                ratio = (statistics.median(results[f"{kind}, two app servers"])
                         / statistics.median(results[f"{kind}, one app server"]))
                lines.append(f"  {kind}: two app servers give {ratio:.2f}x one (medians; one machine's cores)")
            log("replica lag...")
            lags, missing_for_author = lag_after_posts(cluster, POSTS)
            lines += [
                f"  replica lag seen by another reader after a post ({POSTS} posts): "
                f"{spread(lags, 'ms')}, max {max(lags):,.0f} ms   target max < {LAG_TARGET_MS} ms "
                f"{'ok' if max(lags) < LAG_TARGET_MS else 'MISSED'}",
                f"  the author's next page without their own comment: {missing_for_author} of {POSTS}"
                f"   target 0 {'ok' if missing_for_author == 0 else 'MISSED'}",
            ]
        finally:
            cluster.down()
    return lines
