from django.urls import path

from . import api

urlpatterns = [
    path("videos/", api.VideoCollectionApi.as_view(), name="api-video-list"),
    path("videos/<uuid:video_id>/", api.VideoDetailApi.as_view(), name="api-video-detail"),
    path("videos/<uuid:video_id>/retry/", api.VideoRetryApi.as_view(), name="api-video-retry"),
    path("videos/<uuid:video_id>/cancel/", api.VideoCancelApi.as_view(), name="api-video-cancel"),
]
