import pytest
from django.core.files.base import ContentFile

from videos.models import Video


@pytest.mark.django_db
def test_video_admin_list_shows_status_and_progress(client, staff_user, user):
    staff_user.is_superuser = True
    staff_user.save()
    video = Video(owner=user, title="Holiday clip", status=Video.Status.PROCESSING, progress=42.5)
    video.source.save("clip.mp4", ContentFile(b"x"), save=False)
    video.save()
    client.force_login(staff_user)
    response = client.get("/admin/videos/video/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Holiday clip" in html
    assert '<progress value="42" max="100"' in html
    assert "Processing" in html
    detail = client.get(f"/admin/videos/video/{video.pk}/change/")
    assert detail.status_code == 200


@pytest.mark.django_db
def test_admin_refuses_non_staff(client, user):
    client.force_login(user)
    response = client.get("/admin/videos/video/")
    assert response.status_code == 302
