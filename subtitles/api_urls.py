from django.urls import path

from . import api

urlpatterns = [
    path("videos/<uuid:video_id>/subtitles/", api.SubtitleCollectionApi.as_view(), name="api-subtitle-list"),
    path(
        "videos/<uuid:video_id>/subtitles/<int:subtitle_id>/",
        api.SubtitleDetailApi.as_view(),
        name="api-subtitle-detail",
    ),
    path(
        "videos/<uuid:video_id>/subtitles/<int:subtitle_id>/download/",
        api.SubtitleDownloadApi.as_view(),
        name="api-subtitle-download",
    ),
    path("videos/<uuid:video_id>/captions/", api.CaptionsRequestApi.as_view(), name="api-captions-request"),
]
