"""The outbox keeps to each channel's global rate and to one message per second per chat."""

from itertools import pairwise

from foundations.delivery import BULK, INTERACTIVE, Outgoing
from foundations.messages import Reply


def msg(chat: str, text: str = "x", priority: int = BULK, on_result=None) -> Outgoing:
    return Outgoing("test", chat, Reply(text), priority=priority, on_result=on_result)


async def test_messages_to_different_chats_leave_at_the_configured_rate(outbox, sender, clock):
    outbox.register(sender, rate_per_second=5)
    for i in range(10):
        await outbox.submit(msg(f"c{i}"))
    await outbox.start()
    await clock.advance(2.0)
    times = [t for t, _, _ in sender.sent]
    assert len(times) == 10
    gaps = [b - a for a, b in pairwise(times)]
    assert all(abs(gap - 0.2) < 1e-6 for gap in gaps)


async def test_one_chat_gets_at_most_one_message_per_second_in_order(outbox, sender, clock):
    outbox.register(sender, rate_per_second=25, per_chat_interval=1.0)
    for text in ("một", "hai", "ba"):
        await outbox.submit(msg("same", text))
    await outbox.start()
    await clock.advance(3.0)
    assert [text for _, _, text in sender.sent] == ["một", "hai", "ba"]
    assert [t for t, _, _ in sender.sent] == [0.0, 1.0, 2.0]


async def test_a_busy_chat_does_not_hold_up_other_chats(outbox, sender, clock):
    outbox.register(sender, rate_per_second=10)
    await outbox.submit(msg("a", "1"))
    await outbox.submit(msg("a", "2"))
    await outbox.submit(msg("b", "3"))
    await outbox.start()
    await clock.advance(1.5)
    assert [(t, chat) for t, chat, _ in sender.sent] == [(0.0, "a"), (0.1, "b"), (1.0, "a")]


async def test_interactive_replies_overtake_queued_bulk_messages(outbox, sender, clock):
    outbox.register(sender, rate_per_second=10)
    for i in range(50):
        await outbox.submit(msg(f"official{i}"))
    await outbox.start()
    await clock.advance(0.5)
    await outbox.submit(msg("citizen", "trả lời", priority=INTERACTIVE))
    await clock.advance(0.2)
    sent_chats = [chat for _, chat, _ in sender.sent]
    assert "citizen" in sent_chats
    assert sent_chats.index("citizen") <= 7


async def test_channels_have_independent_rates(outbox, clock):
    from tests.fakes.scripted_channel import ScriptedSender

    fast, slow = ScriptedSender(clock, "fast"), ScriptedSender(clock, "slow")
    outbox.register(fast, rate_per_second=10)
    outbox.register(slow, rate_per_second=1)
    for i in range(10):
        await outbox.submit(Outgoing("fast", f"f{i}", Reply("x"), BULK))
        await outbox.submit(Outgoing("slow", f"s{i}", Reply("x"), BULK))
    await outbox.start()
    await clock.advance(0.95)
    assert len(fast.sent) == 10
    assert len(slow.sent) == 1


async def test_join_waits_until_every_message_has_an_outcome(outbox, sender, clock, outcomes):
    outbox.register(sender, rate_per_second=100)
    for i in range(3):
        await outbox.submit(msg(f"c{i}", on_result=outcomes))
    await outbox.start()
    await clock.advance(1.0)
    await outbox.join()
    assert [o.status for o in outcomes] == ["sent"] * 3
    assert outbox.pending() == 0


async def test_bulk_messages_wait_for_the_last_answer_so_a_crash_repeats_one_at_most(
    outbox, sender, clock
):
    outbox.register(sender, rate_per_second=25)
    sender.round_trip = 0.3  # a far-away platform: slower to answer than the rate allows
    for i in range(3):
        await outbox.submit(msg(f"official{i}"))
    await outbox.start()
    await clock.advance(0.1)
    await outbox.submit(msg("citizen", priority=INTERACTIVE))  # not held back by reminders
    await clock.advance(1.0)
    assert [t for t, _ in sender.attempts] == [0.0, 0.1, 0.3, 0.6]
    assert [chat for _, chat in sender.attempts] == ["official0", "citizen", "official1",
                                                     "official2"]


async def test_a_reply_during_a_fan_out_leaves_at_once_instead_of_at_the_next_slot(
    outbox, sender, clock
):
    outbox.register(sender, rate_per_second=10)  # a slot every 0.1 s
    for i in range(30):
        await outbox.submit(msg(f"official{i}"))
    await outbox.start()
    await clock.advance(0.55)
    for n in range(3):
        await outbox.submit(msg(f"citizen{n}", priority=INTERACTIVE))
    await clock.advance(1.0)
    when = {chat: t for t, chat, _ in sender.sent}
    assert [round(when[f"citizen{n}"], 2) for n in range(3)] == [0.55, 0.55, 0.6]
    reminders = sorted(t for t, chat, _ in sender.sent if chat.startswith("official"))
    assert all(b - a >= 0.1 - 1e-9 for a, b in pairwise(reminders))  # still at the rate
    in_any_second = max(sum(1 for t, _, _ in sender.sent if start <= t < start + 1)
                        for start, _, _ in sender.sent)
    assert in_any_second <= 10 + 2 + 1
