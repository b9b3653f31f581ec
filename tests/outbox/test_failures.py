"""What the outbox does when the platform says no: 429, 403, refusal, 5xx."""

from bot.outbox import Blocked, Refused, RetryLater, TemporaryFailure, Unconfirmed
from foundations.delivery import BLOCKED, BULK, FAILED, REFUSED, SENT, UNCONFIRMED, Outgoing
from foundations.messages import Reply


def msg(chat: str, on_result=None) -> Outgoing:
    return Outgoing("test", chat, Reply("nhắc việc"), priority=BULK, on_result=on_result)


async def test_429_pauses_the_chat_and_the_channel_for_retry_after(outbox, sender, clock, outcomes):
    outbox.register(sender, rate_per_second=10)
    sender.fail("a", RetryLater(3))
    await outbox.submit(msg("a", outcomes))
    await outbox.submit(msg("b", outcomes))
    await outbox.start()
    await clock.advance(2.9)
    assert sender.sent == []  # nothing leaves the channel during the pause
    await clock.advance(1.0)
    assert sorted(chat for _, chat, _ in sender.sent) == ["a", "b"]
    assert all(t >= 3.0 for t, _, _ in sender.sent)
    assert {(o.outgoing.chat_id, o.status, o.attempts) for o in outcomes} == {
        ("a", SENT, 1),
        ("b", SENT, 1),
    }


async def test_403_reports_blocked_and_is_not_retried(outbox, sender, clock, outcomes):
    outbox.register(sender, rate_per_second=10)
    sender.fail("gone", Blocked("Forbidden: bot was blocked by the user"))
    await outbox.submit(msg("gone", outcomes))
    await outbox.start()
    await clock.advance(60)
    assert len(sender.attempts) == 1
    assert [(o.status, o.detail) for o in outcomes] == [
        (BLOCKED, "Forbidden: bot was blocked by the user")
    ]


async def test_a_permanent_refusal_is_recorded_once(outbox, sender, clock, outcomes):
    outbox.register(sender, rate_per_second=10)
    sender.fail("oa-user", Refused("outside the free reply window"))
    await outbox.submit(msg("oa-user", outcomes))
    await outbox.start()
    await clock.advance(60)
    assert len(sender.attempts) == 1
    assert [o.status for o in outcomes] == [REFUSED]


async def test_5xx_is_retried_with_growing_back_off(outbox, sender, clock, outcomes):
    outbox.register(sender, rate_per_second=10)
    sender.fail("a", TemporaryFailure("502"), TemporaryFailure("503"))
    await outbox.submit(msg("a", outcomes))
    await outbox.start()
    await clock.advance(10)
    assert [t for t, _ in sender.attempts] == [0.0, 1.0, 3.0]
    assert [(o.status, o.attempts) for o in outcomes] == [(SENT, 3)]


async def test_temporary_failures_give_up_after_the_attempt_limit(outbox, sender, clock, outcomes):
    outbox.register(sender, rate_per_second=10)
    sender.fail("a", *[TemporaryFailure("500")] * 10)
    await outbox.submit(msg("a", outcomes))
    await outbox.start()
    await clock.advance(120)
    assert len(sender.attempts) == 3
    assert [(o.status, o.attempts) for o in outcomes] == [(FAILED, 3)]


async def test_a_send_that_may_have_landed_is_reported_and_never_resent(
    outbox, sender, clock, outcomes
):
    outbox.register(sender, rate_per_second=10)
    sender.fail("a", Unconfirmed("no answer within the read timeout"))
    sender.fail("b", ConnectionResetError("peer reset"))  # an error the adapter let through
    await outbox.submit(msg("a", outcomes))
    await outbox.submit(msg("b", outcomes))
    await outbox.start()
    await clock.advance(60)
    assert len(sender.attempts) == 2
    assert {(o.outgoing.chat_id, o.status) for o in outcomes} == {
        ("a", UNCONFIRMED),
        ("b", UNCONFIRMED),
    }


async def test_a_failing_result_callback_does_not_stop_the_queue(outbox, sender, clock):
    async def broken(outcome):
        raise RuntimeError("caller bug")

    outbox.register(sender, rate_per_second=10)
    await outbox.submit(msg("a", broken))
    await outbox.submit(msg("b"))
    await outbox.start()
    await clock.advance(1)
    await outbox.join()
    assert len(sender.sent) == 2
