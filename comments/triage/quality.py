"""How good and how fast the scoring is, measured on the held-out corpus: for
`manage.py score_report`, `manage.py train_scoring` and `make bench`.

The figure that matters to moderators is the pending queue's: of what they would remove, how
much the scores hold (target at least 90%), and of what they would approve, how much the
scores hold needlessly (target at most 5%). Each model's precision and recall are beside it.
"""

import statistics
import time
from dataclasses import dataclass

from django.conf import settings

from comments import triage
from comments.triage import training

HELD_OF_REMOVED_TARGET = 0.90
HELD_OF_APPROVED_TARGET = 0.05
MEDIAN_TARGET_MS = 5.0
LONGEST_TARGET_MS = 20.0  # CPU, the longest comment the form takes (as rendering's target)


@dataclass(frozen=True)
class Row:
    name: str
    threshold: str
    positives: int
    precision: float
    recall: float
    held_of_approved: float


def share(part, whole):
    return part / whole if whole else 0.0


def measure(name, threshold, examples, is_positive, is_held):
    positives = [example for example in examples if is_positive(example)]
    approved = [example for example in examples if example.label == "ok"]
    held = [example for example in examples if is_held(example)]
    true = [example for example in held if is_positive(example)]
    return Row(name, threshold, len(positives), share(len(true), len(held)), share(len(true), len(positives)),
               share(sum(is_held(example) for example in approved), len(approved)))


def report(examples=None, spam_hold=None, abuse_hold=None):
    """The table: each model alone, then the pending queue (either score at its threshold),
    on the held-out corpus unless other examples are given. Uses the models scoring uses."""
    examples = training.read_corpus("heldout") if examples is None else examples
    spam_hold = settings.COMMENTS_SPAM_HOLD if spam_hold is None else spam_hold
    abuse_hold = settings.COMMENTS_ABUSE_HOLD if abuse_hold is None else abuse_hold
    scores = {id(example): triage.judge(example.text, example.account) for example in examples}

    def spam_held(example):
        value = scores[id(example)].spam
        return value is not None and value >= spam_hold

    def abuse_held(example):
        value = scores[id(example)].abuse
        return value is not None and value >= abuse_hold

    return [
        measure("spam model: spam and other removals", f"{spam_hold:.2f}", examples,
                lambda example: example.label in ("spam", "removed"), spam_held),
        measure("abuse model: insults, threats, hate", f"{abuse_hold:.2f}", examples,
                lambda example: example.label in training.ABUSE, abuse_held),
        measure("pending queue: all a moderator removes", "either", examples,
                lambda example: example.removed, lambda example: spam_held(example) or abuse_held(example)),
    ]


def table(rows):
    lines = [f"{'':42} {'hold at':>7} {'cases':>5} {'precision':>9} {'recall':>7} {'approved held':>13}"]
    for row in rows:
        lines.append(f"{row.name:42} {row.threshold:>7} {row.positives:>5} {row.precision:>9.1%} "
                     f"{row.recall:>7.1%} {row.held_of_approved:>13.1%}")
    queue = rows[-1]
    lines.append(f"targets: the pending queue holds ≥ {HELD_OF_REMOVED_TARGET:.0%} of what moderators remove "
                 f"({'met' if queue.recall >= HELD_OF_REMOVED_TARGET else 'NOT met'}: {queue.recall:.1%}) and "
                 f"≤ {HELD_OF_APPROVED_TARGET:.0%} of what they approve "
                 f"({'met' if queue.held_of_approved <= HELD_OF_APPROVED_TARGET else 'NOT met'}: "
                 f"{queue.held_of_approved:.1%})")
    return "\n".join(lines)


def timings(texts, runs=3):
    """Milliseconds of the models' part of scoring (triage.judge) per text, as a guest writes
    it (no database): (wall clock, CPU) lists, each the median of `runs`. On a busy machine the
    wall clock also counts waiting for a core; the CPU time (time.thread_time) does not."""
    writer = triage.features.Account()
    wall, cpu = [], []
    for text in texts:
        runs_wall, runs_cpu = [], []
        for _ in range(runs):
            started, started_cpu = time.perf_counter(), time.thread_time()
            triage.judge(text, writer)
            runs_cpu.append((time.thread_time() - started_cpu) * 1000)
            runs_wall.append((time.perf_counter() - started) * 1000)
        wall.append(statistics.median(runs_wall))
        cpu.append(statistics.median(runs_cpu))
    return wall, cpu


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def longest_comment():
    """A comment as long as the form takes, of ordinary and abusive sentences and links."""
    sentences = [example.text for example in training.read_corpus("heldout")]
    text, position = "", 0
    while len(text) < settings.COMMENTS_MAX_LENGTH:
        text += sentences[position % len(sentences)] + " "
        position += 1
    return text[: settings.COMMENTS_MAX_LENGTH]
