from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.contrib.sitemaps.views import index as sitemap_index
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, register_converter

from comments import reader_views
from newsroom import accounts, converters, feeds, privacy, views
from newsroom.pagecache import article_lists, article_page, public
from newsroom.ratelimit import limit_posts
from newsroom.sitemaps import SITEMAPS, news_sitemap, robots_txt

# The admin's own sign-in page gets the same limit as the site's.
admin.site.login = limit_posts("admin-sign-in")(admin.site.login)

# A database outage that escapes the middleware still answers 503 (see newsroom/outage.py).
handler500 = "newsroom.outage.server_error"

register_converter(converters.FourDigitYear, "yyyy")
register_converter(converters.TwoDigits, "dd")

urlpatterns = [
    path("", public(views.HomeView.as_view(), article_lists, whole_page=True), name="home"),
    path("section/<slug:slug>/", public(views.SectionView.as_view(), article_lists), name="section"),
    path("section/<slug:slug>/rss/", public(feeds.SectionFeed(), article_lists), name="section_rss"),
    path("section/<slug:slug>/atom/", public(feeds.SectionAtomFeed(), article_lists), name="section_atom"),
    path("tags/<slug:slug>/", public(views.TagView.as_view(), article_lists), name="tag"),
    path("authors/<slug:slug>/", public(views.AuthorView.as_view(), article_lists), name="author"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("<yyyy:year>/", public(views.YearArchive.as_view(), article_lists), name="archive_year"),
    path("<yyyy:year>/<dd:month>/", public(views.MonthArchive.as_view(), article_lists), name="archive_month"),
    path("<yyyy:year>/<dd:month>/<dd:day>/", public(views.DayArchive.as_view(), article_lists), name="archive_day"),
    path(
        "<yyyy:year>/<dd:month>/<dd:day>/<slug:slug>/",
        public(views.ArticleView.as_view(), article_page, whole_page=True),
        name="article",
    ),
    path("preview/<int:pk>/", views.ArticlePreview.as_view(), name="article_preview"),
    path("feeds/rss/", public(feeds.LatestArticlesFeed(), article_lists), name="rss"),
    path("feeds/atom/", public(feeds.LatestArticlesAtomFeed(), article_lists), name="atom"),
    path("sitemap.xml", sitemap_index, {"sitemaps": SITEMAPS}, name="sitemap_index"),
    path(
        "sitemap-<section>.xml",
        sitemap,
        {"sitemaps": SITEMAPS},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path("news-sitemap.xml", news_sitemap, name="news_sitemap"),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("comments/", include("comments.urls")),
    path("notifications/", include("notifications.urls")),
    path("accounts/login/", limit_posts("sign-in")(LoginView.as_view()), name="login"),
    path("accounts/signup/", limit_posts("sign-up")(accounts.SignupView.as_view()), name="signup"),
    path("accounts/profile/", accounts.ProfileView.as_view(), name="profile"),
    path("accounts/replies/", reader_views.replies_to_you, name="replies"),
    path("accounts/comments/", reader_views.your_comments, name="your_comments"),
    path("accounts/data/", privacy.download, name="download_data"),
    path("accounts/delete/", privacy.delete, name="delete_account"),
    path(
        "accounts/password_reset/",
        limit_posts("password-reset")(accounts.PasswordResetView.as_view()),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
