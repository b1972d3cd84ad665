from django.apps import AppConfig


class VideosConfig(AppConfig):
    name = "videos"

    def ready(self):
        from celery.signals import worker_ready, worker_shutdown

        from . import liveness, metrics

        worker_ready.connect(liveness.watchdog_start, weak=False)
        worker_shutdown.connect(liveness.watchdog_stop, weak=False)

        metrics.register()
