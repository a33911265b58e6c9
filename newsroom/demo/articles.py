"""Articles of our own for the demo site, so every section, feed and archive has something."""

from datetime import timedelta

SECTIONS = [
    ("Middle East", "middle-east", "Reporting from Syria, Iraq, the Gulf and the Levant."),
    ("World", "world", "International news."),
    ("Science", "science", "Discoveries, research and the people behind them."),
    ("Technology", "technology", "How software and hardware change the way we live."),
    ("Culture", "culture", "Books, music, art and the ideas around them."),
]

AUTHORS = [
    ("Newsroom staff", "newsroom-staff", "Reports written by the Newsroom desk."),
    ("Amira Haddad", "amira-haddad", "Amira Haddad covers science and the environment."),
    ("Tom Reyes", "tom-reyes", "Tom Reyes writes about technology and the open web."),
]

# (age of the article, section slug, author slugs, tags, headline, standfirst, body)
OWN_ARTICLES = [
    (
        timedelta(hours=3), "science", ["amira-haddad"], ["Cities", "Climate"],
        "Why a street's trees can cool it by several degrees",
        "Shade and evaporation make the difference between a bearable afternoon and a "
        "dangerous one, and the effect is largest where trees are scarcest.",
        "On a hot afternoon the air under a full canopy of street trees can be several "
        "degrees cooler than on a bare street a block away. Two things do the work: leaves "
        "block sunlight before it reaches asphalt and walls, and the water trees draw from "
        "the ground leaves through their leaves as vapour, taking heat with it.\n\n"
        "Urban climatologists measure the effect with sensors carried along fixed routes "
        "at the same hour on many days. The differences are largest late in the day, when "
        "bare stone and tarmac give back the heat they stored since morning.\n\n"
        "Planting is the easy part. Young trees need water through their first summers, "
        "soil that roots can grow into, and room between pipes and cables. Cities that "
        "plan for those needs keep the trees they plant.",
    ),
    (
        timedelta(hours=20), "technology", ["tom-reyes"], ["Open source", "Web"],
        "The long-term release: why small newsrooms pick boring software",
        "Three years of security fixes matter more to a two-person web team than any new "
        "feature.",
        "Every few years the frameworks that run most news websites publish a long-term "
        "support release: a version that receives security and data-loss fixes for about "
        "three years. For a small newsroom with one developer, that promise is worth more "
        "than anything in the changelog.\n\n"
        "Upgrading between long-term releases once every two or three years is a project "
        "that can be planned. Chasing every release is not. The trade-off is that new "
        "features arrive later, which most readers never notice.\n\n"
        "The same reasoning applies to databases and servers: software that is widely "
        "used, well documented and dull tends to stay up on election night.",
    ),
    (
        timedelta(days=2, hours=4), "culture", ["newsroom-staff"], ["Books"],
        "Independent bookshops find a second life as meeting rooms",
        "Readings, repair cafés and chess clubs fill the evenings in shops that once "
        "closed at six.",
        "When the shutters come down at six, a growing number of independent bookshops "
        "now open a second time. Readings and book clubs were the start; language "
        "exchanges, repair cafés and chess clubs followed.\n\n"
        "Owners say the evenings rarely pay for themselves directly, but people who come "
        "for a talk come back on a Saturday to buy. Publishers have noticed and now send "
        "authors on tours of small shops rather than large chains.",
    ),
    (
        timedelta(days=4), "world", ["newsroom-staff"], ["Elections"],
        "How to read an election night results map",
        "Big areas of one colour can hide small places where most people live: a guide to "
        "what the map shows and what it leaves out.",
        "A results map colours each district by its winner, so a sparsely populated "
        "region covers far more of the screen than a dense city with ten times as many "
        "voters. That is why two maps of the same result can look so different.\n\n"
        "Better maps scale each district by the number of voters, or shade it by the "
        "margin of victory rather than just the winner. When neither is offered, the "
        "table of votes under the map is the more honest picture.",
    ),
    (
        timedelta(days=6), "technology", ["tom-reyes", "amira-haddad"], ["Web", "Privacy"],
        "What a comment section needs to stay civil",
        "Clear rules, fast moderation and tools that let readers flag abuse: what works on "
        "news sites that kept their comments open.",
        "News sites that kept their comment sections open share a few habits. They "
        "publish short, specific rules. They answer reports quickly, and they show a "
        "placeholder where a comment was removed, so the replies around it still make "
        "sense.\n\n"
        "Pre-moderation on sensitive stories, limits on how fast one person can post, and "
        "word lists that hold suspect comments for a person to read all reduce the load "
        "on moderators. None of them replaces a moderator who reads the thread.",
    ),
]

# Shown to staff only: one draft and one article scheduled for tomorrow.
UNPUBLISHED_ARTICLES = [
    (
        None, "science", ["amira-haddad"], ["Climate"],
        "Draft: the winter the lakes did not freeze",
        "A draft for the editors, not yet for readers.",
        "Notes and quotes still to be checked.",
    ),
    (
        -timedelta(days=1), "world", ["newsroom-staff"], ["Elections"],
        "Scheduled: what to watch for in tomorrow's count",
        "This article is scheduled and goes public tomorrow.",
        "Polls close at ten. The first results are expected shortly after midnight.",
    ),
]
