from django.db import models
from django.utils.translation import gettext_lazy as _

from videos.models import Video


class Subtitle(models.Model):
    class Kind(models.TextChoices):
        SUBTITLES = "subtitles", _("Subtitles")
        CAPTIONS = "captions", _("Captions")

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="subtitles")
    language = models.CharField(max_length=35, help_text="BCP-47 language tag, e.g. en, pt-BR, zh-Hant.")
    label = models.CharField(max_length=100, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SUBTITLES)
    is_default = models.BooleanField(default=False)
    source_format = models.CharField(max_length=20, blank=True)
    source_encoding = models.CharField(max_length=40, blank=True)
    original_key = models.CharField(max_length=300, blank=True)
    vtt_key = models.CharField(max_length=300, blank=True)
    cue_count = models.PositiveIntegerField(default=0)
    warnings = models.JSONField(default=list, blank=True)
    generated = models.BooleanField(
        default=False, help_text="Made from the video's speech (subtitles.captioning), not uploaded."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["language", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["video", "language", "kind"], name="subtitle_unique_language_kind")
        ]

    def __str__(self) -> str:
        return f"{self.label or self.language} ({self.kind})"
