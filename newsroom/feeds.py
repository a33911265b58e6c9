from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from comments.models import Comment
from comments.visibility import shown_to_everyone
from newsroom.models import Article, Section

FEED_SIZE = 30
COMMENTS_FEED_SIZE = 50
SLASH_NAMESPACE = "http://purl.org/rss/1.0/modules/slash/"


class CommentCountMixin:
    """Each entry carries its public comment count as <slash:comments>, the element feed
    readers know, so the count in feeds is the one shown on the site."""

    def root_attributes(self):
        return {**super().root_attributes(), "xmlns:slash": SLASH_NAMESPACE}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("slash:comments", str(item["comment_count"]))


class RssWithComments(CommentCountMixin, Rss201rev2Feed):
    pass


class AtomWithComments(CommentCountMixin, Atom1Feed):
    pass


class LatestArticlesFeed(Feed):
    feed_type = RssWithComments
    description = settings.SITE_DESCRIPTION

    def title(self, section=None):
        return f"{settings.SITE_NAME}: {section}" if section else settings.SITE_NAME

    def link(self, section=None):
        return section.get_absolute_url() if section else reverse("home")

    def items(self, section=None):
        articles = Article.objects.published().for_listing().prefetch_related("authors", "tags")
        if section:
            articles = articles.filter(section=section)
        return articles[:FEED_SIZE]

    def item_title(self, article):
        return article.headline

    def item_description(self, article):
        return article.standfirst

    # With publication and update dates on every item the feed carries Last-Modified,
    # so ConditionalGetMiddleware answers 304 to readers that already have it.
    def item_pubdate(self, article):
        return article.published_at

    def item_updateddate(self, article):
        # The entry carries its comment count, so a new count is a change of the entry.
        return max(filter(None, [article.updated_at, article.comment_count_changed_at]))

    def item_author_name(self, article):
        return ", ".join(author.name for author in article.author_list) or None

    def item_categories(self, article):
        return [tag.name for tag in article.tags.all()]

    def item_extra_kwargs(self, article):
        return {"comment_count": article.comment_count}


class LatestArticlesAtomFeed(LatestArticlesFeed):
    feed_type = AtomWithComments
    subtitle = LatestArticlesFeed.description


class SectionFeed(LatestArticlesFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Section, slug=slug)


class SectionAtomFeed(SectionFeed):
    feed_type = AtomWithComments
    subtitle = LatestArticlesFeed.description


class ArticleCommentsFeed(Feed):
    """One article's newest comments (Atom), linked from its page: only what the public sees
    there (comments/visibility.py's shown_to_everyone), each linking to its own page."""

    feed_type = Atom1Feed

    def get_object(self, request, article_id):
        return get_object_or_404(Article.objects.published(), pk=article_id)

    def title(self, article):
        return f"Comments on “{article.headline}” · {settings.SITE_NAME}"

    def subtitle(self, article):
        return f"The newest comments readers wrote about “{article.headline}”."

    def link(self, article):
        return f"{article.get_absolute_url()}#comments"

    def items(self, article):
        return (shown_to_everyone(Comment.objects.filter(article=article)).select_related("author")
                .order_by("-created_at", "-id")[:COMMENTS_FEED_SIZE])

    def item_title(self, comment):
        return f"Comment by {comment.display_name}"

    def item_description(self, comment):
        return comment.body_html  # sanitised when it was saved (newsroom/text.py)

    def item_link(self, comment):
        return comment.get_absolute_url()

    def item_author_name(self, comment):
        return comment.display_name

    # Dates on every entry give the feed its Last-Modified; an edit is a change of the entry.
    def item_pubdate(self, comment):
        return comment.created_at

    def item_updateddate(self, comment):
        return comment.edited_at or comment.created_at
