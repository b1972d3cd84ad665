"""The admin lists sessions and aborts them with the service; beat runs the expiry job."""

import pytest
from django.conf import settings

from tests.api_support import token_client
from uploads.backends.local import staging_root
from uploads.models import UploadSession

from .support import MiB, create, send_parts, varied_bytes

pytestmark = pytest.mark.django_db


def test_the_admin_aborts_sessions(user, staff_user, client, settings):
    settings.UPLOAD_SESSION_PART_SIZE = 5 * MiB
    api = token_client(user)
    session = create(api, size=6 * MiB).json()
    send_parts(api, session, varied_bytes(6 * MiB), [1])
    staff_user.is_superuser = True
    staff_user.save()
    client.force_login(staff_user)
    assert client.get("/admin/uploads/uploadsession/").status_code == 200
    assert client.get(f"/admin/uploads/uploadsession/{session['id']}/change/").status_code == 200
    response = client.post(
        "/admin/uploads/uploadsession/", {"action": "abort_sessions", "_selected_action": [session["id"]]}
    )
    assert response.status_code == 302
    assert UploadSession.objects.get(pk=session["id"]).status == "aborted"
    assert not (staging_root() / session["id"]).exists()


def test_beat_runs_the_expiry_job():
    from mediasite.celery import app

    app.loader.import_default_modules()
    entry = settings.CELERY_BEAT_SCHEDULE["uploads-expire"]
    assert entry["task"] in app.tasks and entry["schedule"] <= 3600
