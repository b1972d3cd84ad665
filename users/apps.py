from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "users"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_migrate, post_save

        from . import services

        # Roles are groups with permissions; Django makes each app's permissions in its own
        # post_migrate, so the groups are brought up to date after every app's (a few queries).
        post_migrate.connect(services.role_groups_ensure, weak=False, dispatch_uid="users.role_groups")
        post_save.connect(services.user_joined, sender=get_user_model(), weak=False, dispatch_uid="users.joined")
