import logging
from datetime import date, datetime

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.cache import cache
from django.db.models import F, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.generic import (
    DateDetailView,
    DayArchiveView,
    ListView,
    MonthArchiveView,
    YearArchiveView,
)

from comments import discussion, rules
from comments.forms import CommentForm
from newsroom.models import Article, Author, Section, SiteVersion, Tag
from newsroom.pagecache import personal
from newsroom.prepared import PreparedQuery
from newsroom.release import RELEASE
from newsroom.search import search_articles
from notifications.models import Follow

logger = logging.getLogger(__name__)

SECTION_BLOCK_SIZE = 4
# A changed article is kept under a new key, so nothing is ever stale; old parts age out.
ARTICLE_PART_SECONDS = 24 * 3600


class PublishedArticles:
    """Every public list of articles starts from the one publish rule."""

    paginate_by = settings.ARTICLES_PER_PAGE

    def get_queryset(self):
        return Article.objects.published().for_listing()


class HomeView(PublishedArticles, ListView):
    template_name = "newsroom/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        articles = list(context["object_list"])
        first_page = context["page_obj"].number == 1
        context["lead"] = articles[0] if first_page and articles else None
        context["latest"] = articles[1:] if first_page else articles
        if first_page:
            context["section_blocks"] = self.section_blocks(shown=[article.pk for article in articles])
        return context

    def section_blocks(self, *, shown):
        """The latest few articles of every section that are not `shown` above already (no
        story twice on the page), in one query however many sections: [(section, articles,
        the columns its block spans on a desktop row)]."""
        latest = self.get_queryset().exclude(pk__in=shown).annotate(
            rank=Window(RowNumber(), partition_by=F("section_id"),
                        order_by=[F("published_at").desc(), F("id").desc()])
        ).filter(rank__lte=SECTION_BLOCK_SIZE)
        by_section = {}
        for article in latest:
            by_section.setdefault(article.section_id, []).append(article)
        blocks = [(section, by_section[section.pk]) for section in Section.objects.all()
                  if section.pk in by_section]
        spans = filled_rows([len(articles) for _, articles in blocks])
        return [(section, articles, span) for (section, articles), span in zip(blocks, spans)]


def filled_rows(sizes, row=SECTION_BLOCK_SIZE):
    """How many columns each section block spans on a desktop row of `row` cards
    (static/css/site.css, .section-blocks), so that no row is left part empty: a block takes
    a column per story, in the sections' order, and when the next block does not fit in
    what is left of a row, the row's last block widens to its end (so does the last one)."""
    spans, used = [], 0
    for size in sizes:
        if used + size > row:
            spans[-1] += row - used
            used = 0
        spans.append(size)
        used += size
    if spans:
        spans[-1] += row - used
    return spans


class FilteredArticles(PublishedArticles, ListView):
    """A paginated list of published articles belonging to one object (section, tag, author)."""

    model_class = None
    context_name = None
    article_filter = None

    def get_queryset(self):
        self.subject = get_object_or_404(self.model_class, slug=self.kwargs["slug"])
        return super().get_queryset().filter(**{self.article_filter: self.subject})

    def get_context_data(self, **kwargs):
        return super().get_context_data(**{self.context_name: self.subject, **kwargs})


class SectionView(FilteredArticles):
    model_class, context_name, article_filter = Section, "section", "section"
    template_name = "newsroom/section.html"


class TagView(FilteredArticles):
    model_class, context_name, article_filter = Tag, "tag", "tags"
    template_name = "newsroom/tag.html"


class AuthorView(FilteredArticles):
    model_class, context_name, article_filter = Author, "author", "authors"
    template_name = "newsroom/author.html"


class ArticleDateMixin(PublishedArticles):
    date_field = "published_at"
    month_format = "%m"
    day_format = "%d"


class YearArchive(ArticleDateMixin, YearArchiveView):
    make_object_list = True
    template_name = "newsroom/archive.html"


class MonthArchive(ArticleDateMixin, MonthArchiveView):
    template_name = "newsroom/archive.html"


class DayArchive(ArticleDateMixin, DayArchiveView):
    template_name = "newsroom/archive.html"


# The article page's article, by its slug (unique): published, with its section and the site
# version, compiled once per process (newsroom/prepared.py).
PAGE_ARTICLE = PreparedQuery(
    lambda slug, now: Article.objects.published(now).for_listing().filter(slug=slug).order_by()
    .annotate(site_version=Coalesce(Subquery(SiteVersion.objects.order_by("pk").values("number")[:1]), 0))[:1],
    slug=str, now=datetime,
)
ARTICLE_AUTHORS = PreparedQuery(lambda article: Author.objects.filter(articles=article), article=int)
ARTICLE_TAGS = PreparedQuery(lambda article: Tag.objects.filter(articles=article), article=int)
# Stand for the discussion in the shared frame of the article page, and for the threads in the
# discussion (NUL never occurs in a page).
DISCUSSION_PLACE = "\x00discussion\x00"
THREADS_PLACE = "\x00threads\x00"


class ArticleView(ArticleDateMixin, DateDetailView):
    """The article page. The article's own part (its meta tags and structured data, and the
    article itself with authors and tags) is the same for every reader until the article,
    its authors, tags or section change, all of which move the site version
    (newsroom/versions.py): it is kept in the cache under that version, read with the article
    in the same query. For anonymous readers the whole page around the discussion (the
    frame: the site's header and navigation, the article, the footer) is the same too, and
    is kept likewise. So the page costs the article, the discussion and, for signed-in
    readers, the frame around them, not the authors, the tags and their rendering every time
    a comment changes it."""

    template_name = "newsroom/article.html"
    context_object_name = "article"
    preview = False
    part_templates = ("newsroom/_article_head.html", "newsroom/_article.html")

    def get_object(self, queryset=None):
        """By its slug, which is unique; the date in the address must be the article's, as
        DateDetailView checks, but without its date-range lookups, which cost more to build
        than the query takes to run."""
        found = PAGE_ARTICLE.objects(slug=self.kwargs["slug"], now=timezone.now())
        if not found:
            raise Http404("No article at this address.")
        article = found[0]
        try:
            day = date(int(self.kwargs["year"]), int(self.kwargs["month"]), int(self.kwargs["day"]))
        except ValueError:  # 2021/02/31
            raise Http404("No article on that date.") from None
        if timezone.localtime(article.published_at).date() != day:
            raise Http404("No article on that date.")
        return article

    def get_context_data(self, **kwargs):
        return super().get_context_data(preview=self.preview, **kwargs)

    def render_to_response(self, context, **response_kwargs):
        section = self.discussion_section()
        request = self.request
        if self.preview or personal(request) or request.user.is_authenticated:
            context["article_head"], context["article_body"] = self.article_part()
            context["discussion_section"] = mark_safe(section.decode())
            return super().render_to_response(context, **response_kwargs)
        before, after = self.kept("article-frame", lambda: self.render_frame(context))
        # Put together as bytes: the threads' markup comes encoded from the cache, and most of
        # a long discussion's page is that (comments/discussion.py).
        return HttpResponse(b"".join((before, section, after)))

    def render_frame(self, context):
        """The anonymous page around the discussion, as (before, after), in UTF-8."""
        context["article_head"], context["article_body"] = self.article_part()
        context["discussion_section"] = mark_safe(DISCUSSION_PLACE)
        before, after = render_to_string(self.template_name, context, self.request).split(DISCUSSION_PLACE)
        return before.encode(), after.encode()

    def kept(self, kind, render):
        """A piece of the page the same for every reader it is shown to until the site version
        moves: from the cache, or rendered and kept."""
        request = self.request
        # Absolute addresses follow the address the page was asked for.
        key = (f"{kind}:{self.object.pk}:{self.object.site_version}:{RELEASE}:"
               f"{request.scheme}://{request.get_host()}:{get_language()}:"
               f"{timezone.get_current_timezone_name()}")
        try:
            piece = cache.get(key)
        except Exception:  # the cache being away costs a render, never the page
            logger.warning("%s cache unavailable for reading", kind, exc_info=True)
            piece = None
        if piece is None:
            piece = render()
            try:
                cache.set(key, piece, ARTICLE_PART_SECONDS)
            except Exception:
                logger.warning("%s cache unavailable for writing", kind, exc_info=True)
        return piece

    def article_part(self):
        """(the article's meta tags, the article): from the cache, or rendered and kept."""
        return self.kept("article-part", self.render_article_part)

    def render_article_part(self):
        article = self.object
        article.author_list = ARTICLE_AUTHORS.objects(article=article.pk)
        article.tag_list = ARTICLE_TAGS.objects(article=article.pk)
        context = {"article": self.object, "structured_data": self.structured_data(),
                   "preview": self.preview}
        return tuple(render_to_string(name, context, self.request) for name in self.part_templates)

    def discussion_section(self):
        """The discussion under the article, in UTF-8: the template around the threads, which
        come encoded (comments/discussion.py)."""
        article, request = self.object, self.request
        shown = discussion.article_discussion(
            article, sort=request.GET.get("sort"), page_number=request.GET.get("page"), user=request.user,
        )
        context = {
            "article": article,
            "discussion": shown,
            "threads": mark_safe(THREADS_PLACE),
            "accepts_comments": article.accepts_comments,
            "comment_form": CommentForm(auto_id="new-comment-%s") if request.user.is_authenticated else None,
            # Told before they write, not refused after: a banned or suspended reader's why.
            "posting_refusal": (rules.refusal(request.user, rules.standing(request.user))
                                if article.accepts_comments else ""),
            "guests_allowed": settings.COMMENTS_ALLOW_GUESTS,
            # Signed-in pages only (never cached): whether they follow it, and how.
            "following": (Follow.objects.filter(user=request.user, article=article).first()
                          if request.user.is_authenticated else None),
        }
        before, _, after = render_to_string("comments/_discussion.html", context, request).partition(THREADS_PLACE)
        return b"".join((before.encode(), shown.encoded, after.encode()))

    def structured_data(self):
        """schema.org NewsArticle, for search engines and link previews."""
        article, absolute = self.object, self.request.build_absolute_uri
        data = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": article.headline,
            "description": article.standfirst,
            "datePublished": article.published_at,
            "dateModified": article.updated_at,
            "mainEntityOfPage": absolute(article.get_absolute_url()),
            "articleSection": article.section.name,
            "keywords": [tag.name for tag in article.tag_list],
            "author": [
                {"@type": "Person", "name": author.name, "url": absolute(author.get_absolute_url())}
                for author in article.author_list
            ],
            "publisher": {"@type": "Organization", "name": settings.SITE_NAME},
        }
        if article.lead_image:
            data["image"] = [absolute(article.lead_image.url)]
        return data


@method_decorator([staff_member_required, never_cache], name="dispatch")
class ArticlePreview(ArticleView):
    """Staff read drafts and scheduled articles exactly as they will appear."""

    def get_object(self, queryset=None):
        return get_object_or_404(Article.objects.select_related("section"), pk=self.kwargs["pk"])

    preview = True

    def article_part(self):
        return self.render_article_part()  # drafts change without a version: never kept

    def discussion_section(self):
        return b""  # unpublished articles have no discussion yet


class SearchView(PublishedArticles, ListView):
    template_name = "newsroom/search.html"

    def get_queryset(self):
        self.query = self.request.GET.get("q", "").strip()[:200]
        if not self.query:
            return Article.objects.none()
        return search_articles(super().get_queryset(), self.query)

    def get_context_data(self, **kwargs):
        return super().get_context_data(query=self.query, **kwargs)
