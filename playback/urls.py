"""HLS playlists of videos and of their subtitles, served by Django after a permission check."""

from django.urls import path, register_converter

from . import subtitles, videos


class LanguageConverter:
    regex = "[A-Za-z0-9-]{1,35}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(LanguageConverter, "bcp47")

urlpatterns = [
    path("videos/<uuid:video_id>/hls/master.m3u8", videos.hls_master, name="hls-master"),
    path("videos/<uuid:video_id>/hls/<slug:rung>/index.m3u8", videos.hls_variant, name="hls-variant"),
    path(
        "videos/<uuid:video_id>/hls/subtitles/<bcp47:language>.<slug:kind>.m3u8",
        subtitles.hls_subtitle,
        name="hls-subtitle",
    ),
]
