"""Names people choose (usernames, display names, guest names): what makes one impersonate.

Three rules, applied wherever a name is set (sign-up, the account page, the admin's user
forms, guest comments):

1. No invisible or text-direction characters (Unicode categories Cc and Cf, line and
   paragraph separators, and the fillers that draw nothing): a right-to-left override turns
   "rotaredoM ehT" into "The Moderator" on the page and reverses whatever follows it.
2. Not confusable with a reserved word (NAMES_RESERVED and SITE_NAME: "Moderator (staff)",
   "Site admin"; and "deleted account", the name deleted accounts are shown under):
   compared word by word.
3. Not confusable with a member of staff's name, whole ("The Editor", "Тhe Еditor" in
   Cyrillic, "the-editor").

"Confusable" is Unicode's own definition (UTS #39, section 4): two strings are confusable
when their skeletons are equal. The data is Unicode's confusables.txt, shipped beside this
module (data/confusables.txt, with its licence header) and read once per process. Names are
compared case-folded, without accents, spaces and punctuation (see foldings()).

Staff accounts may carry reserved words (the demo's "The Moderator"); nobody may take a
name confusable with another member of staff's. Names already stored are not changed:
`manage.py check_names` lists those the rules would now refuse.
"""

import re
import unicodedata
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q

CONFUSABLES = Path(__file__).with_name("data") / "confusables.txt"
# Draw nothing, yet are letters or marks rather than format characters (Default_Ignorable
# code points outside Cf): Hangul fillers, the combining grapheme joiner, Khmer inherent
# vowels, Mongolian variation selectors, the blank Braille pattern.
INVISIBLE = {0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180B, 0x180C, 0x180D, 0x180F,
             0x2800, 0x3164, 0xFFA0}
REFUSED_CATEGORIES = {"Cc", "Cf", "Co", "Cs", "Zl", "Zp"}
# Variation selectors (emoji presentation) draw nothing but change nothing a reader could
# be fooled by; the skeleton drops them like the other default-ignorable code points.
IGNORED = {*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0), *INVISIBLE}
WORD = re.compile(r"[^\W\d_]+")
DIGITS = re.compile(r"\d+")


@cache
def prototypes():
    """confusables.txt as {character: its prototype}, e.g. {"о" (Cyrillic): "o"}."""
    table = {}
    with CONFUSABLES.open(encoding="utf-8-sig") as lines:
        for line in lines:
            fields = line.split("#", 1)[0].split(";")
            if len(fields) >= 2:
                source, target = fields[0].strip(), fields[1].strip()
                table[chr(int(source, 16))] = "".join(chr(int(point, 16)) for point in target.split())
    return table


def skeleton(text):
    """UTS #39 skeleton: NFD, default-ignorable code points dropped, each character
    replaced by its prototype, NFD again."""
    table = prototypes()
    decomposed = unicodedata.normalize("NFD", text)
    mapped = "".join(
        table.get(char, char) for char in decomposed
        if ord(char) not in IGNORED and unicodedata.category(char) != "Cf"
    )
    return unicodedata.normalize("NFD", mapped)


def foldings(text):
    """What names are compared by: the skeleton, case-folded, with accents dropped, taken of
    the name as written (Cyrillic "Т" is confusable with "T"), of its case-folded form (so
    "EDITOR" matches "editor") and of that without digits ("staff1", whose skeleton is
    "staffl"); two names match if any of these match."""
    # Skeletons hold capitals ("0" becomes "O"); case-folding them can make letters that
    # have prototypes of their own ("M" to "m", whose prototype is "rn"): hence the second.
    return {
        "".join(char for char in skeleton(skeleton(variant).casefold())
                if unicodedata.category(char) not in {"Mn", "Me"})
        for variant in (text, text.casefold(), DIGITS.sub("", text.casefold()))
    }


def word_lists(text):
    """The name's words in each folding: letters only, so "m0derator_1" and "Moderator
    (staff)" both yield a "moderator"."""
    return [WORD.findall(folded) for folded in foldings(text)]


def squeezed(text):
    """The name's foldings with everything but letters dropped: "The-Editor" as "theeditor"."""
    return {"".join(words) for words in word_lists(text)}


def hidden_character(name):
    """The first invisible or text-direction character in the name, or None."""
    for char in name:
        if unicodedata.category(char) in REFUSED_CATEGORIES or ord(char) in INVISIBLE:
            return char
    return None


# The name the comments of a deleted account are shown under (newsroom/privacy.py); reserved,
# so nobody can pass for a deleted account, nor make one look like they wrote something.
DELETED_NAME = "[deleted account]"


DELETED_WORDS = "deleted account"


def reserved_words():
    return [*settings.NAMES_RESERVED, settings.SITE_NAME, DELETED_WORDS]


def reserved_word_in(name):
    """The reserved word (or phrase) the name is confusable with, or None. A word matches
    in the singular or plural; a phrase matches as consecutive words or run together."""
    for reserved in reserved_words():
        for wanted in word_lists(reserved):
            if wanted and any(contains(name_words, wanted) for name_words in word_lists(name)):
                return reserved
    return None


def contains(name_words, wanted):
    """Whether consecutive words of the name, run together, spell the wanted words (or their
    plural): "News Room" and "the newsroom" contain "Newsroom"."""
    target = "".join(wanted)
    for start in range(len(name_words)):
        joined = ""
        for word in name_words[start:]:
            joined += word
            if joined in (target, target + "s"):
                return True
            if len(joined) > len(target):
                break
    return False


def staff_name_keys():
    """{account id: the squeezed foldings of every name it is shown by} for staff and
    moderators (display names and usernames)."""
    from comments.permissions import MODERATORS
    from newsroom.models import User

    staff = User.objects.filter(Q(is_staff=True) | Q(groups__name=MODERATORS)).distinct()
    keys = {}
    for pk, username, display_name in staff.values_list("pk", "username", "display_name"):
        keys[pk] = squeezed(username) | (squeezed(display_name) if display_name else set())
    return keys


def problem(name, *, account_pk=None, staff=False, staff_keys=None):
    """Why the name may not be used, as a sentence for the form, or None.
    account_pk: the account being named (its own names do not count against it);
    staff: the account is staff, so it may carry reserved words;
    staff_keys: staff_name_keys(), when checking many names."""
    char = hidden_character(name)
    if char is not None:
        return (f"A name cannot contain tabs, line breaks, invisible or text-direction characters "
                f"(this one has U+{ord(char):04X}, {unicodedata.name(char, 'a control character')}).")
    if not staff:
        reserved = reserved_word_in(name)
        if reserved is not None:
            whom = "an account that was deleted" if reserved == DELETED_WORDS else "the site's staff"
            return (f"Names cannot include “{reserved}” or anything that looks like it: "
                    f"readers would take you for {whom}.")
    keys = squeezed(name) - {""}
    staff_keys = staff_name_keys() if staff_keys is None else staff_keys
    if keys and any(keys & other for pk, other in staff_keys.items() if pk != account_pk):
        return "That name looks like a member of staff's. Please choose another."
    return None


def validate(name, *, account_pk=None, staff=False):
    """Raise ValidationError if the name may not be used (see problem())."""
    message = problem(name, account_pk=account_pk, staff=staff)
    if message:
        raise ValidationError(message, code="impersonating_name")
    return name
