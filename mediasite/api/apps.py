from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The REST API's shared parts; ready() connects the token cache's signal receivers."""

    name = "mediasite.api"
    label = "mediasite_api"

    def ready(self):
        from . import token_auth  # noqa: F401
