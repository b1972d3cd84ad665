"""Subtitles in the admin: an inline on the video page that saves through the same services as the API."""

from django import forms
from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext, gettext_lazy

from videos.admin import VideoAdmin

from . import services
from .convert import SubtitleError, language_normalize
from .models import Subtitle


class SubtitleInlineForm(forms.ModelForm):
    upload = forms.FileField(
        required=False,
        help_text=gettext_lazy("Any common subtitle format and encoding; converted to WebVTT. Uploading replaces the file."),
    )

    class Meta:
        model = Subtitle
        fields = ("language", "kind", "label", "is_default")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # The stored files are keyed by language and kind: change them by deleting and adding.
            for name in ("language", "kind"):
                self.fields[name].disabled = True

    def clean_language(self):
        try:
            return language_normalize(self.cleaned_data["language"])
        except SubtitleError as error:
            raise forms.ValidationError(error.translated(gettext), code=error.code) from None

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("upload")
        if self.cleaned_data.get("DELETE"):
            return cleaned
        if upload is None:
            if not self.instance.pk:
                self.add_error("upload", gettext("Choose a subtitle file."))
            return cleaned
        try:
            data = services.upload_read(upload)
            cleaned["conversion"] = services.subtitle_conversion(video=self.instance.video, data=data)
            cleaned["data"] = data
        except SubtitleError as error:
            self.add_error("upload", forms.ValidationError(error.translated(gettext), code=error.code))
        return cleaned

    def validate_unique(self):
        # One per (video, language, kind) is enforced by the service, which replaces instead of failing.
        pass


class SubtitleInlineFormSet(BaseInlineFormSet):
    def save(self, commit=True):
        self.new_objects, self.changed_objects, self.deleted_objects = [], [], []
        for form in self.deleted_forms:
            if form.instance.pk:
                services.subtitle_delete(subtitle=form.instance)
                self.deleted_objects.append(form.instance)
        for form in self.forms:
            if form in self.deleted_forms or not form.has_changed():
                continue
            data = form.cleaned_data
            if data.get("conversion") is not None:
                subtitle, created = services.subtitle_save(
                    video=self.instance,
                    language=data.get("language") or form.instance.language,
                    kind=data.get("kind") or form.instance.kind,
                    label=data.get("label", ""),
                    is_default=data.get("is_default", False),
                    data=data["data"],
                    filename=data["upload"].name or "",
                    conversion=data["conversion"],
                )
            else:
                subtitle = services.subtitle_update(
                    subtitle=form.instance, label=data.get("label", ""), is_default=data.get("is_default", False)
                )
                created = False
            if created:
                self.new_objects.append(subtitle)
            else:
                self.changed_objects.append((subtitle, form.changed_data))
        return self.new_objects + [subtitle for subtitle, _ in self.changed_objects]


class SubtitleInline(admin.TabularInline):
    model = Subtitle
    form = SubtitleInlineForm
    formset = SubtitleInlineFormSet
    extra = 0
    fields = ("language", "kind", "label", "is_default", "upload", "source_format", "source_encoding",
              "cue_count", "warnings")  # fmt: skip
    readonly_fields = ("source_format", "source_encoding", "cue_count", "warnings")


# The video page shows its subtitles; the inline is added from here because subtitles depend on
# videos, never the other way round.
VideoAdmin.inlines = [*VideoAdmin.inlines, SubtitleInline]
