"""ASGI middleware: authenticate a websocket with a `?ticket=` from the ws-ticket endpoint."""

from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from django.contrib.auth.models import AnonymousUser

from .services import ws_ticket_redeem


@database_sync_to_async
def _user_for_ticket(ticket: str):
    return ws_ticket_redeem(ticket=ticket) or AnonymousUser()


class TicketAuthMiddleware(BaseMiddleware):
    """Sits inside AuthMiddlewareStack: a ticket, when given, decides the user, valid or not.

    A bad ticket never falls back to the session, so a client that asked for ticket auth is
    refused rather than silently connected as whoever the cookie names.
    """

    async def __call__(self, scope, receive, send):
        tickets = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("ticket")
        if tickets:
            scope = dict(scope, user=await _user_for_ticket(tickets[0]))
        return await super().__call__(scope, receive, send)
