"""Reading the seed article page (``seed_article.txt``, a real page saved as text).

The page is: a dateline, the headline, the lead image caption, the body paragraphs, then the
comment thread. In the thread a comment is separated from the next by two or more blank
lines, paragraphs of one comment by a single blank line, and a commenter's name, where the
page showed one, stands alone on the line before the comment. Comments without a name were
written by guests. The page does not say who answers whom: ``REPLIES_TO`` records what the
text itself shows (quotes, numbered lists answered point by point, "Yes, could well be…").
"""

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

SEED_FILE = Path(__file__).with_name("seed_article.txt")

# A commenter's name: two or three capitalised words of letters only ("Michał Hunicz").
NAME_LINE = re.compile(r"^[A-Z][\w’'-]+(?: [A-Z][\w’'-]+){1,2}$")

# Comment number (in page order, from 0) -> the number of the comment it answers.
REPLIES_TO = {
    3: 1,    # "Move them to Afrin" answers Riyadh ordering its proxies to withdraw
    4: 3,    # "no the pocket at yarmouk!" answers "East Qalamoun is the next target"
    5: 1,    # "trouble in paradise" answers "Riyadh must be in chaos"
    8: 7,    # "Yeah, right. … no embedded Western advisors found"
    9: 8,    # Gregory Casey answers with the bunker report
    10: 9,   # "Well, show me the evidence then"
    11: 10,  # "Breaking news … thanks for supplying the link"
    13: 12,  # "Not a weapons expert … looks like a 50 cal"
    14: 12,  # "Looks like Russian snipper rifle"
    15: 14,  # "Yes, could well be an SV-98"
    16: 15,  # "Yes indeed, looks like you're right"
    18: 17,  # a counter-list to the numbered list of next targets
    19: 18,  # weapons sales, after "Bomb USA military bases"
    20: 19,  # "Everyone has the better weapon … the brain"
    21: 18,  # "5, 6, 7 are a fantasy"
    22: 21,  # "It's a fantasy because …"
    23: 18,  # "Very quiet possible."
    24: 18,  # "Why not just start WW3"
    25: 18,  # "8 enjoy…..u mean world war?"
    26: 17,  # "Deraa and Golan are separate battles"
    27: 26,  # "There is no buffer zone …"
    28: 17,  # "Al Tanf!! come on the yanks are not just going to leave"
    29: 19,  # "You can buy the latest brand new weapons …"
    32: 30,  # "the Yarmouk Refugee Camp, should be next" answers "1. Clear Yarmouk R. Camp"
}


@dataclass
class SeedComment:
    number: int
    author: str  # empty for a guest
    body: str
    parent: int | None = None


@dataclass
class SeedArticle:
    published: datetime
    headline: str
    caption: str
    paragraphs: list[str]
    comments: list[SeedComment] = field(default_factory=list)

    @property
    def body(self):
        return "\n\n".join(self.paragraphs)


def blocks(text):
    """Yield (blank lines before, block of text) for each run of non-blank lines."""
    blank, lines = 0, []
    for line in text.splitlines():
        if line.strip():
            lines.append(line.rstrip())
            continue
        if lines:
            yield blank, "\n".join(lines)
            blank, lines = 0, []
        blank += 1
    if lines:
        yield blank, "\n".join(lines)


def is_name(block):
    return "\n" not in block and bool(NAME_LINE.match(block))


def parse(text):
    parts = list(blocks(text))
    dateline, headline, caption = (block for _, block in parts[:3])
    rest = parts[3:]
    first_name = next(i for i, (_, block) in enumerate(rest) if is_name(block))
    article = SeedArticle(
        published=datetime.strptime(dateline.title(), "%B %Y"),
        headline=headline,
        caption=caption,
        paragraphs=[block for _, block in rest[:first_name]],
    )
    author, paragraphs = None, []

    def finish():
        if paragraphs:
            number = len(article.comments)
            article.comments.append(
                SeedComment(number, author or "", "\n\n".join(paragraphs), REPLIES_TO.get(number))
            )

    for blank, block in rest[first_name:]:
        if is_name(block):
            finish()
            author, paragraphs = block, []
        elif blank >= 2:
            finish()
            author, paragraphs = None, [block]
        else:
            paragraphs.append(block)
    finish()
    return article


def load():
    return parse(SEED_FILE.read_text(encoding="utf-8"))
