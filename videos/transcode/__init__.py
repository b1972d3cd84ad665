"""Transcoding a video: the pipeline of one attempt, its progress, and how it ends when it fails.

    pipeline   transcode_attempt: claim, download, probe, the one ffmpeg pass, uploads, ready
    progress   ProgressTracker: events, the once-a-second progress write, the stop check
    failures   failure_of and what a failed, cancelled or transient attempt leaves behind
"""

from ..liveness import new_attempt
from .failures import EXPECTED_ERRORS, attempt_cancelled, attempt_fail, attempt_requeue, failure_of
from .pipeline import Plan, pass_limits, probe_limits, transcode_attempt, transcode_plan

__all__ = [
    "EXPECTED_ERRORS", "Plan", "attempt_cancelled", "attempt_fail", "attempt_requeue", "failure_of", "new_attempt",
    "pass_limits", "probe_limits", "transcode_attempt", "transcode_plan",
]
