"""Settings for mediasite: every value comes from the environment, with embedded defaults."""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff

from .s3_options import s3_storage_options

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=True)
# Production mode is simply DEBUG off: then a real secret and the hardened settings below are required.
PRODUCTION = not DEBUG

_DEV_SECRET_KEY = "django-insecure-mediasite-development-only"
SECRET_KEY = env("SECRET_KEY", default=_DEV_SECRET_KEY)
if PRODUCTION and (SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 50):
    raise ImproperlyConfigured("Set SECRET_KEY to a random value of at least 50 characters when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_prometheus",
    "mediasite.api",
    "users",
    "videos",
    "subtitles",
    "notifications",
    "uploads",
    "backups",
]

MIDDLEWARE = [
    "mediasite.middleware.request_id.RequestIdMiddleware",  # outermost: every line of a request carries its id
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",  # after sessions, before common (Django's order)
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "mediasite.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    "mediasite.middleware.sync_chain.SyncChainMiddleware",  # innermost: see its docstring
]

ROOT_URLCONF = "mediasite.urls"
ASGI_APPLICATION = "mediasite.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# Under ASGI each request runs in a thread of its own, so Django's persistent connections
# (CONN_MAX_AGE) would leak one per thread, and without them every request pays a new PostgreSQL
# backend (several ms). A psycopg pool shares a few connections instead; production should set it.
if env.bool("DATABASE_POOL", default=False) and DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN", default=2),
        "max_size": env.int("DATABASE_POOL_MAX", default=20),
        "timeout": 10,
    }
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # A worker whose network link dies must notice within about half a minute, not the kernel's
    # 15 minutes: its queries fail, the heartbeat stops, and another worker takes the video over
    # (videos/tests/test_worker_hosts.py cuts a worker host off mid-encode).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"connect_timeout": 10, "keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10,
         "keepalives_count": 3, "tcp_user_timeout": 30000}
    )
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The embedded default serves the web and a worker at once: WAL lets readers go on while one
    # writes, IMMEDIATE takes the write lock when a transaction starts (no upgrade that fails
    # as "database is locked"), and the busy timeout waits for the lock instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: Celery broker, channel layer, cache -----------------------------------------------
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")

CACHES = {
    "default": {
        "BACKEND": "mediasite.backends.redis_cache.SharedPoolRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "mediasite",
    }
}

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            # redis-py 8 reads with a 5 s socket timeout by default, the very length of the layer's
            # blocking BZPOPMIN: on an idle process the read times out and takes a consumer down
            # with it (one dropped websocket every few seconds), so reads get more than that.
            # Its async pool also refuses (MaxConnectionsError) rather than waits past 100
            # connections, and each handshake makes a few Redis calls at once: when hundreds of
            # clients reconnect together (a deploy), 100 turns into failed handshakes.
            # After a Redis restart every pooled connection is stale; without a retry each one fails
            # a client's handshake (seen in videos/tests/test_faults_services.py). Two quick retries.
            "hosts": [{"address": REDIS_URL, "socket_timeout": 15, "max_connections": 1000,
                       "retry": Retry(ExponentialBackoff(cap=0.5, base=0.05), 2)}],
            "prefix": env("CHANNELS_PREFIX", default="mediasite"),
            # All connections of one web process share one Redis queue, and the same figure bounds
            # each connection's in-process buffer: the default 100 would drop events whenever a
            # process briefly falls 100 messages behind (a burst of progress across many videos).
            # 2000 rides out such bursts; a stalled client still costs at most 2000 small messages.
            "capacity": 2000,
            # Seconds an undelivered message waits. Progress older than this is stale, and the
            # events that matter are stored and reach a reconnecting client in its snapshot.
            "expiry": 30,
            # Group membership lapses after a day, as daphne closes websockets after a day
            # (--websocket_timeout 86400), so live connections never silently leave their groups.
            "group_expiry": 86400,
        },
    }
}
# Seconds between polls of the notifications API in pages whose websocket cannot connect (a proxy
# that refuses websockets); static/js/notifications.js doubles it after each failed poll.
NOTIFICATIONS_POLL_SECONDS = env.int("NOTIFICATIONS_POLL_SECONDS", default=10)

# --- Users -------------------------------------------------------------------------------------
# The role a new account gets: viewer (watches), uploader (also uploads), moderator (also edits,
# hides or deletes anyone's video) or staff. Uploader keeps a small team's "everyone uploads".
DEFAULT_USER_ROLE = env("DEFAULT_USER_ROLE", default="uploader")
# Bytes of sources each user may keep (0 = no limit); the admin sets it per user.
USER_STORAGE_QUOTA = env.int("USER_STORAGE_QUOTA", default=0)

# --- Celery -----------------------------------------------------------------------------------
TRANSCODE_SOFT_TIME_LIMIT = env.int("TRANSCODE_SOFT_TIME_LIMIT", default=3 * 3600)
TRANSCODE_HARD_TIME_LIMIT = env.int("TRANSCODE_HARD_TIME_LIMIT", default=TRANSCODE_SOFT_TIME_LIMIT + 300)

# Redis by default (one service for the broker, the channel layer and the cache). RabbitMQ
# (amqp://…) is supported: it redelivers a lost worker's task the moment its connection drops,
# so recovery takes a few heartbeats instead of TRANSCODE_WORKER_LOST_SECONDS.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
# A transcode is acknowledged only when it ends, and re-queued when its worker dies mid-way.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
# First renditions have a queue (and a worker) of their own: they never wait behind a ladder.
CELERY_TASK_ROUTES = {
    "videos.tasks.video_transcode": {"queue": "transcode"},
    "videos.tasks.video_first_rendition": {"queue": "first"},
    # Captions from speech: a queue of their own, whose worker runs at nice 19 (scripts/run.sh).
    "subtitles.tasks.subtitle_captions_generate": {"queue": "captions"},
}
# Redis re-delivers an unacknowledged task after the visibility timeout: it must outlast the
# longest transcode, or a healthy long job would be started a second time.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": TRANSCODE_HARD_TIME_LIMIT + 600}
# A lost broker connection (a Redis restart) must not kill a healthy encode: the attempt id and
# the heartbeat already make a redelivery harmless, and cancelling threw the encode away.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_BEAT_SCHEDULE = {
    "videos-storage-cleanup": {"task": "videos.tasks.storage_cleanup", "schedule": 6 * 3600.0},
    "uploads-expire": {"task": "uploads.tasks.upload_sessions_expire", "schedule": 600.0},
}

# --- Transcoding ------------------------------------------------------------------------------
# Rungs as "short side:max bitrate in bit/s"; a source gets the rungs no taller than itself.
TRANSCODE_RUNGS = env.list("TRANSCODE_RUNGS", default=["1080:5000000", "720:2800000", "480:1400000", "360:800000"])
TRANSCODE_AV1 = env.bool("TRANSCODE_AV1", default=False)  # add libsvtav1 rungs beside the H.264 ones
TRANSCODE_PRESET = env("TRANSCODE_PRESET", default="veryfast")  # x264 preset
TRANSCODE_SEGMENT_SECONDS = env.int("TRANSCODE_SEGMENT_SECONDS", default=4)
# The fast rung a source that browsers cannot play as it is gets first (height:bitrate), and
# whether first renditions are made at all (off: nothing plays before the ladder).
FIRST_RUNG = env("FIRST_RUNG", default="360:800000")
FIRST_RENDITIONS = env.bool("FIRST_RENDITIONS", default=True)
TRANSCODE_SCRATCH_DIR = env("TRANSCODE_SCRATCH_DIR", default="") or None  # system temp dir when unset
TRANSCODE_UPLOAD_WORKERS = env.int("TRANSCODE_UPLOAD_WORKERS", default=8)
# Liveness: a running attempt's worker writes a heartbeat every TRANSCODE_HEARTBEAT_SECONDS,
# whatever ffmpeg prints. The watchdog, a thread in every worker's main process (never queued
# behind a transcode), puts a video whose heartbeat is older than TRANSCODE_WORKER_LOST_SECONDS
# back in the queue as a new attempt, up to TRANSCODE_MAX_ATTEMPTS; a video whose worker lives
# but whose progress has not moved for TRANSCODE_STALL_TIMEOUT (a hung ffmpeg) is failed.
TRANSCODE_HEARTBEAT_SECONDS = env.float("TRANSCODE_HEARTBEAT_SECONDS", default=5.0)
TRANSCODE_WORKER_LOST_SECONDS = env.float("TRANSCODE_WORKER_LOST_SECONDS", default=60.0)
TRANSCODE_WATCHDOG_SECONDS = env.float("TRANSCODE_WATCHDOG_SECONDS", default=15.0)
TRANSCODE_MAX_ATTEMPTS = env.int("TRANSCODE_MAX_ATTEMPTS", default=3)
# A video queued this long gets its task sent again (one lost with a Redis restart); 0 = never.
TRANSCODE_QUEUED_RESEND_SECONDS = env.int("TRANSCODE_QUEUED_RESEND_SECONDS", default=600)
TRANSCODE_STALL_TIMEOUT = env.int("TRANSCODE_STALL_TIMEOUT", default=15 * 60)
# How long media storage may not take outputs before the attempt gives up and the task tries later
# (whole-file retries with backoff meanwhile, videos.outputs); well below the stall timeout.
TRANSCODE_STORAGE_RETRY_SECONDS = env.float("TRANSCODE_STORAGE_RETRY_SECONDS", default=60.0)
# What a source may cost, refused at probe (upload and worker): sides in pixels, streams, seconds.
MAX_VIDEO_SIDE = env.int("MAX_VIDEO_SIDE", default=8192)
MAX_VIDEO_STREAMS = env.int("MAX_VIDEO_STREAMS", default=16)
MAX_VIDEO_DURATION = env.int("MAX_VIDEO_DURATION", default=6 * 3600)
# Ceilings of each ffmpeg pass (rlimits; 0 = none): address space, and CPU seconds per second of
# video (all threads; a 1080p ladder at veryfast takes about 8). ffprobe gets 2 GiB and 60 s.
TRANSCODE_MEMORY_LIMIT_MB = env.int("TRANSCODE_MEMORY_LIMIT_MB", default=8192)
TRANSCODE_CPU_SECONDS_PER_SECOND = env.int("TRANSCODE_CPU_SECONDS_PER_SECOND", default=60)

# --- Media storage ----------------------------------------------------------------------------
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = DEBUG

# Lifetime of the signed URLs that playlists hand out for segments, posters and subtitles.
MEDIA_URL_EXPIRY = env.int("MEDIA_URL_EXPIRY", default=600)

S3_BUCKET = env("S3_BUCKET", default="")
S3_ENDPOINT_URL = env("S3_ENDPOINT_URL", default="") or None
S3_PUBLIC_ENDPOINT_URL = env("S3_PUBLIC_ENDPOINT_URL", default="") or S3_ENDPOINT_URL
S3_ACCESS_KEY_ID = env("S3_ACCESS_KEY_ID", default="") or None
S3_SECRET_ACCESS_KEY = env("S3_SECRET_ACCESS_KEY", default="") or None
S3_REGION = env("S3_REGION", default="us-east-1")
# The S3 that `manage.py backup s3://…` and `restore s3://…` use, when not the media's own
# (each unset one falls back to the S3_* above; the commands' --s3-* options win over both).
BACKUP_S3_ENDPOINT_URL = env("BACKUP_S3_ENDPOINT_URL", default="") or None
BACKUP_S3_ACCESS_KEY_ID = env("BACKUP_S3_ACCESS_KEY_ID", default="") or None
BACKUP_S3_SECRET_ACCESS_KEY = env("BACKUP_S3_SECRET_ACCESS_KEY", default="") or None
BACKUP_S3_REGION = env("BACKUP_S3_REGION", default="") or None


STORAGES = {
    "default": (
        {
            "BACKEND": "mediasite.backends.storage.PublicEndpointS3Storage",
            "OPTIONS": s3_storage_options(
                bucket=S3_BUCKET,
                endpoint_url=S3_ENDPOINT_URL,
                public_endpoint_url=S3_PUBLIC_ENDPOINT_URL,
                access_key=S3_ACCESS_KEY_ID,
                secret_key=S3_SECRET_ACCESS_KEY,
                region=S3_REGION,
                expiry=MEDIA_URL_EXPIRY,
            ),
        }
        if S3_BUCKET
        else {"BACKEND": "mediasite.backends.storage.SignedFileSystemStorage"}
    ),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Uploads stream to a temporary file on disk, never into memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_HANDLERS = ["django.core.files.uploadhandler.TemporaryFileUploadHandler"]
# The largest upload in one request (the multipart POST); above it, clients use an upload session.
MAX_UPLOAD_SIZE = env.int("MAX_UPLOAD_SIZE", default=10 * 1024**3)
# Upload sessions (uploads/): resumable, part by part, straight to S3 (or to Django with local
# storage). The largest file; the part size (at least S3's 5 MiB, grown so that no file needs more
# than 10,000 parts); how long a session stays open and a part URL stays valid (seconds); how many
# sessions a user may have open. Local parts wait in UPLOAD_SESSION_DIR (default MEDIA_ROOT/
# upload-sessions: the same disk, so completing is a rename).
UPLOAD_SESSION_MAX_SIZE = env.int("UPLOAD_SESSION_MAX_SIZE", default=50 * 1024**3)
UPLOAD_SESSION_PART_SIZE = env.int("UPLOAD_SESSION_PART_SIZE", default=16 * 1024**2)
UPLOAD_SESSION_EXPIRY = env.int("UPLOAD_SESSION_EXPIRY", default=24 * 3600)
UPLOAD_PART_URL_EXPIRY = env.int("UPLOAD_PART_URL_EXPIRY", default=3600)
UPLOAD_SESSION_MAX_OPEN = env.int("UPLOAD_SESSION_MAX_OPEN", default=10)
UPLOAD_SESSION_DIR = env("UPLOAD_SESSION_DIR", default="")
# Subtitle files are read into memory to be converted, so they have a limit of their own.
SUBTITLE_MAX_BYTES = env.int("SUBTITLE_MAX_BYTES", default=5 * 1024**2)
# Captions from speech (subtitles.captioning): a faster-whisper model directory ("" = the bundled
# tiny.en, English only), CTranslate2's CPU threads (0: its own choice) and whether every video
# that becomes ready gets them without being asked.
CAPTIONS_MODEL_DIR = env("CAPTIONS_MODEL_DIR", default="")
# One thread: tiny.en transcribes as fast with one as with two (0.050 against 0.053 of the audio's
# duration, bench/captions.py), and a second thread slowed the transcode beside it by 13 % instead of none.
CAPTIONS_THREADS = env.int("CAPTIONS_THREADS", default=1)
AUTO_CAPTIONS = env.bool("AUTO_CAPTIONS", default=False)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Auth, i18n -------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
# English and Simplified Chinese, chosen from Accept-Language or the header's switcher (a cookie);
# the catalogues are locale/*/LC_MESSAGES/*.po, compiled by scripts/compile_messages.sh at start.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Production hardening ---------------------------------------------------------------------
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Health checks and scrapes come over plain HTTP from inside the deployment.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    CSRF_COOKIE_SAMESITE = "Lax"
# mediasite.middleware.csp sends the policy on every response; report-only helps trying a stricter one.
CSP_REPORT_ONLY = env.bool("CSP_REPORT_ONLY", default=False)

# --- Logging ----------------------------------------------------------------------------------
# json: one JSON object a line with the request, task and video ids (what a log pipeline reads);
# text: the same for people, the default (`make run`). web, worker and beat log alike (mediasite.logs).
from .logs import logging_config  # noqa: E402

LOG_FORMAT = env("LOG_FORMAT", default="text")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}.")
LOGGING = logging_config(log_format=LOG_FORMAT, level=env("LOG_LEVEL", default="INFO"))

# --- REST API ---------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes "not signed in" a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "mediasite.api.token_auth.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "mediasite.api.schema.ErrorShapeAutoSchema",
    "EXCEPTION_HANDLER": "mediasite.api.errors.api_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "mediasite.api.pagination.CreatedCursorPagination",
    "PAGE_SIZE": 20,
    # Counters in Redis (mediasite.api.throttles); rates are "count/period", period s, min, hour or day.
    "DEFAULT_THROTTLE_CLASSES": ["mediasite.api.throttles.AnonThrottle", "mediasite.api.throttles.UserThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", default="300/min"),
        "user": env("API_THROTTLE_USER", default="1200/min"),
        "uploads": env("API_THROTTLE_UPLOADS", default="60/hour"),
        "auth": env("API_THROTTLE_AUTH", default="20/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "mediasite API",
    "DESCRIPTION": (
        "Upload videos, follow their transcoding, add subtitles and get playback URLs. "
        "Authenticate with `Authorization: Token <token>` (POST /api/v1/auth/token/) or, from a "
        "browser, with the session cookie and the X-CSRFToken header. Every error answers "
        '`{"error": {"code", "message", "fields"}}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Videos and upload sessions both have a "status": each its own enum name.
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "videos.models.Video.Status",
        "UploadSessionStatusEnum": "uploads.models.UploadSession.Status",
    },
}
