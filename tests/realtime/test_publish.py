"""Publishing to screens from request threads: in order, without waiting for Redis, identical
nudges merged, throttled nudges at most once an interval (motcua.realtime.publish)."""

import asyncio
import secrets
import threading

from channels.layers import get_channel_layer

from motcua.realtime import publish


async def _listen(group: str) -> tuple[object, str]:
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(group, channel)
    return layer, channel


async def _received(layer, channel: str, wait: float = 0.4) -> list[dict]:
    """Every message that arrives within ``wait`` seconds of the previous one."""
    messages = []
    while True:
        try:
            messages.append(await asyncio.wait_for(layer.receive(channel), wait))
        except TimeoutError:
            return messages


def test_messages_from_threads_go_out_in_order_through_the_loop():
    group = f"test.{secrets.token_hex(4)}"

    async def scenario():
        sender = publish._Sender()
        sender.attach(asyncio.get_running_loop())
        layer, channel = await _listen(group)

        def request_thread():
            # The thread does not wait for the channel layer: offer() only hands over.
            return [sender.offer(group, {"type": "queue.event", "n": n}) for n in range(5)]

        handed = await asyncio.to_thread(request_thread)
        return handed, await _received(layer, channel)

    handed, messages = asyncio.run(scenario())
    assert handed == [True] * 5
    assert [m["n"] for m in messages] == [0, 1, 2, 3, 4]


def test_identical_messages_waiting_to_be_sent_are_sent_once():
    group = f"test.{secrets.token_hex(4)}"

    async def scenario():
        sender = publish._Sender()
        sender.attach(asyncio.get_running_loop())
        layer, channel = await _listen(group)
        nudge = {"type": "queue.event", "payload": {"kind": "queue"}}
        call = {"type": "queue.event", "payload": {"kind": "call", "display": "1001"}}

        def burst():
            for message in (nudge, nudge, call, nudge, nudge):
                sender.offer(group, message)

        # Five requests finish while the loop is busy (here: blocked on the join), so all five
        # are queued before the sender task runs.
        thread = threading.Thread(target=burst)
        thread.start()
        thread.join()
        return await _received(layer, channel)

    messages = asyncio.run(scenario())
    # The nudge still waiting absorbs the later ones; the call keeps its place.
    assert [m["payload"]["kind"] for m in messages] == ["queue", "call"]


def test_a_throttled_nudge_goes_out_at_once_then_once_per_interval():
    group = f"test.{secrets.token_hex(4)}"
    interval = 0.5

    async def scenario():
        loop = asyncio.get_running_loop()
        sender = publish._Sender()
        sender.attach(loop)
        layer, channel = await _listen(group)
        nudge = {"type": "queue.event", "payload": {"kind": "queue"}}
        arrivals = []
        began = loop.time()

        async def collect():
            while True:
                await layer.receive(channel)
                arrivals.append(loop.time() - began)

        collector = asyncio.create_task(collect())
        for _ in range(10):  # ten tickets within 0.2 s
            await asyncio.to_thread(sender.offer, group, nudge, interval)
            await asyncio.sleep(0.02)
        await asyncio.sleep(interval * 2)
        collector.cancel()
        return arrivals

    arrivals = asyncio.run(scenario())
    assert len(arrivals) == 2, arrivals
    assert arrivals[0] < 0.2  # the first at once
    assert interval - 0.05 <= arrivals[1] <= interval + 0.3  # the rest as one, at the end


def test_without_a_server_loop_publish_sends_before_returning():
    """The task worker and management commands have no server loop: the message is sent
    synchronously (here after a loop that has stopped)."""
    group = f"test.{secrets.token_hex(4)}"

    async def stopped_loop():
        publish.attach_to_running_loop()

    asyncio.run(stopped_loop())  # the sender's loop is now closed

    async def listen():
        return await _listen(group)

    layer, channel = asyncio.run(listen())
    publish.publish_now(group, {"type": "queue.event", "n": 1})

    async def receive():
        return await asyncio.wait_for(layer.receive(channel), 2)

    assert asyncio.run(receive())["n"] == 1
