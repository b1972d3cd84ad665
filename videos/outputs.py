"""Writing transcode outputs to media storage with the right headers, and removing stale ones."""

from __future__ import annotations

import logging
import random
import threading
import time
from pathlib import Path

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError
from django.conf import settings
from django.core.files.storage import default_storage

from . import storage

logger = logging.getLogger(__name__)

# Pauses between whole-file tries while S3 does not answer: doubling from the first, with jitter,
# so that the upload threads do not knock together, and never longer than the last.
RETRY_FIRST, RETRY_LONGEST = 0.5, 5.0
# S3 answers that say "later" (throttling, a node starting up); any other refusal is final.
RETRYABLE_CODES = {"SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable"}

class StorageUnavailable(ConnectionError):
    """Media storage did not take an output for longer than TRANSCODE_STORAGE_RETRY_SECONDS.

    A ConnectionError, so the transcode task treats it as transient and tries again later.
    """


class _Outage:
    """When S3 stopped taking this process's outputs: the retry budget is the outage's, not each file's.

    The upload threads share it. With a budget per file, an outage longer than the budget holds a
    failing attempt for about (files / threads) x budget, as the pool waits for every queued file:
    with a 6 s budget, 133 objects and 8 threads it had not given up after 60 s (372 retries;
    videos/tests/test_faults_services.py). Shared, it gives up 6.3 s into the outage: every thread
    stops once the outage has lasted the budget, and the files still queued fail at once.
    """

    QUIET = RETRY_LONGEST + 2  # no failure for this long and the next one starts a new outage

    def __init__(self):
        self._lock = threading.Lock()
        self.since = self.last = None

    def failed(self) -> float:
        """Note a failed try; return how long the outage has lasted."""
        now = time.monotonic()
        with self._lock:
            if self.since is None or now - self.last > self.QUIET:
                self.since = now
            self.last = now
            return now - self.since

    def outlasted(self, budget: float) -> bool:
        """True while an outage that outlasted the budget goes on (its last failure is recent)."""
        with self._lock:
            if self.since is None or time.monotonic() - self.last > self.QUIET:
                return False
            return self.last - self.since >= budget

    def ended(self) -> None:
        if self.since is not None:
            with self._lock:
                self.since = self.last = None


_outage = _Outage()


def _retryable(exc: BaseException) -> bool:
    """True for a failure that another try may not meet: no connection, a timeout, a 5xx or throttling."""
    if isinstance(exc, (BotoConnectionError, HTTPClientError)):
        return True
    # boto3's managed transfer turns a ClientError into S3UploadFailedError, with the original as context.
    error = exc if isinstance(exc, ClientError) else exc.__context__
    if not isinstance(error, ClientError):
        return False
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
    return status >= 500 or status == 429 or error.response.get("Error", {}).get("Code") in RETRYABLE_CODES


def put_file(key: str, path: Path) -> None:
    """Store a local file at exactly this key, with its Content-Type and Cache-Control.

    A file that S3 does not take is tried again whole, with backoff, for up to
    TRANSCODE_STORAGE_RETRY_SECONDS of outage; then StorageUnavailable. botocore retries each
    request a few times within a second or two; this rides out a restart or an outage of S3.
    """
    budget = settings.TRANSCODE_STORAGE_RETRY_SECONDS
    if _outage.outlasted(budget):
        raise StorageUnavailable(f"Media storage has not answered for over {budget:g} s; {key} was not stored.")
    tries = 0
    while True:
        try:
            default_storage.put_file(key, path)
        except Exception as exc:
            if not _retryable(exc):
                raise
            lasted = _outage.failed()
            if lasted >= budget:
                raise StorageUnavailable(
                    f"Media storage did not take {key} for {lasted:.0f} s ({type(exc).__name__}: {exc})."
                ) from exc
            pause = min(RETRY_LONGEST, RETRY_FIRST * 2**tries) * random.uniform(0.5, 1.0)
            pause = min(pause, budget - lasted)
            tries += 1
            logger.warning("storage did not take %s (%s: %s); try %d in %.1f s, %.0f of %g s spent",
                           key, type(exc).__name__, exc, tries + 1, pause, lasted, budget)
            time.sleep(pause)
        else:
            _outage.ended()
            return


def output_prefixes(video_id) -> list[str]:
    """Every attempt prefix that exists for a video (``videos/<uuid>/out/<attempt>/``)."""
    root = f"{storage.video_prefix(video_id)}out"
    try:
        dirs, _ = default_storage.listdir(root)
    except FileNotFoundError:
        return []
    return [f"{root}/{name}/" for name in dirs]


def delete_stale_outputs(video_id, *, keep: str = "") -> int:
    """Delete the outputs of every attempt of a video except the one at ``keep``."""
    deleted = 0
    for prefix in output_prefixes(video_id):
        if prefix != keep:
            deleted += storage.delete_prefix(prefix)
    if deleted:
        logger.info("video %s: removed %d stale output objects", video_id, deleted)
    return deleted
