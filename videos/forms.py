from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Video


class VideoUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Video file"),
        widget=forms.ClearableFileInput(attrs={"accept": "video/*,.mkv,.mov,.mp4,.webm,.avi,.m4v,.ts"}),
    )
    title = forms.CharField(label=_("Title"), max_length=Video._meta.get_field("title").max_length)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    visibility = forms.ChoiceField(
        label=_("Visibility"), choices=Video.Visibility.choices, initial=Video.Visibility.PRIVATE
    )


class VideoEditForm(forms.Form):
    """What an owner changes of a video (services.video_update): the studio's edit form."""

    title = forms.CharField(label=_("Title"), max_length=Video._meta.get_field("title").max_length)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 3})
    )
    visibility = forms.ChoiceField(label=_("Visibility"), choices=Video.Visibility.choices)
