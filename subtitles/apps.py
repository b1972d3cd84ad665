from django.apps import AppConfig


class SubtitlesConfig(AppConfig):
    name = "subtitles"
