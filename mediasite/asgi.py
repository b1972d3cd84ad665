import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mediasite.settings")
# Django must be set up before anything imports models (the consumers do).
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from mediasite.middleware.upload_limit import UploadLimitASGIMiddleware  # noqa: E402
from mediasite.patches.daphne_streaming import install_daphne_body_streaming  # noqa: E402
from notifications.middleware import TicketAuthMiddleware  # noqa: E402
from realtime.routing import websocket_urlpatterns  # noqa: E402

# Uploads reach Django from daphne's spool file chunk by chunk, not queued whole in memory.
install_daphne_body_streaming()

application = ProtocolTypeRouter(
    {
        # Bodies over the upload limit are refused before Django spools them to disk.
        "http": UploadLimitASGIMiddleware(django_asgi_app),
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(TicketAuthMiddleware(URLRouter(websocket_urlpatterns)))
        ),
    }
)
