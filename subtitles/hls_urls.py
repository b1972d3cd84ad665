"""The subtitle media playlists beside a video's HLS playlists (mounted at the site root)."""

from django.urls import path, register_converter

from . import playback


class LanguageConverter:
    regex = "[A-Za-z0-9-]{1,35}"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(LanguageConverter, "bcp47")

urlpatterns = [
    path(
        "videos/<uuid:video_id>/hls/subtitles/<bcp47:language>.<slug:kind>.m3u8",
        playback.hls_subtitle,
        name="hls-subtitle",
    ),
]
