"""What scoring costs, for `make bench` (comments/bench.py): loading the models, scoring each
comment of the held-out corpus and the longest comment the form takes, and how well the
scores sort what moderators remove from what they approve (comments/triage/quality.py).

Each held-out comment is scored two ways, interleaved so that the machine's load weighs on
both alike: the models alone (triage.judge) and the whole of triage.score as posting calls it,
with the queries about the writer's history. Targets compare CPU time (time.thread_time), as
the rendering bench does: on a shared machine the wall clock also counts waiting for a core.
On PostgreSQL the database's own time for those queries is not in this process's CPU time;
the wall clock shows it."""

import gc
import statistics
import time
import tracemalloc

from django.conf import settings

from comments import triage
from comments.triage import linear, quality, training
from newsroom.models import User

LOAD_RUNS = 7
SCORE_RUNS = 3  # per comment and way; the median counts
LONGEST_RUNS = 7


def load_models():
    return [linear.Linear.from_json(triage.model_path(kind).read_text(encoding="utf-8"), kind)
            for kind in triage.KINDS]


def bench_load():
    """(milliseconds to read both models: min, median, median CPU), (bytes they take in memory)."""
    times = [timed(load_models) for _ in range(LOAD_RUNS)]
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = load_models()
        size = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    del kept
    wall = [ms for ms, _ in times]
    return (min(wall), statistics.median(wall), statistics.median(ms for _, ms in times)), size


def timed(function, *args):
    started, started_cpu = time.perf_counter(), time.thread_time()
    function(*args)
    return (time.perf_counter() - started) * 1000, (time.thread_time() - started_cpu) * 1000


def bench_scores(log):
    writer = User.objects.create(username="bench-scored", display_name="Bench Scored")
    guest = triage.features.Account()
    texts = [example.text for example in training.read_corpus("heldout")]
    triage.score(texts[0], writer)  # warm up: models loaded, queries prepared
    ways = {"models alone": lambda text: triage.judge(text, guest),
            "with the writer's history": lambda text: triage.score(text, writer)}
    wall = {way: [] for way in ways}
    cpu = {way: [] for way in ways}
    for text in texts:
        runs = {way: [] for way in ways}
        for _ in range(SCORE_RUNS):
            for way, score in ways.items():
                runs[way].append(timed(score, text))
        for way in ways:
            wall[way].append(statistics.median(ms for ms, _ in runs[way]))
            cpu[way].append(statistics.median(ms for _, ms in runs[way]))
    longest = quality.longest_comment()
    longest_runs = [timed(ways["with the writer's history"], longest) for _ in range(LONGEST_RUNS)]
    log(f"  scored {len(texts)} held-out comments two ways, and the longest comment")
    return texts, wall, cpu, longest_runs


def run(log=print):
    (load_min, load_median, load_cpu), size = bench_load()
    texts, wall, cpu, longest_runs = bench_scores(log)
    whole = "with the writer's history"
    median = statistics.median(cpu[whole])
    longest_wall = statistics.median(ms for ms, _ in longest_runs)
    longest_cpu = statistics.median(ms for _, ms in longest_runs)
    lines = ["", "Scoring a comment (comments.triage.score: spam and abuse), each held-out comment "
                 f"the median of {SCORE_RUNS} runs; ms as min / median / p99, and median CPU",
             f"  models: {triage.model_path('spam').parent.name}/ — loading both "
             f"{load_min:.1f} / {load_median:.1f} ms (CPU {load_cpu:.1f} ms), {size / 1e6:.1f} MB "
             f"in memory per worker"]
    for way in wall:
        lines.append(f"  {way + ':':28} {min(wall[way]):.2f} / {statistics.median(wall[way]):.2f} / "
                     f"{quality.percentile(wall[way], 0.99):.2f} ms, CPU {statistics.median(cpu[way]):.2f} ms")
    lines.append(f"  target: <= {quality.MEDIAN_TARGET_MS:g} ms CPU median a comment, as posting scores it "
                 f"{'ok' if median <= quality.MEDIAN_TARGET_MS else 'MISSED'}")
    lines.append(f"  the longest comment ({settings.COMMENTS_MAX_LENGTH:,} characters): "
                 f"{longest_wall:.2f} ms wall, {longest_cpu:.2f} ms CPU   target <= "
                 f"{quality.LONGEST_TARGET_MS:g} ms CPU {'ok' if longest_cpu <= quality.LONGEST_TARGET_MS else 'MISSED'}")
    lines += ["", f"Scores on the held-out corpus ({len(texts)} comments), at the thresholds in the settings",
              *("  " + line for line in quality.table(quality.report()).splitlines())]
    return lines
