import inspect
import logging.config
import os

from celery import Celery
from celery.signals import setup_logging, task_postrun, task_prerun

from . import logs

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mediasite.settings")

app = Celery("mediasite")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def _logging_from_settings(**_):
    """Worker and beat log as the web does (settings.LOGGING, LOG_FORMAT), not in Celery's own format."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


_task_contexts: dict[str, object] = {}


@task_prerun.connect
def _bind_task_context(task_id=None, task=None, args=(), kwargs=None, **_):
    """Every line a task logs carries its task id, and the video id when the task takes one."""
    context = logs.bound(task_id=task_id, video_id=_video_id_of(task, args, kwargs or {}))
    context.__enter__()
    _task_contexts[task_id] = context


@task_postrun.connect
def _unbind_task_context(task_id=None, **_):
    context = _task_contexts.pop(task_id, None)
    if context is not None:
        context.__exit__(None, None, None)


def _video_id_of(task, args, kwargs) -> str | None:
    if "video_id" in kwargs:
        return kwargs["video_id"]
    try:
        return inspect.signature(task.run).bind_partial(*args, **kwargs).arguments.get("video_id")
    except (TypeError, ValueError):
        return None
