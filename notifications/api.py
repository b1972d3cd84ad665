"""REST endpoints for a user's notifications, websocket tickets and (staff) connection stats."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from . import presence
from .events import EventType
from .selectors import notification_get, notification_list, notification_unread_count
from .services import WS_TICKET_TTL, notification_mark_all_read, notification_mark_read, ws_ticket_create


class NotificationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    type = serializers.ChoiceField(choices=EventType.choices)
    payload = serializers.JSONField(help_text="The event exactly as it was sent over the websocket.")
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)


class NotificationListApi(generics.ListAPIView):
    class FilterSerializer(serializers.Serializer):
        unread = serializers.BooleanField(required=False, allow_null=True, default=None)

    serializer_class = NotificationOutputSerializer

    def get_queryset(self):
        filters = self.FilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return notification_list(user=self.request.user, unread=filters.validated_data["unread"])

    @extend_schema(
        operation_id="notifications_list",
        parameters=[OpenApiParameter("unread", bool, description="true: only unread; false: only read.")],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class NotificationReadApi(APIView):
    @extend_schema(operation_id="notifications_read", request=None, responses=NotificationOutputSerializer)
    def post(self, request, notification_id: int):
        notification = notification_get(user=request.user, notification_id=notification_id)
        if notification is None:
            raise NotFound("No such notification.")
        notification = notification_mark_read(notification=notification)
        return Response(NotificationOutputSerializer(notification).data)


class NotificationReadAllApi(APIView):
    class OutputSerializer(serializers.Serializer):
        marked_read = serializers.IntegerField()
        unread_count = serializers.IntegerField()

    @extend_schema(operation_id="notifications_read_all", request=None, responses=OutputSerializer)
    def post(self, request):
        marked = notification_mark_all_read(user=request.user)
        return Response(self.OutputSerializer({"marked_read": marked, "unread_count": 0}).data)


class NotificationUnreadCountApi(APIView):
    class OutputSerializer(serializers.Serializer):
        unread_count = serializers.IntegerField()

    @extend_schema(operation_id="notifications_unread_count", responses=OutputSerializer)
    def get(self, request):
        return Response(self.OutputSerializer({"unread_count": notification_unread_count(user=request.user)}).data)


class WsTicketApi(APIView):
    class OutputSerializer(serializers.Serializer):
        ticket = serializers.CharField()
        expires_in = serializers.IntegerField(help_text="Seconds the ticket stays valid; it opens one connection.")
        url = serializers.CharField(help_text="Path of the websocket, ticket included.")

    @extend_schema(
        operation_id="notifications_ws_ticket",
        request=None,
        responses={201: OutputSerializer},
        description="A single-use ticket that opens one websocket at `/ws/notifications/?ticket=…` within "
        "`expires_in` seconds. API clients send an `Origin` header naming this host, as browsers do.",
    )
    def post(self, request):
        ticket = ws_ticket_create(user=request.user)
        data = {"ticket": ticket, "expires_in": WS_TICKET_TTL, "url": f"/ws/notifications/?ticket={ticket}"}
        return Response(self.OutputSerializer(data).data, status=status.HTTP_201_CREATED)


class NotificationStatsApi(APIView):
    permission_classes = [IsAdminUser]

    class OutputSerializer(serializers.Serializer):
        total = serializers.IntegerField(help_text="Open websocket connections across all web processes.")
        user = serializers.IntegerField(help_text="Connections of non-staff users.")
        staff = serializers.IntegerField(help_text="Connections of staff users.")

    @extend_schema(operation_id="notifications_stats", responses=OutputSerializer)
    def get(self, request):
        return Response(self.OutputSerializer(presence.connection_counts()).data)
