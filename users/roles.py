"""The roles of a team's platform, as Django groups with permissions: defined once, here.

A user's role is the group they are in (the admin sets it); the permissions make the same
roles meaningful to Django's admin and templates (``perms.videos.add_video``).

viewer    watches (public and unlisted videos, and what is shared with them)
uploader  also uploads, and edits and deletes their own videos and subtitles
moderator also edits, hides or deletes anyone's video, and sees private ones
staff     Django's is_staff: all of the above, the admin, and system messages
"""

from django.db import models


class Role(models.TextChoices):
    VIEWER = "viewer", "Viewer"
    UPLOADER = "uploader", "Uploader"
    MODERATOR = "moderator", "Moderator"
    STAFF = "staff", "Staff"


UPLOAD_PERMISSION = "videos.add_video"
MODERATE_PERMISSION = "videos.moderate_video"

# Group name → permissions ("app_label.codename"). Staff is a flag of the account, not a group.
GROUP_PERMISSIONS = {
    Role.VIEWER: [],
    Role.UPLOADER: [UPLOAD_PERMISSION],
    Role.MODERATOR: [UPLOAD_PERMISSION, MODERATE_PERMISSION],
}
