"""Template filters that format a video's facts for the pages."""

import math

from django import template

register = template.Library()


@register.filter
def duration(seconds) -> str:
    """Seconds as a clock, `m:ss` or past an hour `h:mm:ss` (whole seconds, as the player shows them); '' if unknown."""
    try:
        seconds = float(seconds)
    except (TypeError, ValueError):
        return ""
    if not math.isfinite(seconds) or seconds < 0:
        return ""
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"
