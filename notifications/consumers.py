import json
from collections import deque

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from . import presence
from .selectors import connection_snapshot, video_state_message, video_watchable
from .services import STAFF_GROUP, USERS_GROUP, user_group, video_group

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
            await self.close(code=4401)
            return
        self.user, self.subscriptions = user, set()
        self.seen_ids = deque(maxlen=128)  # ids of recent events, to drop copies from a second group
        self.groups_joined = [USERS_GROUP, user_group(user.pk)] + ([STAFF_GROUP] if user.is_staff else [])
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        kind = "staff" if user.is_staff else "user"
        await presence.connection_register(channel_name=self.channel_name, kind=kind)
        # Read after joining the groups: anything that happens later arrives after the snapshot.
        await self.send_json(await _snapshot(user))

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []) + list(getattr(self, "subscriptions", [])):
            await self.channel_layer.group_discard(group, self.channel_name)
        await presence.connection_unregister(channel_name=self.channel_name)

    @classmethod
    async def decode_json(cls, text_data):
        try:
            return json.loads(text_data)
        except ValueError:
            return None

    async def receive_json(self, content, **kwargs):
        kind = content.get("type") if isinstance(content, dict) else None
        handler = {"ping": self.ping, "subscribe": self.subscribe, "unsubscribe": self.unsubscribe}.get(kind)
        if handler is None:
            await self.send_json({"type": "error", "message": "Unknown message type."})
            return
        await handler(content)

    async def ping(self, content):
        await self.send_json({"type": "pong"})

    async def subscribe(self, content):
        video_id = content.get("video_id")
        state = await _watchable_state(self.user, video_id)
        if state is None or len(self.subscriptions) >= MAX_SUBSCRIPTIONS:
            reason = "No such video." if state is None else "Too many subscriptions."
            await self.send_json({"type": "error", "message": reason, "video_id": video_id})
            return
        self.subscriptions.add(video_group(state["video_id"]))
        await self.channel_layer.group_add(video_group(state["video_id"]), self.channel_name)
        await self.send_json({"type": "subscribed", "video_id": state["video_id"], "state": state})

    async def unsubscribe(self, content):
        group = video_group(str(content.get("video_id")).lower())
        if group in self.subscriptions:
            self.subscriptions.discard(group)
            await self.channel_layer.group_discard(group, self.channel_name)
        await self.send_json({"type": "unsubscribed", "video_id": content.get("video_id")})

    async def event_message(self, message):
        event_id = message.get("id")
        if event_id is not None and event_id in self.seen_ids:
            return
        self.seen_ids.append(event_id)
        await self.send_json(message["event"])
