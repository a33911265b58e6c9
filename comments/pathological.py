"""Comment bodies built to make a Markdown renderer slow or make it fail, each as long as a
comment may be: the corpus `make bench` times render_comment on, and the tests feed it.

The patterns come from our own incidents (issue 8: `'[a' * 4999` took 6.7 s in
Python-Markdown, `'- ' * 495 + 'x'` raised RecursionError) and from cmark's pathological
tests (runs of openers with no closers, closers with no openers, deep nesting).
"""

from django.conf import settings

# Units repeated to the maximum length.
REPEATED = [
    "[", "[a", "[`", "]", "](", "[a](", "![", "![[]()", "[ (](", "[]: ", "[a]: b\n",
    "`", "``", "`a", "```\n", "~~~\n",
    "*", "_", "*a", "_a", "**a", "*_", "_*", "**_", "*a**", "a*b*", "a_b_", "***",
    ">", "> ", "- ", "* ", "+ ", "1. ", "1) ", "- > ", "> - ", "  - ", "- `", "* >",
    "&", "&amp;", "&#", "&#x", "&#123456789;", "\\", "\\`", "\\\n", "<", "<a", "<a href=",
    "<!--", "<?", "<!X", "<![CDATA[", "</", "<http://", "<a@b.", "http://", "https://a.",
    "www.", "a@b.", "(", ")", "|", "~", "#", "# ", "=\n", "-\n", "---\n", "a\n", "\n", " ",
    "\t", "    ", "a  \n", "\x00", "é", "\u202e", "\U0001f600",
]


def corpus(length=None):
    """(name, body) pairs, each body `length` characters (the maximum comment length)."""
    length = length or settings.COMMENTS_MAX_LENGTH

    def fill(unit):
        return (unit * (length // len(unit) + 1))[:length]

    bodies = [(f"{unit!r} repeated", fill(unit)) for unit in REPEATED]
    half = length // 2 - 1
    bodies += [
        ("nested list markers (RecursionError in Python-Markdown)", "- " * 495 + "x"),
        ("nested emphasis", "*" * half + "a" + "*" * half),
        ("nested brackets", "[" * half + "a" + "]" * half),
        ("nested links", "[a](" * (length // 8) + ")" * (length // 8)),
        ("unclosed code span then backticks", "`" * half + "a" + "``" * (half // 2)),
        ("lists indented ever deeper", "".join("  " * i + "- x\n" for i in range(90))[:length]),
        ("one long word", "a" * length),
        ("one long URL", fill("https://example.org/" + "a/" * 50)),
        ("many short paragraphs", fill("a\n\n")),
        ("many link references", "".join(f"[{i}]: /{i}\n" for i in range(length // 10))[:length]),
        ("table-like rows", fill("| a | b |\n|---|---|\n")),
    ]
    return [(name, body[:length]) for name, body in bodies]
