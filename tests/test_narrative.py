"""Headlines: the deterministic text, and the LLM briefing against a real local HTTP server."""

from __future__ import annotations

import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from exitlens.core.environment import Environment
from exitlens.core.headline import deterministic_headline, deterministic_narrator
from exitlens.reports.llm import (
    MAX_BRIEFING_CHARS,
    MAX_BRIEFING_TOKENS,
    LLMConfig,
    LLMNarrator,
    narrator_from_config,
)

API_KEY = "sk-test-SECRET-0123456789"

WEEK = {
    "kind": "weekly",
    "period_start": "2026-11-16T22:00:00+09:00",
    "period_end": "2026-11-23T22:00:00+09:00",
    "timezone": "Asia/Seoul",
    "days": 7,
    "overall": {
        "count": 12, "evaluable": 10, "wins": 6, "win_rate": 0.6, "currency": "KRW",
        "realized_pnl": 123456.7, "fees": 2345.6, "net_pnl": 121111.1, "avg_pnl_pct": 0.8412, "avg_post_24h_pct": -1.2, "post_24h_samples": 9,
    },
    "suggestions": [{"rule": "hold", "message": "Keep the parameters and collect more data: no rule fired."}],
}

DAY_WITHOUT_SELLS = {
    "kind": "daily", "date": "2026-11-23", "timezone": "Asia/Seoul",
    "overall": {"count": 0, "evaluable": 0, "wins": 0, "win_rate": None, "realized_pnl": None},
    "suggestions": [],
}


def test_deterministic_headline_on_a_week_states_the_numbers():
    assert deterministic_headline(WEEK) == (
        "Weekly 7 days from 2026-11-16 22:00 to 2026-11-23 22:00 (Asia/Seoul): 12 sells, "
        "10 evaluable, win rate 60.0% (6 wins), net P&L +121,111 KRW (gross +123,457 KRW, "
        "fees 2,346 KRW), avg +0.84% per sell. "
        "24h after exit the price moved -1.20% on average (9 sells). "
        "Suggestion: Keep the parameters and collect more data: no rule fired."
    )


def test_deterministic_headline_when_currencies_mix_states_each_amount_with_its_currency():
    overall = {**WEEK["overall"], "currency": None, "realized_pnl": {"KRW": 1000.4, "USDT": 12.5},
               "fees": {"KRW": 10.0, "USDT": 0.0000964}, "net_pnl": {"KRW": 990.4, "USDT": 12.4999036}}
    assert ("net P&L +990 KRW · +12.50 USDT (gross +1,000 KRW · +12.50 USDT, fees 10 KRW · "
            "0.0000964000 USDT)") in deterministic_headline({**WEEK, "overall": overall})


def test_deterministic_headline_when_no_sells_says_so():
    assert deterministic_headline(DAY_WITHOUT_SELLS) == "Daily 2026-11-23 (Asia/Seoul): no sells in the period."


def test_deterministic_headline_when_nothing_is_evaluable_leaves_out_unknown_numbers():
    facts = {**DAY_WITHOUT_SELLS, "overall": {"count": 1, "evaluable": 0, "wins": 0, "win_rate": None}}
    assert deterministic_headline(facts) == "Daily 2026-11-23 (Asia/Seoul): 1 sell, 0 evaluable."


def test_deterministic_narrator_has_no_note():
    narration = deterministic_narrator(WEEK)
    assert (narration.source, narration.note) == ("deterministic", None)


@pytest.mark.parametrize(
    "environ, configured",
    [
        ({"EXITLENS_LLM_BASE_URL": "http://x/v1", "EXITLENS_LLM_API_KEY": "k", "EXITLENS_LLM_MODEL": "m"}, True),
        ({"EXITLENS_LLM_BASE_URL": "http://x/v1", "EXITLENS_LLM_API_KEY": "", "EXITLENS_LLM_MODEL": "m"}, False),
        ({}, False),
    ],
)
def test_llm_config_from_env_needs_all_three_variables(environ, configured):
    config = LLMConfig.from_environment(Environment.from_mapping(environ))
    assert (config is not None) == configured
    assert (narrator_from_config(config) is deterministic_narrator) == (not configured)


def test_llm_config_repr_hides_the_key():
    config = LLMConfig(base_url="http://x/v1", api_key=API_KEY, model="m")
    assert API_KEY not in repr(config) and API_KEY not in repr(LLMNarrator(config))


class FakeLLM(BaseHTTPRequestHandler):
    """Answers POST /v1/chat/completions the way `behaviour` says; records what it received."""

    behaviour = "ok"
    received: list[dict] = []

    def do_POST(self):  # noqa: N802 (http.server naming)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append({"path": self.path, "auth": self.headers["Authorization"], "body": body})
        if self.behaviour == "slow":
            time.sleep(1.0)
        status, payload = {
            "ok": (200, json.dumps({"choices": [{"message": {"role": "assistant", "content":
                   "Line one.\nLine two.\n\nLine three.\nLine four.\nLine five.\nLine six."}}]})),
            "error": (500, json.dumps({"error": "boom"})),
            "garbage": (200, "<html>not json</html>"),
            "wrong_shape": (200, json.dumps({"choices": []})),
            "slow": (200, "{}"),
            "huge": (200, json.dumps({"choices": [{"message": {"role": "assistant", "content": "x" * 1_000_000}}]})),
        }[self.behaviour]
        data = payload.encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (the "slow" case): that is the point

    def log_message(self, *args):
        pass


@pytest.fixture
def llm_server():
    """A real HTTP server on 127.0.0.1; yields a function that sets its behaviour and returns
    an LLMConfig pointing at it."""
    FakeLLM.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeLLM)
    server.daemon_threads = True
    server.block_on_close = False
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()

    def configure(behaviour: str) -> LLMConfig:
        FakeLLM.behaviour = behaviour
        return LLMConfig(base_url=f"http://127.0.0.1:{server.server_port}/v1/", api_key=API_KEY,
                         model="brief-1", timeout_seconds=0.3)

    yield configure
    server.shutdown()
    server.server_close()


def test_llm_narrator_when_server_answers_uses_at_most_five_lines(llm_server, caplog):
    caplog.set_level(logging.DEBUG)
    narration = LLMNarrator(llm_server("ok"))(WEEK)
    assert narration.source == "llm" and narration.note is None
    assert narration.text == "Line one.\nLine two.\nLine three.\nLine four.\nLine five."
    (request,) = FakeLLM.received
    assert request["path"] == "/v1/chat/completions"
    assert request["auth"] == f"Bearer {API_KEY}"
    assert request["body"]["model"] == "brief-1"
    assert json.loads(request["body"]["messages"][-1]["content"]) == WEEK
    assert API_KEY not in caplog.text


@pytest.mark.parametrize(
    "behaviour, reason",
    [
        ("error", "HTTP 500 from http://127.0.0.1:"),
        ("slow", "within 0.3s"),
        ("garbage", "not a chat completion"),
        ("wrong_shape", "not a chat completion"),
    ],
)
def test_llm_narrator_when_server_fails_falls_back_with_note(llm_server, caplog, behaviour, reason):
    caplog.set_level(logging.DEBUG)
    narration = LLMNarrator(llm_server(behaviour))(WEEK)
    assert narration.text == deterministic_headline(WEEK)
    assert narration.source == "deterministic"
    assert narration.note.startswith("LLM briefing unavailable (") and reason in narration.note
    assert API_KEY not in narration.note and API_KEY not in caplog.text


def test_llm_narrator_when_nothing_listens_falls_back_with_note():
    config = LLMConfig(base_url="http://127.0.0.1:9/v1", api_key=API_KEY, model="m", timeout_seconds=0.5)
    narration = LLMNarrator(config)(WEEK)
    assert narration.text == deterministic_headline(WEEK)
    assert "request to http://127.0.0.1:9/… failed: ConnectError" in narration.note


def test_llm_narrator_when_answer_is_one_huge_line_caps_it_and_asks_for_few_tokens(llm_server):
    narration = LLMNarrator(llm_server("huge"))(WEEK)

    assert narration.source == "llm"
    assert len(narration.text) == MAX_BRIEFING_CHARS and narration.text.endswith("…")
    assert FakeLLM.received[0]["body"]["max_tokens"] == MAX_BRIEFING_TOKENS


@pytest.mark.parametrize("behaviour", ["error", "slow", "garbage"])
def test_llm_narrator_when_base_url_carries_secrets_keeps_them_out_of_the_note_and_log(llm_server, caplog, behaviour):
    port = llm_server(behaviour).base_url.split(":")[2].split("/")[0]
    config = LLMConfig(base_url=f"http://user:PASSWORD-1@127.0.0.1:{port}/v1?api-key=KEY-2", api_key=API_KEY,
                       model="m", timeout_seconds=0.3)
    caplog.set_level(logging.DEBUG)

    narration = LLMNarrator(config)(WEEK)

    assert f"http://127.0.0.1:{port}/…" in narration.note
    shown = narration.note + caplog.text + repr(LLMNarrator(config))
    assert "PASSWORD-1" not in shown and "KEY-2" not in shown and "user" not in narration.note
    assert FakeLLM.received[0]["path"] == "/v1/chat/completions?api-key=KEY-2"


@pytest.mark.parametrize(("lang", "says"), [("en", "Caution: 1 sell(s) sold more than their BUY lots held"),
                                            ("ko", "주의: 매도 1건이")])
def test_deterministic_headline_when_a_sell_outgrew_its_buy_lots_says_so_beside_the_net_pnl(lang, says):
    facts = dict(WEEK, notes=["sell s1: BUY lots cover only 1 of 1e+06; the entry price is the average cost of the "
                              "covered part", "sell s2: consumed no BUY lots, so its fees are its own fee only"])

    assert says in deterministic_headline(facts, lang)
    assert "Caution" not in deterministic_headline(WEEK)
