"""Database text neutralised for its medium: terminal, HTML/PDF tables, chart labels."""

from __future__ import annotations

import io
import warnings

import pandas as pd
import pytest

from analytics_factories import buy, orders_frame, post, sell
from exitlens.core.aggregate import bucket_all
from exitlens.core.evaluate import evaluate_sells
from exitlens.core.formatting import DISPLAY_TEXT_MAX, display_text
from exitlens.core.settings import Settings
from exitlens.core.summary_text import summary_text
from exitlens.reports import plots
from exitlens.reports.views import paragraph, show

HOSTILE = "TP\x1b[31m red\x1b]0;title\x07\u202eevil\x00\u2066x\u2069\x9b"


@pytest.mark.parametrize(("text", "shown"), [
    (HOSTILE, "TP redevilx"),
    ("line\nbreak\ttab", "line break tab"),
    ("TAKE_PROFIT", "TAKE_PROFIT"),
    ("이익실현 🚀", "이익실현 🚀"),
])
def test_display_text_when_text_has_controls_removes_them_and_keeps_the_words(text, shown):
    assert display_text(text) == shown


def test_display_text_when_one_word_is_huge_cuts_it_to_the_width_a_cell_holds():
    shown = display_text("x" * 105_000 + " tail", limit=None)

    assert shown == "x" * (DISPLAY_TEXT_MAX - 1) + "… tail"


def test_summary_text_when_an_exit_reason_holds_escape_sequences_prints_none():
    summary = {"headline": "All fine.\u202e", "overall": {"count": 1},
               "by_exit_reason": {HOSTILE: {"count": 1}}, "notes": ["order x: exit_reason \x1b[2J cleared"]}

    text = summary_text(summary)

    assert "\x1b" not in text and "\u202e" not in text and "\x00" not in text and "\x9b" not in text
    assert "TP redevilx" in text and "cleared" in text and text.splitlines()[0] == "All fine."


def test_show_when_cells_and_row_labels_hold_bidi_nul_or_a_huge_word_shows_them_neutralised():
    table = pd.DataFrame({"note": [HOSTILE, "y" * 105_000]}, index=pd.Index([HOSTILE, "z" * 105_000], name="reason"))

    page = show(table).to_html() + paragraph("head\u202eline\x00").data

    assert "\u202e" not in page and "\x00" not in page and "\x1b" not in page
    assert "y" * DISPLAY_TEXT_MAX not in page and "z" * DISPLAY_TEXT_MAX not in page
    assert len(page) < 20_000


def test_figures_when_exit_reasons_hold_emoji_nul_or_bidi_draw_without_a_warning():
    rows = [buy(0), sell(2, exit_reason="TP 🚀\x00\u202e" + "w" * 5_000, regime="BULL", post_exit_prices=post(h1=1.0)),
            buy(3), sell(5, price=95.0, exit_reason="STOP_LOSS", regime="BEAR", post_exit_prices=post(h1=-1.0))]
    sells = evaluate_sells(orders_frame(*rows), Settings()).sells
    buckets = bucket_all(sells, Settings())

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figures = [plots.pnl_by_exit_reason(sells), plots.hold_time_by_exit_reason(sells),
                   plots.regime_exit_heatmap(buckets.by_regime_exit_reason),
                   plots.post_exit_path(buckets.by_exit_reason, list(Settings().horizon_keys))]
        for figure in figures:
            figure.savefig(io.BytesIO(), format="png")

    labels = [text.get_text() for figure in figures for text in figure.findobj(lambda o: hasattr(o, "get_text"))]
    assert not any("\x00" in label or "\u202e" in label or len(label) > 200 for label in labels)
