"""Accounts from before roles existed all uploaded: they keep that (the uploader group) and get a profile.

The group's permissions are set after migrate (users.services.role_groups_ensure).
"""

from django.conf import settings
from django.db import migrations


def forwards(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    Group = apps.get_model("auth", "Group")
    Profile = apps.get_model("users", "Profile")
    uploader, _ = Group.objects.get_or_create(name="uploader")
    for user in User.objects.filter(is_staff=False, groups__isnull=True):
        user.groups.add(uploader)
    for user in User.objects.filter(profile__isnull=True):
        Profile.objects.create(user=user)


class Migration(migrations.Migration):
    dependencies = [
        ("users", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
