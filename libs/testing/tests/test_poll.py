"""poll waits on a condition with a deadline, whether the check is a coroutine function or a plain callable."""

import suite_testing as testing


async def test_poll_takes_a_plain_callable_and_returns_its_first_truthy_value():
    calls = []

    def check() -> int:
        calls.append(1)
        return len(calls) if len(calls) >= 3 else 0

    assert await testing.poll(check, interval=0) == 3


async def test_poll_takes_a_coroutine_function():
    calls = []

    async def check() -> list[int]:
        calls.append(1)
        return calls if len(calls) >= 2 else []

    assert await testing.poll(check, interval=0) == [1, 1]


async def test_poll_returns_the_last_value_when_the_deadline_passes():
    assert await testing.poll(lambda: None, timeout=0.05, interval=0.01) is None
