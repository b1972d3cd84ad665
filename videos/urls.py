"""URLs of the browser pages (the REST API is in api_urls.py, the playlists in playback/urls.py)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("", views.video_list_page, name="video-list"),
    path("u/<str:username>/", views.video_owner_page, name="owner-videos"),
    path("studio/", views.studio_page, name="studio"),
    path("upload/", views.video_upload_page, name="video-upload"),
    path("videos/<uuid:video_id>/", views.video_watch_page, name="video-watch"),
    path("videos/<uuid:video_id>/edit/", views.video_edit_page, name="video-edit"),
    path("videos/<uuid:video_id>/delete/", views.video_delete_page, name="video-delete"),
    path("videos/<uuid:video_id>/retry/", views.video_retry_page, name="video-retry"),
    path("videos/<uuid:video_id>/cancel/", views.video_cancel_page, name="video-cancel"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
]
