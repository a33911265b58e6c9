from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.shortcuts import get_object_or_404
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import (
    DateDetailView,
    DayArchiveView,
    ListView,
    MonthArchiveView,
    YearArchiveView,
)

from comments import discussion, thread
from comments.forms import CommentForm
from newsroom.models import Article, Author, Section, Tag
from newsroom.search import search_articles

SECTION_BLOCK_SIZE = 4


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
            context["section_blocks"] = self.section_blocks()
        return context

    def section_blocks(self):
        """The latest few articles of every section, in one query however many sections."""
        latest = self.get_queryset().annotate(
            rank=Window(RowNumber(), partition_by=F("section_id"),
                        order_by=[F("published_at").desc(), F("id").desc()])
        ).filter(rank__lte=SECTION_BLOCK_SIZE)
        by_section = {}
        for article in latest:
            by_section.setdefault(article.section_id, []).append(article)
        return [(section, by_section[section.pk]) for section in Section.objects.all()
                if section.pk in by_section]


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


class ArticleView(ArticleDateMixin, DateDetailView):
    template_name = "newsroom/article.html"
    context_object_name = "article"

    def get_queryset(self):
        return super().get_queryset().prefetch_related("authors", "tags")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(structured_data=self.structured_data(), **kwargs)
        context.update(self.discussion_context())
        return context

    def discussion_context(self):
        article, request = self.object, self.request
        return {
            "discussion": discussion.article_discussion(
                article, sort=request.GET.get("sort"), page_number=request.GET.get("page"),
                user=request.user,
            ),
            "accepts_comments": article.accepts_comments,
            "comment_form": CommentForm(auto_id="new-comment-%s") if request.user.is_authenticated else None,
            "guests_allowed": settings.COMMENTS_ALLOW_GUESTS,
            "sorts": thread.SORT_LABELS,
        }

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
            "keywords": [tag.name for tag in article.tags.all()],
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

    def get_context_data(self, **kwargs):
        return super().get_context_data(preview=True, **kwargs)

    def discussion_context(self):
        return {}  # unpublished articles have no discussion yet


class SearchView(PublishedArticles, ListView):
    template_name = "newsroom/search.html"

    def get_queryset(self):
        self.query = self.request.GET.get("q", "").strip()[:200]
        if not self.query:
            return Article.objects.none()
        return search_articles(super().get_queryset(), self.query)

    def get_context_data(self, **kwargs):
        return super().get_context_data(query=self.query, **kwargs)
