"""Content-Security-Policy for every response (Django 5.2 has none built in).

Upstream: Django 6.0 ships one (django.middleware.csp, ticket #15727); move to it with the upgrade
from the 5.2 LTS, keeping build_policy as the SECURE_CSP setting.

Our pages load only static JavaScript and CSS from our own origin. hls.js runs its transmuxer in
a blob: worker and plays media through blob: URLs; segments, posters and subtitles come from
the S3 endpoint browsers use (signed URLs), or from /media/ when storage is local. Styles allow
'unsafe-inline' because Swagger UI and the admin set style attributes; scripts never run inline.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.utils.deprecation import MiddlewareMixin


def _origin(url: str | None) -> str:
    if not url:
        return ""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def media_origins() -> list[str]:
    """Where browsers fetch media from, besides our own origin."""
    if not settings.S3_BUCKET:
        return []
    origin = _origin(settings.S3_PUBLIC_ENDPOINT_URL)
    return [origin] if origin else ["https://*.amazonaws.com"]


def build_policy() -> str:
    media = " ".join(["'self'", "blob:", *media_origins()])
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self' 'unsafe-inline'",
        "img-src": f"'self' data: {' '.join(media_origins())}".strip(),
        "media-src": media,
        # 'self' covers same-origin websockets in current browsers.
        "connect-src": media,
        "worker-src": "'self' blob:",
        "font-src": "'self' data:",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class ContentSecurityPolicyMiddleware(MiddlewareMixin):
    # MiddlewareMixin makes it async-capable: no thread hop per request under daphne.
    def __init__(self, get_response):
        super().__init__(get_response)
        self.header = (
            "Content-Security-Policy-Report-Only"
            if getattr(settings, "CSP_REPORT_ONLY", False)
            else "Content-Security-Policy"
        )
        self.policy = build_policy()

    def process_response(self, request, response):
        response.headers.setdefault(self.header, self.policy)
        return response
