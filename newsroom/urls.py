from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.contrib.sitemaps.views import index as sitemap_index
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, register_converter

from newsroom import accounts, converters, feeds, views
from newsroom.ratelimit import limit_posts
from newsroom.sitemaps import SITEMAPS, news_sitemap, robots_txt

# The admin's own sign-in page gets the same limit as the site's.
admin.site.login = limit_posts("admin-sign-in")(admin.site.login)

# A database outage that escapes the middleware still answers 503 (see newsroom/outage.py).
handler500 = "newsroom.outage.server_error"

register_converter(converters.FourDigitYear, "yyyy")
register_converter(converters.TwoDigits, "dd")

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("section/<slug:slug>/", views.SectionView.as_view(), name="section"),
    path("section/<slug:slug>/rss/", feeds.SectionFeed(), name="section_rss"),
    path("section/<slug:slug>/atom/", feeds.SectionAtomFeed(), name="section_atom"),
    path("tags/<slug:slug>/", views.TagView.as_view(), name="tag"),
    path("authors/<slug:slug>/", views.AuthorView.as_view(), name="author"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("<yyyy:year>/", views.YearArchive.as_view(), name="archive_year"),
    path("<yyyy:year>/<dd:month>/", views.MonthArchive.as_view(), name="archive_month"),
    path("<yyyy:year>/<dd:month>/<dd:day>/", views.DayArchive.as_view(), name="archive_day"),
    path(
        "<yyyy:year>/<dd:month>/<dd:day>/<slug:slug>/",
        views.ArticleView.as_view(),
        name="article",
    ),
    path("preview/<int:pk>/", views.ArticlePreview.as_view(), name="article_preview"),
    path("feeds/rss/", feeds.LatestArticlesFeed(), name="rss"),
    path("feeds/atom/", feeds.LatestArticlesAtomFeed(), name="atom"),
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
    path("accounts/login/", limit_posts("sign-in")(LoginView.as_view()), name="login"),
    path("accounts/signup/", limit_posts("sign-up")(accounts.SignupView.as_view()), name="signup"),
    path("accounts/profile/", accounts.ProfileView.as_view(), name="profile"),
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
