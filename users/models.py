from django.conf import settings
from django.db import models


class Profile(models.Model):
    """What a user is beyond Django's auth: a name to show, and their storage quota.

    The role is the user's group (users.roles); staff is Django's is_staff.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(max_length=100, blank=True)
    storage_quota = models.BigIntegerField(
        null=True, blank=True,
        help_text="Bytes of sources this user may keep; empty: the USER_STORAGE_QUOTA setting (0 = no limit).",
    )

    def __str__(self) -> str:
        return self.display_name or self.user.get_username()
