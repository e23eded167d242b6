"""Report figures: titled, labelled, and honest about an empty period."""

from __future__ import annotations

import pytest

from analytics_factories import buy, orders_frame, post, sell
from exitlens.core.aggregate import bucket_all
from exitlens.core.evaluate import evaluate_sells
from exitlens.core.settings import Settings
from exitlens.reports import plots


@pytest.fixture
def sells():
    rows = [buy(0), sell(2, exit_reason="TAKE_PROFIT", regime="BULL", post_exit_prices=post(h1=1.0, h24=3.0)),
            buy(3), sell(5, price=95.0, exit_reason="STOP_LOSS", regime="BEAR", post_exit_prices=post(h1=-1.0))]
    return evaluate_sells(orders_frame(*rows), Settings()).sells


def _texts(figure):
    ax = figure.axes[0]
    return ax.get_title(), ax.get_xlabel(), ax.get_ylabel()


def test_figures_have_a_title_and_axis_labels_with_units(sells):
    buckets = bucket_all(sells, Settings())
    figures = [
        plots.pnl_by_exit_reason(sells),
        plots.post_exit_path(buckets.by_exit_reason, list(Settings().horizon_keys)),
        plots.regime_exit_heatmap(buckets.by_regime_exit_reason),
        plots.hold_time_by_exit_reason(sells),
    ]
    for figure in figures:
        title, xlabel, ylabel = _texts(figure)
        assert title and xlabel and ylabel
    assert "(%)" in _texts(figures[0])[2] and "(hours)" in _texts(figures[3])[2]


def test_post_exit_path_draws_one_line_per_exit_reason_with_its_samples(sells):
    figure = plots.post_exit_path(bucket_all(sells, Settings()).by_exit_reason, ["1h", "4h", "12h", "24h"])
    labels = sorted(line.get_label() for line in figure.axes[0].get_lines() if not line.get_label().startswith("_"))
    assert labels == ["STOP_LOSS (n=1/0/0/0)", "TAKE_PROFIT (n=1/0/0/1)"]


def test_reason_colours_are_the_same_whatever_else_is_in_the_figure():
    alone = plots.reason_colours(["TAKE_PROFIT"])
    together = plots.reason_colours(["STOP_LOSS", "TAKE_PROFIT", "TIME_LIMIT", "CUSTOM"])
    assert alone["TAKE_PROFIT"] == together["TAKE_PROFIT"]
    assert len(set(together.values())) == 4


def test_figures_when_period_empty_say_so(sells):
    empty = sells.iloc[0:0]
    for figure in (plots.pnl_by_exit_reason(empty), plots.hold_time_by_exit_reason(empty),
                   plots.regime_exit_heatmap(bucket_all(empty, Settings()).by_regime_exit_reason)):
        assert [t.get_text() for t in figure.axes[0].texts] == ["no data in this period"]
