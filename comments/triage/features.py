"""What the models see of a comment: named features, the same for training and for scoring.

Every feature is a string ("word:cheap", "domain:replica-deals.shop", "account:new"), present
or not; a model is a weight for each name it knows (comments/triage/linear.py). Training and
scoring call these very functions, so the two cannot drift apart.

The cost is linear in the text and bounded: the text is read once (Reading), cut at
COMMENTS_MAX_LENGTH characters (the longest comment the form takes); the abuse model reads it
in windows of at most WINDOW_WORDS words, and at most MAX_LINKS links are looked at.
"""

import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings

WINDOW_WORDS = 40
MAX_LINKS = 5
CAPITALS_SAMPLE = 1000  # characters

URL = re.compile(r"(?:https?://|www\.)[^\s<>()\"']+", re.IGNORECASE)
# A bare domain counts as a link only with a top-level domain that links use: "them.Have",
# a missing space after a full stop, must not look like a link.
BARE_DOMAIN = re.compile(
    r"\b((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
    r"(?:com|net|org|info|biz|io|co|uk|me|tv|ws|xyz|shop|store|online|site|top|click|win|bet"
    r"|live|stream|date|travel|pharmacy|quote|xxx|cn|ru|in|de|fr))\b(?:/\S*)?",
    re.IGNORECASE,
)
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
PHONE = re.compile(r"(?<!\w)\+?\d[\d ()-]{7,}\d(?!\w)")
MONEY = re.compile(r"[$£€]\s?\d|\d\s?[$£€%]")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
REPEATED = re.compile(r"(.)\1{2,}")  # "stuuuupid" -> "stupid", "soooo" -> "so"
# Digits standing in for letters inside words ("1d10t"), and the signs used likewise.
LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
LEET_WORD = re.compile(r"\b(?=\w*[a-z])(?=\w*[0-9@$])[\w@$]+\b")
SHORTENERS = frozenset({"bit.ly", "tinyurl.com", "t.co", "goo.gl", "ow.ly", "is.gd", "t.me", "cutt.ly"})
# Second-level names under which people register (example.co.uk): the domain is three labels.
SECOND_LEVEL = frozenset({"co", "com", "org", "net", "ac", "gov"})


@dataclass(frozen=True)
class Account:
    """What the spam model knows of the writer, read from the database (comments/triage)."""

    guest: bool = True
    age_days: float = 0.0
    published: int = 0  # their published comments (of the most recent ones looked at)
    removed: int = 0  # their comments moderators removed or marked as spam (likewise)
    repeats: int = 0  # their comments of the last day with this text or these links


@dataclass(frozen=True)
class Reading:
    """A comment's text read once for both models: cut at the longest a comment may be, its
    links, and its words without links and email addresses, normalised."""

    text: str
    hosts: list
    plain: str  # the text without links and email addresses, as written
    normalised: str  # the same, normalised

    @classmethod
    def of(cls, text):
        text = text[: settings.COMMENTS_MAX_LENGTH]
        plain = EMAIL.sub(" ", URL.sub(" ", text))
        return cls(text, links(text), plain, normalise(plain))


def normalise(text):
    """Lower case, compatibility forms folded (full-width letters, ligatures), digits used as
    letters read as letters, letters repeated for effect kept once."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = LEET_WORD.sub(lambda match: match.group().translate(LEET), text)
    return REPEATED.sub(r"\1", text)


def words(text):
    """The words of normalised text, numbers as one word "#"."""
    return ["#" if word.isdigit() else word for word in WORD.findall(text)]


# Words that every kind of comment uses. Alone they say nothing, and a small corpus would
# still give them weight by chance ("them" in every threat), so they count only in pairs
# with a word that is not one of them ("kill them", not "of them").
COMMON = frozenset(
    "a an the and or but if so as of to in on at by for from with about into over than then "
    "is are was were be been being am do does did have has had will would can could should "
    "may might must shall it its it's this that these those there here what which who whom "
    "whose when where why how i me my we us our you your you're he him his she her they them "
    "their one all any some no not just also very too up out more most other such only own "
    "same again once".split()
)


def word_features(tokens):
    """Each word, the first five letters of each longer one (so "idiots" and "idiotic" meet
    "idiot"), and each pair of words in a row ("kill them")."""
    features = {"word:" + token for token in tokens if token not in COMMON}
    features.update("stem:" + token[:5] for token in tokens if len(token) > 5)
    features.update(f"pair:{first} {second}" for first, second in zip(tokens, tokens[1:])
                    if first not in COMMON or second not in COMMON)
    return features


def links(text):
    """The domains linked to, in order, at most MAX_LINKS, without "www."."""
    found = []
    for match in URL.finditer(text):
        url = match.group()
        host = re.sub(r"^(?:https?://)?", "", url, flags=re.IGNORECASE).split("/")[0].split(":")[0]
        found.append(host)
        if len(found) >= MAX_LINKS:
            break
    if len(found) < MAX_LINKS:
        bare = URL.sub(" ", text)
        for match in BARE_DOMAIN.finditer(EMAIL.sub(" ", bare)):
            found.append(match.group(1))
            if len(found) >= MAX_LINKS:
                break
    return [host.lower().removeprefix("www.").rstrip(".") for host in found]


# Repetition across comments: of the writer's comments of the last day, how many have the same
# text or link to a domain this one links to (compared without case), counted up to this. The
# same rule at scoring time (a query, comments/triage.account) and at training time (over the
# writer's earlier comments, comments/triage/training.py: `repeats`).
REPEATS_COUNTED = 10


def linked_domains(body):
    return {registered(host).lower() for host in links(body[: settings.COMMENTS_MAX_LENGTH])}


def repeats(body, earlier):
    """How many of the `earlier` texts (the writer's comments of the window before this one)
    repeat `body`, up to REPEATS_COUNTED."""
    domains = linked_domains(body)
    count = sum(1 for other in earlier
                if other == body or any(domain in other.lower() for domain in domains))
    return min(count, REPEATS_COUNTED)


def registered(host):
    """The name someone registered: news.example.co.uk -> example.co.uk."""
    labels = host.split(".")
    if len(labels) >= 3 and labels[-2] in SECOND_LEVEL and len(labels[-1]) == 2:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def spam_features(reading, account):
    """The spam model's features: words and pairs of words, links and their domains, ways of
    asking to be contacted, and the account's age, history and repetition."""
    text, hosts, plain = reading.text, reading.hosts, reading.plain
    features = word_features(words(reading.normalised))
    for host in hosts:
        domain = registered(host)
        features.add("domain:" + domain)
        features.add("tld:" + domain.rsplit(".", 1)[-1])
        features.update("domainword:" + part for part in re.split(r"[-.\d]+", domain.rsplit(".", 1)[0]) if len(part) > 1)
        if domain in SHORTENERS or host in SHORTENERS:
            features.add("link:shortener")
    if hosts:
        features.add("links:1" if len(hosts) == 1 else "links:2+")
    if EMAIL.search(text):
        features.add("contact:email")
    if PHONE.search(plain):
        features.add("contact:phone")
    if MONEY.search(plain):
        features.add("style:money")
    if "!!!" in plain:
        features.add("style:exclamations")
    start = plain[:CAPITALS_SAMPLE]  # shouting shows at the start; the cost stays bounded
    letters = sum(map(str.isalpha, start))
    if letters >= 20 and sum(map(str.isupper, start)) > 0.6 * letters:
        features.add("style:capitals")
    features.update(account_features(account))
    return features


def account_features(account):
    if account.guest:
        features = {"account:guest"}
    elif account.age_days < 1:
        features = {"account:new", "account:first-day"}
    elif account.age_days < 7:
        features = {"account:new"}
    elif account.age_days < 90:
        features = {"account:months"}
    else:
        features = {"account:old"}
    if not account.guest:
        features.add("history:none" if account.published == 0 else
                     "history:some" if account.published < 10 else "history:many")
    if account.removed:
        features.add("history:removed")
        if account.removed >= 3:
            features.add("history:removed-often")
    if account.repeats:
        features.add("repeated")
        if account.repeats >= 3:
            features.add("repeated-often")
    return features


# What abuse is made of, as far as a list of words can say: the model learns how much each
# counts from the corpus, and these let it recognise the corpus's abuse in words it never saw
# in that order ("eliminate them", "exterminate those").
VIOLENCE = frozenset(
    "kill killing murder shoot shooting shot hang hanging hanged lynch slaughter slaughtered "
    "massacre exterminate exterminated eliminate eliminated execute executed gas gassed burn "
    "stab behead drown drowned torch poison lynched slit wipe exterminating".split()
)
AT_PEOPLE = frozenset("them you him her those these all every everyone whole lot yourself".split())
DEHUMANISING = frozenset(
    "vermin parasite parasites subhuman subhumans cockroach cockroaches rats animals scum filth "
    "filthy savages savage apes plague infestation slaves demons satanic vile pigs dogs locusts "
    "disease cancer orcs degenerates inferior".split()
)
SLURS = frozenset("zio zios zionazi bitches bitch trannies retarded retard faggot faggots kike".split())
INSULTS = frozenset(
    "idiot idiots moron morons imbecile imbeciles cretin halfwit dumbass dumb stupid clown "
    "pathetic worthless scumbag brainless braindead fool ignorant lunatic crap shit dick "
    "coward spineless".split()
)
YOU = frozenset("you you're your youre u ur".split())
NEAR = 3  # words between a violent verb and whom it is aimed at, an insult and "you"


def lexicon_features(tokens):
    features = set()
    for position, token in enumerate(tokens):
        after = tokens[position + 1:position + 1 + NEAR]
        around = tokens[max(0, position - NEAR):position] + after
        if token in VIOLENCE:  # alone, news of a war is full of them: only when aimed at people
            if AT_PEOPLE.intersection(after):
                features.add("lexicon:violence-at-people")
        elif token in DEHUMANISING:
            features.add("lexicon:dehumanising")
        elif token in SLURS:
            features.add("lexicon:slur")
        elif token in INSULTS:
            features.add("lexicon:insult")
            if YOU.intersection(around):
                features.add("lexicon:insult-at-you")
    return features


def abuse_window(tokens):
    return word_features(tokens) | lexicon_features(tokens)


def abuse_windows(reading):
    """The abuse model's features for each stretch of the text: the whole comment when it is
    short (as the training examples are), otherwise each sentence, long ones in pieces of
    WINDOW_WORDS words. Abuse is scored by its worst window, so a long, calm argument is not
    made suspect by the number of its words, and one insult in it is not diluted."""
    text = reading.normalised
    tokens = words(text)
    if len(tokens) <= WINDOW_WORDS:
        return [abuse_window(tokens)] if tokens else []
    windows = []
    for sentence in SENTENCE_END.split(text):
        tokens = words(sentence)
        for start in range(0, len(tokens), WINDOW_WORDS):
            if tokens[start:start + WINDOW_WORDS]:
                windows.append(abuse_window(tokens[start:start + WINDOW_WORDS]))
    return windows


def abuse_features(reading):
    """All the words of a comment at once: what the abuse model is trained on."""
    return abuse_window(words(reading.normalised))
