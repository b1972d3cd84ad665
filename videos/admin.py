from django.contrib import admin
from django.utils.html import format_html

from .models import Rendition, Video


class RenditionInline(admin.TabularInline):
    model = Rendition
    extra = 0
    can_delete = False
    readonly_fields = ("name", "codec", "width", "height", "bandwidth", "complete", "playlist_key")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Video)
class VideoAdmin(admin.ModelAdmin):
    list_display = ("title", "owner", "status", "progress_bar", "playable", "visibility", "duration", "created_at")
    list_filter = ("status", "visibility", "created_at")
    search_fields = ("title", "description", "owner__username", "id")
    list_select_related = ("owner",)
    raw_id_fields = ("owner",)
    readonly_fields = (
        "id", "status", "stage", "progress", "error", "attempt", "source_name", "source_size",
        "duration", "width", "height", "fps", "has_audio", "output_prefix",
        "created_at", "updated_at", "processing_started_at", "progress_at", "playable_at", "ready_at",
    )  # fmt: skip
    inlines = [RenditionInline]  # subtitles.admin adds its inline: subtitles sit above videos

    @admin.display(description="Playable", boolean=True, ordering="playable_at")
    def playable(self, obj):
        return obj.is_playable

    @admin.display(description="Progress", ordering="progress")
    def progress_bar(self, obj):
        return format_html(
            '<progress value="{}" max="100" title="{}%">{}%</progress> {}%',
            round(obj.progress), round(obj.progress, 1), round(obj.progress), round(obj.progress),
        )
