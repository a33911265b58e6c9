from django.urls import path

from comments import views

app_name = "comments"
urlpatterns = [
    path("article/<int:article_id>/", views.post, name="post"),
    path("recommend/", views.recommend, name="recommend"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/reply/", views.reply, name="reply"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/delete/", views.delete, name="delete"),
]
