from django.apps import AppConfig


class VideosConfig(AppConfig):
    name = "videos"

    def ready(self):
        from . import metrics, read_cache

        metrics.register()
        read_cache.connect()
