"""Teaching the two models: from the labelled corpus shipped here and from moderators' decisions.

Labels: "ok" (approved), "spam", "removed" (removed for another reason: off-topic, privacy…),
and the three kinds of abuse, "insult", "threat" and "hate". The spam model learns spam and
other removals against approved comments; the abuse model learns the kinds of abuse against
everything else that was approved or is spam. scikit-learn's logistic regression does the
learning; the result is kept as weights in JSON (comments/triage/linear.py).

The corpus (corpus/train.tsv, corpus/heldout.tsv) was written for this site: comments in the
manner of a news site's discussion, with the account each came from. The held-out part is
never trained on; `manage.py score_report` and `make bench` measure the models on it.
"""

import csv
import os
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from comments.triage import features
from comments.triage.linear import Linear

CORPUS = Path(__file__).with_name("corpus")
ABUSE = ("insult", "threat", "hate")
LABELS = ("ok", "spam", "removed", *ABUSE)
# How strongly the weights are held back (logistic regression's C): the corpus is small, and
# a word seen in one spam example must not condemn every comment that uses it.
REGULARISATION = 2.0


@dataclass(frozen=True)
class Example:
    text: str
    account: features.Account
    label: str

    @property
    def removed(self):
        """What moderators would take off the page (and the pending queue should hold)."""
        return self.label != "ok"


def read_corpus(name):
    """The examples of corpus/<name>.tsv ("train" or "heldout")."""
    examples = []
    with open(CORPUS / f"{name}.tsv", encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file, delimiter="\t", quoting=csv.QUOTE_NONE):
            age = row["account_age_days"]
            account = features.Account(
                guest=age == "", age_days=float(age or 0), published=int(row["published"]),
                removed=int(row["removed"]), repeats=int(row["repeats"]),
            )
            if row["label"] not in LABELS:
                raise ValueError(f"{name}.tsv: unknown label {row['label']!r}")
            examples.append(Example(row["text"], account, row["label"]))
    return examples


def site_examples(limit=50_000):
    """Moderators' decisions as examples: each comment's last approval, removal or spam mark,
    with the writer as scoring saw them when the comment was written: the account's age, what
    became of its last HISTORY comments before it, and its repetitions over the REPEAT_WINDOW
    before it (a guest: by address), worked out as comments/triage.account works them out."""
    from django.db.models import Q

    from comments.models import Comment, ModerationLog
    from comments.triage import HISTORY, REPEAT_WINDOW

    Action, Reason = ModerationLog.Action, ModerationLog.Reason
    by_reason = {Reason.HATE: "hate", Reason.VIOLENCE: "threat", Reason.ABUSE: "insult",
                 Reason.SPAM: "spam"}
    last = {}
    decisions = (ModerationLog.objects.filter(
        moderator__isnull=False, action__in=[Action.APPROVE, Action.REMOVE, Action.SPAM])
        .order_by("-created_at", "-id").values_list("comment_id", "action", "reason")[:limit])
    for comment_id, action, reason in decisions:
        if comment_id not in last:
            last[comment_id] = ("ok" if action == Action.APPROVE else "spam" if action == Action.SPAM
                                else by_reason.get(reason, "removed"))
    comments = (Comment.objects.filter(pk__in=list(last)).select_related("author")
                .only("pk", "body", "created_at", "ip_address", "author__date_joined"))
    # Each writer's comments in time order (an account's, or a guest's address's, as scoring
    # knows them), for their history and their repetitions before each decided one.
    authors = {comment.author_id for comment in comments if comment.author_id}
    addresses = {comment.ip_address for comment in comments if not comment.author_id and comment.ip_address}
    history = defaultdict(list)
    written = (Comment.objects.filter(Q(author_id__in=authors) | Q(author=None, ip_address__in=addresses))
               .order_by("created_at", "id").values_list("pk", "author_id", "ip_address", "created_at", "status", "body"))
    for pk, author_id, ip_address, created_at, status, body in written:
        history[author_id or ip_address].append((pk, created_at, status, body))
    examples = []
    for comment in comments:
        earlier = [row for row in history.get(comment.author_id or comment.ip_address, ())
                   if row[1] < comment.created_at and row[0] != comment.pk]
        recent = [body for _, created_at, _, body in earlier if created_at >= comment.created_at - REPEAT_WINDOW]
        repeated = features.repeats(comment.body, recent)
        if comment.author_id is None:
            account = features.Account(repeats=repeated)  # a guest: no age, no history
        else:
            statuses = [status for _, _, status, _ in earlier[-HISTORY:]]
            account = features.Account(
                guest=False,
                age_days=max(0.0, (comment.created_at - comment.author.date_joined).total_seconds() / 86400),
                published=statuses.count(Comment.Status.PUBLISHED),
                removed=sum(status in (Comment.Status.REMOVED, Comment.Status.SPAM) for status in statuses),
                repeats=repeated,
            )
        examples.append(Example(comment.body, account, last[comment.pk]))
    return examples


def fit(rows, targets):
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vectoriser = DictVectorizer()
    matrix = vectoriser.fit_transform([dict.fromkeys(row, 1) for row in rows])
    model = LogisticRegression(C=REGULARISATION, class_weight="balanced", max_iter=2000)
    model.fit(matrix, targets)
    names = vectoriser.get_feature_names_out()
    weights = {str(name): float(weight) for name, weight in zip(names, model.coef_[0]) if abs(weight) >= 1e-3}
    return float(model.intercept_[0]), weights


def train_spam(examples, about=None):
    chosen = [example for example in examples if example.label in ("ok", "spam", "removed")]
    bias, weights = fit([features.spam_features(features.Reading.of(example.text), example.account)
                         for example in chosen],
                        [example.label != "ok" for example in chosen])
    return Linear("spam", bias, weights, {}, about or {})


def train_abuse(examples, about=None):
    chosen = [example for example in examples if example.label != "removed"]
    rows = [features.abuse_features(features.Reading.of(example.text)) for example in chosen]
    bias, weights = fit(rows, [example.label in ABUSE for example in chosen])
    # Each word that points to abuse is named by the kind of abuse it mostly came from.
    seen = defaultdict(Counter)
    for row, example in zip(rows, chosen):
        if example.label in ABUSE:
            for name in row:
                seen[name][example.label] += 1
    categories = {name: seen[name].most_common(1)[0][0] for name, weight in weights.items()
                  if weight > 0 and name in seen}
    return Linear("abuse", bias, weights, categories, about or {})


def train(examples, about=None):
    return train_spam(examples, about), train_abuse(examples, about)


def write(model, directory):
    """Write the model where scoring finds it, atomically: a process loading it meanwhile reads
    the old file or the new one, never half of one."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{model.kind}-", suffix=".json")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(model.to_json())
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide it from the site's other users
        os.replace(temporary, directory / f"{model.kind}.json")
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
