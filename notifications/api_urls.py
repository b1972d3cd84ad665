from django.urls import path

from . import api

urlpatterns = [
    path("", api.NotificationListApi.as_view(), name="notification-list"),
    path("<int:notification_id>/read/", api.NotificationReadApi.as_view(), name="notification-read"),
    path("read-all/", api.NotificationReadAllApi.as_view(), name="notification-read-all"),
    path("unread-count/", api.NotificationUnreadCountApi.as_view(), name="notification-unread-count"),
    path("ws-ticket/", api.WsTicketApi.as_view(), name="notification-ws-ticket"),
    path("stats/", api.NotificationStatsApi.as_view(), name="notification-stats"),
]
