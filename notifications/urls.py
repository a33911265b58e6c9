from django.urls import path

from notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.settings_page, name="settings"),
    path("confirm/resend/", views.resend, name="resend"),
    path("confirm/<str:token>/", views.ConfirmView.as_view(), name="confirm"),
    path("follow/<int:article_id>/", views.follow, name="follow"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
