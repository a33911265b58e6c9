from datetime import timedelta

from django.contrib.sitemaps import Sitemap
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from newsroom.models import Article, Section

NEWS_SITEMAP_WINDOW = timedelta(days=2)


class ArticleSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.8
    limit = 10_000

    def items(self):
        return Article.objects.published().only("slug", "status", "published_at", "updated_at")

    def lastmod(self, article):
        return article.updated_at


class SectionSitemap(Sitemap):
    changefreq = "hourly"
    priority = 0.6

    def items(self):
        return Section.objects.all()


class HomeSitemap(Sitemap):
    changefreq = "hourly"
    priority = 1.0

    def items(self):
        return ["home"]

    def location(self, item):
        return reverse(item)


SITEMAPS = {"home": HomeSitemap, "sections": SectionSitemap, "articles": ArticleSitemap}


def news_sitemap(request):
    """Google News reads only articles published in the last two days."""
    since = timezone.now() - NEWS_SITEMAP_WINDOW
    articles = Article.objects.published().filter(published_at__gte=since).prefetch_related("tags")
    return render(
        request,
        "newsroom/news_sitemap.xml",
        {"articles": articles, "base_url": request.build_absolute_uri("/")[:-1]},
        content_type="application/xml",
    )


def robots_txt(request):
    return render(request, "robots.txt", {"base_url": request.build_absolute_uri("/")[:-1]},
                  content_type="text/plain")
