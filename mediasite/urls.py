from django.contrib import admin
from django.urls import include, path, re_path

from . import health, media_views

api_v1 = [
    path("", include("videos.api_urls")),
    path("", include("subtitles.urls")),
    path("notifications/", include("notifications.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("", include("django_prometheus.urls")),
    path("api/v1/", include(api_v1)),
    re_path(r"^media/(?P<name>.+)$", media_views.media_serve, name="media"),
    path("", include("videos.urls")),
    path("", include("videos.urls_pages")),
]
