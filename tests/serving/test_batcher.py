"""Small requests that arrive together are scored in one call, and each still gets its own answer."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable, Sequence
from datetime import datetime
from typing import Any

import pytest

from scoring.options import ScoringOptions as Options
from serving.batcher import RequestBatcher
from serving.scoring import score_request, score_requests

AS_OF = datetime.fromisoformat("2026-06-30T00:00:00+00:00")


@pytest.fixture(scope="module")
def requests(crm_leads: list[dict]) -> list[list[Any]]:
    """Requests as they come: one lead each, two leads, a lead that fails validation, a duplicate within a
    request, and the same lead id in two different requests (not a duplicate: they are separate requests)."""
    broken = {**crm_leads[5], "created_at": "yesterday-ish"}
    return [[crm_leads[0]], [crm_leads[1], crm_leads[2]], [broken, crm_leads[6]], [crm_leads[3], crm_leads[3]],
            [crm_leads[0]], [crm_leads[4]]]


def test_requests_scored_together_get_exactly_the_answers_they_get_alone(bundle, requests) -> None:
    together = score_requests(bundle, requests, Options(AS_OF, "de", 3), "7")
    alone = [score_request(bundle, leads, Options(AS_OF, "de", 3), "7") for leads in requests]
    assert [r.model_dump_json() for r in together] == [r.model_dump_json() for r in alone]
    assert [(r.scored, r.failed) for r in together] == [(1, 0), (2, 0), (1, 1), (1, 1), (1, 0), (1, 0)]


def test_requests_without_a_moment_share_one_now(bundle, requests) -> None:
    before = datetime.now(AS_OF.tzinfo)
    responses = score_requests(bundle, requests[:3], Options(None, "en", 5), "7")
    assert len({r.as_of for r in responses}) == 1 and responses[0].as_of >= before


class _Counting:
    """The real scorer, counting its calls and the requests in each; fails on request for a lead id."""

    def __init__(self, bundle, fail_on: str | None = None) -> None:
        self.bundle, self.fail_on, self.sizes = bundle, fail_on, []

    def __call__(self, key: Hashable, requests: Sequence[Sequence[Any]]) -> list[Any]:
        self.sizes.append(len(requests))
        if self.fail_on and any(lead.get("lead_id") == self.fail_on for leads in requests for lead in leads):
            raise RuntimeError("scoring failed")
        return score_requests(self.bundle, requests, key, "7")  # type: ignore[arg-type]


async def _submit_all(batcher: RequestBatcher, submissions: list[tuple[Hashable, list[Any]]]) -> list[Any]:
    return await asyncio.gather(*(batcher.submit(key, leads) for key, leads in submissions), return_exceptions=True)


def test_requests_submitted_in_one_turn_of_the_event_loop_are_scored_in_one_call(bundle, requests) -> None:
    scorer = _Counting(bundle)
    batcher = RequestBatcher(scorer, max_leads=64)
    responses = asyncio.run(_submit_all(batcher, [(Options(AS_OF, "en", 5), leads) for leads in requests]))
    assert scorer.sizes == [len(requests)]
    assert [r.model_dump_json() for r in responses] == \
        [score_request(bundle, leads, Options(AS_OF, "en", 5), "7").model_dump_json() for leads in requests]


def test_requests_a_turn_or_two_of_the_event_loop_apart_are_scored_in_one_call(bundle, requests) -> None:
    # in the server, requests read together reach the batcher a few turns apart (each await of the framework
    # is a turn): up to two turns behind the first, they are still scored with it, each answered as alone
    scorer = _Counting(bundle)
    batcher = RequestBatcher(scorer, max_leads=64)

    async def after(turns: int, leads: list[Any]) -> Any:
        for _ in range(turns):
            await asyncio.sleep(0)  # one turn of the event loop
        return await batcher.submit(Options(AS_OF, "en", 5), leads)

    async def staggered() -> list[Any]:
        return await asyncio.gather(*(after(i % 3, leads) for i, leads in enumerate(requests)))

    responses = asyncio.run(staggered())
    assert scorer.sizes == [len(requests)]
    assert [r.model_dump_json() for r in responses] == \
        [score_request(bundle, leads, Options(AS_OF, "en", 5), "7").model_dump_json() for leads in requests]


def test_a_lone_request_is_scored_at_once_and_alone(bundle, crm_leads) -> None:
    scorer = _Counting(bundle)
    batcher = RequestBatcher(scorer, max_leads=64)

    async def one_after_another() -> list[Any]:
        return [await batcher.submit(Options(AS_OF, "en", 5), [lead]) for lead in crm_leads[:3]]

    responses = asyncio.run(one_after_another())
    assert scorer.sizes == [1, 1, 1]
    assert [r.results[0].lead_id for r in responses] == [lead["lead_id"] for lead in crm_leads[:3]]


def test_requests_with_different_moments_languages_or_reason_counts_are_scored_apart(bundle, crm_leads) -> None:
    scorer = _Counting(bundle)
    batcher = RequestBatcher(scorer, max_leads=64)
    keys = [Options(AS_OF, "en", 5), Options(AS_OF, "de", 5), Options(AS_OF, "en", 5), Options(AS_OF, "en", 2),
            Options(None, "en", 5)]
    responses = asyncio.run(_submit_all(batcher, [(key, [lead]) for key, lead in zip(keys, crm_leads, strict=False)]))
    assert sorted(scorer.sizes) == [1, 1, 1, 2]
    assert [r.lang for r in responses] == ["en", "de", "en", "en", "en"]
    assert [len(r.results[0].reasons) <= (2 * k.top_k) for r, k in zip(responses, keys, strict=True)] == [True] * 5


def test_a_call_holds_at_most_max_leads_leads(bundle, crm_leads) -> None:
    scorer = _Counting(bundle)
    batcher = RequestBatcher(scorer, max_leads=4)
    asyncio.run(_submit_all(batcher, [(Options(AS_OF, "en", 5), crm_leads[i:i + 2]) for i in range(0, 12, 2)]))
    assert scorer.sizes == [2, 2, 2]


def test_a_failing_call_is_retried_request_by_request_so_the_error_stays_with_its_request(bundle, crm_leads) -> None:
    scorer = _Counting(bundle, fail_on=crm_leads[1]["lead_id"])
    batcher = RequestBatcher(scorer, max_leads=64)
    responses = asyncio.run(_submit_all(batcher, [(Options(AS_OF, "en", 5), [lead]) for lead in crm_leads[:3]]))
    assert scorer.sizes == [3, 1, 1, 1]
    assert isinstance(responses[1], RuntimeError)
    assert [r.results[0].lead_id for r in (responses[0], responses[2])] == [crm_leads[0]["lead_id"],
                                                                            crm_leads[2]["lead_id"]]


def test_a_request_the_batcher_cannot_group_gets_an_error_instead_of_waiting_forever(bundle, crm_leads) -> None:
    batcher = RequestBatcher(_Counting(bundle), max_leads=64)

    async def unhashable_key() -> Any:
        return await asyncio.wait_for(batcher.submit([AS_OF, "en", 5], [crm_leads[0]]), timeout=5)  # a list key

    with pytest.raises(TypeError):
        asyncio.run(unhashable_key())
