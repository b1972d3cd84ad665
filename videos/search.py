"""Title search for the browse pages: the form that reads `q`, and the filter its words become."""

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext

MAX_QUERY_LENGTH = 200
MAX_WORDS = 10


class VideoSearchForm(forms.Form):
    # CharField refuses NUL characters, which PostgreSQL cannot take in a query.
    q = forms.CharField(required=False, max_length=MAX_QUERY_LENGTH, strip=True)

    def clean_q(self) -> str:
        words = self.cleaned_data["q"].split()
        if len(words) > MAX_WORDS:
            raise forms.ValidationError(gettext("Search with at most %(count)s words.") % {"count": MAX_WORDS})
        return " ".join(words)

    @property
    def words(self) -> list[str]:
        return self.cleaned_data["q"].split() if self.is_valid() else []


def video_title_search(videos: QuerySet, *, words: list[str]) -> QuerySet:
    """Keep the videos whose title contains every word, ignoring case.

    `icontains` is UPPER(...) LIKE UPPER(...) on PostgreSQL and LIKE on SQLite, with %, _ and \\
    escaped by Django on both; SQLite's LIKE folds ASCII letters only (Chinese has no case).
    """
    for word in words:
        videos = videos.filter(title__icontains=word)
    return videos
