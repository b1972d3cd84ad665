from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("type", "recipient", "created_at", "read_at")
    list_filter = ("type", "read_at")
    search_fields = ("recipient__username",)
    raw_id_fields = ("recipient",)
    readonly_fields = ("created_at",)
