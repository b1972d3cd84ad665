"""HLS playlists, served by Django after a permission check (videos/playback.py)."""

from django.urls import path

from . import playback

urlpatterns = [
    path("videos/<uuid:video_id>/hls/master.m3u8", playback.hls_master, name="hls-master"),
    path("videos/<uuid:video_id>/hls/<slug:rung>/index.m3u8", playback.hls_variant, name="hls-variant"),
]
