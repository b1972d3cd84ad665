"""Videos in the admin: the list, one video's page, and batch actions that go through the services.

Each batch action asks first on a confirmation page (the shape of Django's delete_selected), then
calls the service the API calls, one video at a time, and reports what happened in counts; a
refusal of the service (a DomainError, e.g. StateConflict) is counted and reported, not raised.
"""

from collections import Counter
from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy

from mediasite.errors import DomainError
from users.admin import MediasiteUserAdmin

from . import services
from .models import Rendition, Video

CONFIRMATION_TEMPLATE = "admin/videos/video/action_confirmation.html"


class RenditionInline(admin.TabularInline):
    model = Rendition
    extra = 0
    can_delete = False
    readonly_fields = ("name", "codec", "width", "height", "bandwidth", "complete", "playlist_key")

    def has_add_permission(self, request, obj=None):
        return False


class FailedByReasonFilter(admin.SimpleListFilter):
    """Failed videos, all of them or those of one failure reason, with how many there are of each."""

    title = gettext_lazy("failed, by reason")
    parameter_name = "failed"
    ANY = "any"

    def lookups(self, request, model_admin):
        failed = Video.objects.filter(status=Video.Status.FAILED)
        counts = dict(failed.order_by().values_list("failure_reason").annotate(n=Count("pk")))
        reasons = [(value, label) for value, label in Video.FailureReason.choices if value]
        if counts.get(""):  # failed before reasons were recorded
            reasons.append(("", gettext("No reason recorded")))
        lookups = [(self.ANY, gettext("Any reason (%(count)s)") % {"count": sum(counts.values())})]
        return lookups + [(value or "none", f"{label} ({counts.get(value, 0)})") for value, label in reasons]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        queryset = queryset.filter(status=Video.Status.FAILED)
        if self.value() == self.ANY:
            return queryset
        return queryset.filter(failure_reason="" if self.value() == "none" else self.value())


class VisibilityForm(forms.Form):
    visibility = forms.ChoiceField(choices=Video.Visibility.choices, widget=forms.RadioSelect)


def _confirmation(modeladmin, request, queryset, *, action: str, title: str, question: str, form=None):
    """The page that lists the selected videos and posts the same action back with post=yes."""
    request.current_app = modeladmin.admin_site.name
    statuses = Counter(video.get_status_display() for video in queryset)
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "question": question,
        "opts": modeladmin.model._meta,
        "queryset": queryset,
        "statuses": sorted(statuses.items()),
        "action": action,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "form": form,
        "media": modeladmin.media,
    }
    return TemplateResponse(request, CONFIRMATION_TEMPLATE, context)


def _apply(modeladmin, request, queryset, *, name: str, apply: Callable[[Video], str]) -> None:
    """Call APPLY on each video (it returns what happened, in words) and report the counts."""
    outcomes: Counter[str] = Counter()
    refusals: Counter[str] = Counter()
    for video in queryset:
        try:
            outcomes[apply(video)] += 1
        except Video.DoesNotExist:  # deleted since the page was shown
            outcomes["gone meanwhile"] += 1
        except DomainError as error:
            refusals[str(error)] += 1
    parts = [f"{count} {outcome}" for outcome, count in sorted(outcomes.items(), key=lambda item: (-item[1], item[0]))]
    if refusals:
        parts.append(f"{sum(refusals.values())} refused")
    message = f"{name}: {', '.join(parts) or 'nothing selected'}."
    if refusals:
        reasons = "; ".join(f"{reason} ({count})" for reason, count in refusals.most_common())
        modeladmin.message_user(request, f"{message} Refused: {reasons}", messages.WARNING)
    else:
        modeladmin.message_user(request, message, messages.SUCCESS)


def _confirmed(request) -> bool:
    return request.POST.get("post") == "yes"


@admin.register(Video)
class VideoAdmin(admin.ModelAdmin):
    list_display = ("title", "owner", "status", "progress_bar", "playable", "visibility", "duration", "created_at")
    list_filter = ("status", FailedByReasonFilter, "visibility", "created_at")
    search_fields = ("title", "description", "owner__username", "id")
    list_select_related = ("owner",)
    raw_id_fields = ("owner",)
    readonly_fields = (
        "id", "status", "stage", "progress", "error", "failure_reason", "attempt", "source_name", "source_size",
        "duration", "width", "height", "fps", "has_audio", "output_prefix",
        "created_at", "updated_at", "processing_started_at", "progress_at", "playable_at", "ready_at",
    )  # fmt: skip
    inlines = [RenditionInline]  # subtitles.admin adds its inline: subtitles sit above videos
    actions = ["retranscode_videos", "retry_videos", "change_visibility", "delete_videos"]

    @admin.display(description=gettext_lazy("Playable"), boolean=True, ordering="playable_at")
    def playable(self, obj):
        return obj.is_playable

    @admin.display(description=gettext_lazy("Progress"), ordering="progress")
    def progress_bar(self, obj):
        return format_html(
            '<progress value="{}" max="100" title="{}%">{}%</progress> {}%',
            round(obj.progress), round(obj.progress, 1), round(obj.progress), round(obj.progress),
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        # Django's own deletes rows without their stored objects: delete_videos goes through the service.
        actions.pop("delete_selected", None)
        return actions

    def delete_model(self, request, obj):
        services.video_delete(video=obj)

    def delete_queryset(self, request, queryset):
        for video in queryset:
            services.video_delete(video=video)

    @admin.action(description=gettext_lazy("Retranscode selected videos"), permissions=["change"])
    def retranscode_videos(self, request, queryset):
        if not _confirmed(request):
            return _confirmation(
                self, request, queryset, action="retranscode_videos", title=gettext("Retranscode videos"),
                question=gettext(
                    "Transcode these videos again? Ready ones keep playing their current outputs until "
                    "the new ones replace them; queued or processing ones are left as they are."
                ),
            )

        def retranscode(video):
            before = video.status  # as listed: the service re-reads it under a lock
            services.video_retranscode(video=video)
            return "queued" if before not in Video.ACTIVE_STATUSES else "already queued or processing"

        _apply(self, request, queryset, name="Retranscode", apply=retranscode)

    @admin.action(description=gettext_lazy("Retry selected failed or cancelled videos"), permissions=["change"])
    def retry_videos(self, request, queryset):
        if not _confirmed(request):
            return _confirmation(
                self, request, queryset, action="retry_videos", title=gettext("Retry videos"),
                question=gettext(
                    "Queue these videos for a new transcode? Only failed or cancelled videos can be retried; "
                    "the others are refused and counted."
                ),
            )

        def retry(video):
            services.video_retry(video=video)
            return "queued"

        _apply(self, request, queryset, name="Retry", apply=retry)

    @admin.action(description=gettext_lazy("Change visibility of selected videos"), permissions=["change"])
    def change_visibility(self, request, queryset):
        form = VisibilityForm(request.POST if _confirmed(request) else None)
        if not form.is_valid():
            return _confirmation(
                self, request, queryset, action="change_visibility", title=gettext("Change visibility"),
                question=gettext("Who may watch these videos?"), form=form,
            )
        visibility = form.cleaned_data["visibility"]
        label = Video.Visibility(visibility).label.lower()

        def change(video):
            if video.visibility == visibility:
                return f"already {label}"
            services.video_update(video=video, visibility=visibility)
            return f"made {label}"

        _apply(self, request, queryset, name="Visibility", apply=change)

    @admin.action(description=gettext_lazy("Delete selected videos"), permissions=["delete"])
    def delete_videos(self, request, queryset):
        if not _confirmed(request):
            return _confirmation(
                self, request, queryset, action="delete_videos", title=gettext("Delete videos"),
                question=gettext(
                    "Delete these videos? Their renditions, subtitles and every stored object (the source, "
                    "the HLS outputs, posters) go with them; this cannot be undone."
                ),
            )

        def delete(video):
            services.video_delete(video=video)
            return "deleted"

        _apply(self, request, queryset, name="Delete", apply=delete)


# A user's videos from the user admin. It is extended here, not in users.admin, because videos sit
# above users (.importlinter): the batch actions themselves stay on the video list, filtered by owner.
User = get_user_model()


def owner_videos_url(user_ids) -> str:
    return f"{reverse('admin:videos_video_changelist')}?owner__id__in={','.join(str(pk) for pk in user_ids)}"


admin.site.unregister(User)


@admin.register(User)
class UserWithVideosAdmin(MediasiteUserAdmin):
    fieldsets = (*MediasiteUserAdmin.fieldsets, (gettext_lazy("Videos"), {"fields": ("videos",)}))
    readonly_fields = (*MediasiteUserAdmin.readonly_fields, "videos")
    actions = [*(MediasiteUserAdmin.actions or []), "act_on_videos"]

    @admin.display(description=gettext_lazy("Videos"))
    def videos(self, obj):
        if obj.pk is None:
            return "—"
        return format_html(
            gettext('<a href="{}">{} video(s)</a> — retranscode, change visibility or delete them from the video list'),
            owner_videos_url([obj.pk]), obj.videos.count(),
        )

    @admin.action(description=gettext_lazy("Act on the selected users' videos"))
    def act_on_videos(self, request, queryset):
        return redirect(owner_videos_url(queryset.values_list("pk", flat=True)))
