"""OpenAPI generation: every operation documents the error shape for the statuses it can answer."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions, serializers


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine-readable code, e.g. `invalid`, `not_found`, `throttled`.")
    message = serializers.CharField(help_text="What went wrong, for people.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Per-field messages for invalid input (dotted paths for nested fields); empty otherwise.",
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


_DESCRIPTIONS = {
    "400": "Invalid input.",
    "401": "Not signed in, or the credentials are not valid.",
    "403": "Signed in, but not allowed to do this.",
    "404": "No such object, or it is not visible to you.",
    "409": "The object's current state does not allow this.",
    "413": "The upload is larger than the configured limit.",
    "415": "Unsupported content type.",
    "429": "Too many requests; see the Retry-After header.",
}


def error_response(code: str, description: str | None = None) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description or _DESCRIPTIONS[code])


class ErrorShapeAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, plus the error responses every operation may give."""

    def get_serializer_name(self, serializer, direction):
        # Views nest their serializers (TokenObtainApi.OutputSerializer): name the component
        # after the view, or every view's "Output" would collide.
        outer, _, inner = serializer.__class__.__qualname__.rpartition(".")
        if not outer:
            return super().get_serializer_name(serializer, direction)
        return outer.rpartition(".")[2].removesuffix("Api") + inner.removesuffix("Serializer")

    def _error_codes(self) -> list[str]:
        codes = ["400", "404", "429"]
        if self.view.get_authenticators():
            codes.append("401")
        if any(not isinstance(p, permissions.AllowAny) for p in self.view.get_permissions()):
            codes.append("403")
        if self.method in ("POST", "PUT", "PATCH"):
            codes += ["413", "415"]
        return sorted(codes)

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self._error_codes():
            if code not in responses:
                responses[code] = self._get_response_for_code(error_response(code), code, direction=direction)
        return responses
