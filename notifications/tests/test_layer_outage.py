"""The publisher's memory of a channel layer that is away: how long progress ticks wait untried."""

import time

from notifications.services import _LayerOutage


def _pause(outage: _LayerOutage) -> float:
    return outage._retry_at - time.monotonic()


def test_refused_tries_do_not_grow_the_pause():
    outage = _LayerOutage()
    for _ in range(6):  # a Redis restart: each try is refused in milliseconds
        outage.failed(ConnectionRefusedError(), took=0.002)
    assert outage.skip()
    assert _pause(outage) <= outage.PAUSE_MIN


def test_tries_that_hang_double_the_pause_up_to_the_cap():
    outage = _LayerOutage()
    pauses = []
    for _ in range(8):  # a partition: each try waits out the socket timeout
        outage.failed(TimeoutError(), took=15.0)
        pauses.append(round(_pause(outage)))
    assert pauses == [2, 4, 8, 16, 30, 30, 30, 30]
    outage.failed(ConnectionRefusedError(), took=0.002)  # the host answers again, refusing
    assert _pause(outage) <= outage.PAUSE_MIN


def test_a_send_that_succeeds_ends_the_outage():
    outage = _LayerOutage()
    outage.failed(ConnectionRefusedError(), took=0.002)
    assert outage.skip()
    outage.recovered()
    assert not outage.skip() and outage.since is None
