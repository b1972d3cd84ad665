from django.apps import AppConfig


class SubtitlesConfig(AppConfig):
    name = "subtitles"

    def ready(self):
        from celery.signals import task_postrun

        from .captioning import captions_after_transcode

        # AUTO_CAPTIONS: hear the end of each transcode (videos may not call up into subtitles).
        task_postrun.connect(captions_after_transcode, weak=False)
