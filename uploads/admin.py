from django.contrib import admin, messages
from django.utils.translation import gettext, gettext_lazy

from mediasite.errors import StateConflict

from . import services
from .models import UploadPart, UploadSession


class UploadPartInline(admin.TabularInline):
    model = UploadPart
    extra = 0
    can_delete = False
    readonly_fields = ("number", "size", "etag", "received_at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(UploadSession)
class UploadSessionAdmin(admin.ModelAdmin):
    list_display = ("filename", "owner", "status", "size", "created_at", "expires_at")
    list_filter = ("status", "created_at")
    search_fields = ("filename", "title", "owner__username", "id", "video_id")
    list_select_related = ("owner",)
    readonly_fields = (
        "id", "owner", "status", "video_id", "key", "filename", "size", "part_size", "multipart_id",
        "title", "description", "visibility", "created_at", "expires_at", "ended_at",
    )  # fmt: skip
    inlines = [UploadPartInline]
    actions = ["abort_sessions"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=gettext_lazy("Abort the selected sessions (their parts are deleted)"))
    def abort_sessions(self, request, queryset):
        aborted = 0
        for session in queryset:
            try:
                services.upload_session_abort(session=session)
                aborted += 1
            except StateConflict as error:
                self.message_user(request, f"{session}: {error}", messages.WARNING)
        self.message_user(request, gettext("%(count)s sessions aborted.") % {"count": aborted})
