"""Realtime: the websocket consumer, above notifications (events) and videos (their state)."""
