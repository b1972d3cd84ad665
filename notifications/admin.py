from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext, gettext_lazy

from .events import Level
from .models import Notification
from .services import system_message_broadcast


class BroadcastForm(forms.Form):
    message = forms.CharField(label=gettext_lazy("Message"), widget=forms.Textarea(attrs={"rows": 3, "cols": 80}), max_length=2000)
    level = forms.ChoiceField(label=gettext_lazy("Level"), choices=Level.choices, initial=Level.INFO)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("type", "recipient", "created_at", "read_at")
    list_filter = ("type", "read_at")
    search_fields = ("recipient__username",)
    raw_id_fields = ("recipient",)
    readonly_fields = ("created_at",)
    change_list_template = "admin/notifications/notification/change_list.html"

    def get_urls(self):
        broadcast = path(
            "broadcast/", self.admin_site.admin_view(self.broadcast_view), name="notifications_notification_broadcast"
        )
        return [broadcast, *super().get_urls()]

    def broadcast_view(self, request):
        """Send a system message to everyone: the admin's way into the same service as `manage.py broadcast`."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = BroadcastForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                stored = system_message_broadcast(**form.cleaned_data)
            except ValueError as exc:
                form.add_error("message", str(exc))
            else:
                self.message_user(
                    request, gettext("Broadcast sent; stored for %(count)s users.") % {"count": stored}, messages.SUCCESS
                )
                return redirect("admin:notifications_notification_changelist")
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
                   "title": gettext("Broadcast a system message")}
        return TemplateResponse(request, "admin/notifications/notification/broadcast.html", context)
