from django.urls import path

from comments import moderation_views, views
from newsroom.feeds import ArticleCommentsFeed
from newsroom.pagecache import article_comments, comment_page, discussion_activity, public

app_name = "comments"
urlpatterns = [
    path("article/<int:article_id>/", views.post, name="post"),
    path("article/<int:article_id>/atom/", public(ArticleCommentsFeed(), article_comments), name="feed"),
    path("article/<int:article_id>/activity/", public(views.activity, discussion_activity, whole_page=True),
         name="activity"),
    path("recommend/", views.recommend, name="recommend"),
    path("<int:pk>/", public(views.detail, comment_page, whole_page=True), name="detail"),
    path("<int:pk>/history/", public(views.history, comment_page, whole_page=True), name="history"),
    path("<int:pk>/reply/", views.reply, name="reply"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("<int:pk>/flag/", moderation_views.flag, name="flag"),
    path("<int:pk>/in-context/", moderation_views.in_context, name="in_context"),
    path("moderate/", moderation_views.moderate, name="moderate"),
]
