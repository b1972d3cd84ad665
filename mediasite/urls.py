from django.contrib import admin
from django.urls import include, path, re_path
from django.utils import timezone
from django.views.decorators.http import last_modified
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from .api import errors as api_errors
from .api.auth import TokenObtainApi
from .views import broker_metrics, health, language
from .views import media as media_views

# Queue depth and live workers on /metrics, beside django_prometheus's and the apps' collectors.
broker_metrics.register()

# The pages' scripts' translations (gettext() in static/js/), per language; a browser revalidates
# them once per start of the server (Django's documented pattern for this view).
STARTED_AT = timezone.now()
javascript_catalog = last_modified(lambda request, **kwargs: STARTED_AT)(JavaScriptCatalog.as_view())

# Every app names its URL modules alike: api_urls.py is its part of the REST API under /api/v1/,
# urls.py its pages (videos) or playlists (playback).
api_v1 = [
    path("auth/token/", TokenObtainApi.as_view(), name="api-token"),
    path("", include("videos.api_urls")),
    path("", include("subtitles.api_urls")),
    path("notifications/", include("notifications.api_urls")),
    path("uploads/", include("uploads.api_urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("", include("django_prometheus.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # Anything else under /api/ answers a JSON 404 in the API's error shape, never an HTML page.
    re_path(r"^api/", api_errors.api_not_found),
    re_path(r"^media/(?P<name>.+)$", media_views.media_serve, name="media"),
    path("language/<str:code>/", language.language_choose, name="language-choose"),  # the header's switcher
    path("jsi18n/", javascript_catalog, name="javascript-catalog"),
    path("", include("playback.urls")),
    path("", include("videos.urls")),
]

handler400 = "mediasite.api.errors.bad_request"
handler500 = "mediasite.api.errors.server_error"
