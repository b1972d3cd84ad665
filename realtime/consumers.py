"""The websocket at /ws/notifications/: a user's events, their videos' live state, subscriptions."""

import json
from collections import deque

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from notifications import fanout, presence
from notifications.services import STAFF_GROUP, user_group, video_group

from .snapshot import connection_snapshot, video_state_message, video_watchable

MAX_SUBSCRIPTIONS = 50


@database_sync_to_async
def _snapshot(user) -> dict:
    return connection_snapshot(user=user)


@database_sync_to_async
def _watchable_state(user, video_id) -> dict | None:
    video = video_watchable(user=user, video_id=video_id)
    return video_state_message(video) if video else None


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            return await self.close(code=4401)
        self.user, self.subscriptions, self.held = user, set(), []  # held: events until the snapshot is out
        self.seen_ids = deque(maxlen=128)  # ids of recent events, to drop copies from a second group
        self.groups_joined = [user_group(user.pk)] + ([STAFF_GROUP] if user.is_staff else [])
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await fanout.relay_join(self)  # USERS_GROUP, through one relay per process
        await self.accept()
        await presence.connection_register(channel_name=self.channel_name, kind="staff" if user.is_staff else "user")
        # Read after joining the groups: anything that happens later arrives after the snapshot.
        await self.send_json(await _snapshot(user))
        held, self.held = self.held, None
        for message in held:
            await self.event_message(message)

    async def disconnect(self, code):
        await fanout.relay_leave(self)
        for group in getattr(self, "groups_joined", []) + list(getattr(self, "subscriptions", [])):
            await self.channel_layer.group_discard(group, self.channel_name)
        await presence.connection_unregister(channel_name=self.channel_name)

    @classmethod
    async def decode_json(cls, text_data):
        try:
            return json.loads(text_data)
        except ValueError:
            return None  # answered as an unknown message, not a dropped connection

    async def receive_json(self, content, **kwargs):
        kind = content.get("type") if isinstance(content, dict) else None
        handler = {"ping": self.ping, "subscribe": self.subscribe, "unsubscribe": self.unsubscribe}.get(kind)
        if handler is None:
            return await self.send_json({"type": "error", "message": "Unknown message type."})
        await handler(content)

    async def ping(self, content):
        await self.send_json({"type": "pong"})

    async def subscribe(self, content):
        video_id = content.get("video_id")
        state = await _watchable_state(self.user, video_id)
        if state is None or len(self.subscriptions) >= MAX_SUBSCRIPTIONS:
            reason = "No such video." if state is None else "Too many subscriptions."
            return await self.send_json({"type": "error", "message": reason, "video_id": video_id})
        self.subscriptions.add(video_group(state["video_id"]))
        await self.channel_layer.group_add(video_group(state["video_id"]), self.channel_name)
        await self.send_json({"type": "subscribed", "video_id": state["video_id"], "state": state})

    async def unsubscribe(self, content):
        group = video_group(str(content.get("video_id")).lower())
        if group in self.subscriptions:
            self.subscriptions.discard(group)
            await self.channel_layer.group_discard(group, self.channel_name)
        await self.send_json({"type": "unsubscribed", "video_id": content.get("video_id")})

    async def dispatch(self, message):
        # Channels hops to the database thread before each handler to close stale connections; an
        # event touches no database, and that hop per connection per event slowed broadcasts.
        if message["type"] == "event.message":
            return await self.event_message(message)
        return await super().dispatch(message)

    async def event_message(self, message):
        event_id = message.get("id")
        if self.held is not None:
            self.held.append(message)
        elif event_id is None or event_id not in self.seen_ids:
            self.seen_ids.append(event_id)
            await self.send(text_data=message.get("text") or json.dumps(message["event"]))
