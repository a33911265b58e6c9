"""The comment admin's search box, routed by the shape of the term to one indexed lookup.

Searching every column with LIKE '%…%' reads the whole table (a second or more at 100,000
comments). A moderator's term has a recognisable shape instead, and each shape has its index:

- an IP address (v4 or v6)            → comments from that address (`comment_ip_address`);
- `@name`, or a username that exists  → that person's comments (`comment_author_time`);
- an email address                    → comments by the account or the guest using it;
- anything else                       → the words of the comments: PostgreSQL full-text search
  (`websearch` syntax: "a phrase", -word, or) on the GIN index of the comment_search table
  (kept by triggers, see migration 0008), without stemming, so the words match as written;
  elsewhere (SQLite) every word must appear in the text.

Words can match a handful of comments or tens of thousands, and PostgreSQL's estimate of how
many is poor for phrases (it took a phrase in 6,800 comments for one in 350, and read them
all, row by row, for one page). So the matches are counted first, up to TEXT_COUNT_LIMIT,
in one look at the index (and that count is the page's, when nothing else filters the
list). Up to that many, the list reads them through the index. Past it,
the list is read in its own order (newest first), each comment asked whether it has the
words (comment_has_words, migration 0011), which finds a page after a few thousand rows at
most, since so many match; its count stops at the limit ("more than 1,000").
"""

import ipaddress
from dataclasses import dataclass, replace

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import BooleanField, F, Func, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower

from newsroom.models import User

# The comments whose words match a websearch query ('simple': no stemming, no stop words).
MATCHING_WORDS = ("SELECT comment_id FROM comment_search "
                  "WHERE words @@ websearch_to_tsquery('simple', %s)")

TEXT_COUNT_LIMIT = 1_000

HELP_TEXT = ("Words of the comments (\"a phrase\", -word), @username (or a username as it is), "
             "an email address or an IP address.")


@dataclass(frozen=True)
class Search:
    kind: str  # "ip", "author", "email" or "text": what the term was taken for
    term: str
    description: str  # shown above the results, so the moderator knows what was searched
    people: tuple = ()  # the accounts of an author or email search, read once here
    counted: object = None  # what to count instead of the list (the same comments, cheaper)
    count: int | None = None  # the list's count when already known (up to TEXT_COUNT_LIMIT + 1)


def route(term):
    """What a search term is taken for (one small query for a word that may be a username)."""
    term = term.strip()
    if not term:
        return None
    try:
        address = ipaddress.ip_address(term)
    except ValueError:
        pass
    else:
        return Search("ip", str(address), f"Comments sent from the IP address {address}.")
    if " " not in term:
        if term.startswith("@") and len(term) > 1:
            name = term[1:]
            return Search("author", name, f"Comments by the user {name}.", accounts("username", name))
        if "@" in term[1:]:
            return Search("email", term, f"Comments by the account or guest with the email {term}.",
                          accounts("email", term))
        people = accounts("username", term)
        if people:
            return Search("author", term, f"Comments by the user {term} (search \"{term}\" "
                                          "with the quotes for the word).", people)
    return Search("text", term, f"Comments with the words {term}.")


def accounts(field, value):
    """Ids of the accounts whose username or email is `value`, ignoring case. Lower(username)
    is what the unique index of usernames holds, so that is one index probe; ids are read
    first so that the comments are then found through their own indexes only."""
    return tuple(User.objects.alias(value=Lower(field)).filter(value=value.lower())
                 .values_list("pk", flat=True)[:100])


def search(queryset, term):
    """(queryset filtered by the term, the Search it was routed to), or (queryset, None)."""
    found = route(term)
    if found is None:
        return queryset, None
    if found.kind == "ip":
        return queryset.filter(ip_address=found.term), found
    if found.kind == "author":
        return queryset.filter(author__in=found.people), found
    if found.kind == "email":
        queryset = queryset.alias(guest_address=Lower("guest_email"))
        guest = Q(guest_address=found.term.lower()) & ~Q(guest_email="")  # as the index holds them
        return queryset.filter(Q(author__in=found.people) | guest), found
    if connection.vendor == "postgresql":
        matching = queryset.filter(pk__in=RawSQL(MATCHING_WORDS, [found.term]))
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM ({MATCHING_WORDS} LIMIT %s) AS matches",
                           [found.term, TEXT_COUNT_LIMIT + 1])
            count = cursor.fetchone()[0]
        # Every comment has its row of words, so with no filter besides the search, that count
        # is the list's: the page need not count the matches again, joined to the comments
        # (more than the words themselves cost, for a word in thousands of comments).
        found = replace(found, count=None if queryset.query.where else count)
        if count <= TEXT_COUNT_LIMIT:
            return matching, found
        query = SearchQuery(found.term, search_type="websearch", config="simple")
        has_words = Func(F("pk"), query, function="comment_has_words", output_field=BooleanField())
        return queryset.filter(has_words), replace(found, counted=matching)
    for word in found.term.replace('"', " ").split():
        queryset = queryset.filter(body__icontains=word)
    return queryset, found
