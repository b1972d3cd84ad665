"""One relay per web process for the group that every connection is in (USERS_GROUP).

channels-redis hands a group message to each member channel through that channel's own receive
loop (two tasks, a shared lock and a dispatch per connection per message): about 0.7 ms of the web
process's time per connection, so a broadcast to 1000 connections took a second to go out. Here one
channel per process joins the group, receives each broadcast once and gives it to every local
connection directly. Per-user and per-video groups stay ordinary: they have few members.
"""

from __future__ import annotations

import asyncio
import json
import logging

from channels.layers import get_channel_layer

from .services import USERS_GROUP

logger = logging.getLogger(__name__)

# Group membership lapses after the layer's group_expiry (a day); the relay renews it well before.
GROUP_RENEW_SECONDS = 3600

# Connections handed a message before the relay lets the event loop flush what it wrote.
YIELD_EVERY = 100

_members: set = set()  # the consumers open in this process


class _Relay:
    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.ready = loop.create_future()  # resolved once the relay's channel is in the group
        self.task = loop.create_task(self._run())

    async def _run(self) -> None:
        layer = get_channel_layer()
        try:
            channel = await layer.new_channel()
            await layer.group_add(USERS_GROUP, channel)
        except BaseException as exc:
            self.ready.set_exception(exc)
            raise
        self.ready.set_result(None)
        renewing = asyncio.create_task(self._renew(layer, channel))
        try:
            while True:
                message = await layer.receive(channel)
                message["text"] = json.dumps(message["event"])  # encoded once, not once per connection
                for count, consumer in enumerate(list(_members), 1):
                    try:
                        await consumer.event_message(message)
                    except Exception:  # one broken socket must not stop the broadcast for the others
                        logger.exception("could not relay %s", message.get("type"))
                    if count % YIELD_EVERY == 0:
                        # Writes reach the sockets only when the loop runs: let the first ones out
                        # while the rest are still being framed.
                        await asyncio.sleep(0)
        finally:
            renewing.cancel()
            await layer.group_discard(USERS_GROUP, channel)

    @staticmethod
    async def _renew(layer, channel) -> None:
        while True:
            await asyncio.sleep(GROUP_RENEW_SECONDS)
            await layer.group_add(USERS_GROUP, channel)


_relay: _Relay | None = None


async def relay_join(consumer) -> None:
    """Deliver USERS_GROUP messages to this consumer from now on."""
    global _relay
    loop = asyncio.get_running_loop()
    if _relay is None or _relay.task.done() or _relay.task.get_loop() is not loop:
        _relay = _Relay(loop)
    _members.add(consumer)
    await asyncio.shield(_relay.ready)


async def relay_leave(consumer) -> None:
    global _relay
    _members.discard(consumer)
    if not _members and _relay is not None:
        # The last connection is gone: stop listening (tests also open and close event loops).
        relay, _relay = _relay, None
        relay.task.cancel()
        try:
            await relay.task
        except asyncio.CancelledError:
            # The relay's own cancellation ends here; the caller's, if it is being cancelled too
            # (a server shutting down, a client gone), goes on: swallowing it left the task running.
            if asyncio.current_task().cancelling():
                raise
