from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy

from .models import Profile
from .selectors import user_role


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    fields = ("display_name", "storage_quota")


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class MediasiteUserAdmin(UserAdmin):
    """Django's user admin, with the profile inline and the role shown (the role is the user's group)."""

    inlines = [ProfileInline]
    list_display = ("username", "email", "role", "is_staff", "is_active", "date_joined")
    list_filter = ("groups", "is_staff", "is_active")

    @admin.display(description=gettext_lazy("Role"))
    def role(self, obj):
        return user_role(obj)
