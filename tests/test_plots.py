"""Report figures: titled, labelled, and honest about an empty period."""

from __future__ import annotations

import io

import pytest
from matplotlib.collections import PathCollection
from matplotlib.text import Text

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


def test_replay_effect_chart_shows_band_current_value_and_n_under_each_point():
    import pandas as pd

    sweep = pd.DataFrame({"parameter": "stop_loss_pct", "value": [1.5, 4.5, 6.0], "current": 3.0,
                          "n": [30, 28, 25], "open_at_end": [0, 2, 5], "mean": [-0.5, 0.2, 0.4],
                          "low": [-1.0, -0.1, 0.1], "high": [0.0, 0.5, 0.7]})
    ax = plots.replay_effect_chart(sweep, "stop_loss_pct").axes[0]
    assert "stop_loss_pct" in ax.get_title() and ax.get_xlabel() == "stop_loss_pct"
    assert "percentage points" in ax.get_ylabel()
    band = ax.collections[0].get_paths()[0].vertices
    assert band[:, 1].min() == pytest.approx(-1.0) and band[:, 1].max() == pytest.approx(0.7)
    assert any(list(line.get_xdata()) == [3.0, 3.0] for line in ax.lines)
    assert [t.get_text() for t in ax.texts] == ["n=30", "n=28", "n=25"]
    assert "current 3" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_replay_effect_chart_when_nothing_replayed_says_so():
    import pandas as pd

    sweep = pd.DataFrame({"parameter": ["stop_loss_pct"], "value": [1.5], "current": [3.0], "n": [0],
                          "open_at_end": [4], "mean": [float("nan")], "low": [float("nan")], "high": [float("nan")]})
    ax = plots.replay_effect_chart(sweep, "stop_loss_pct").axes[0]
    assert ax.texts[0].get_text() == "no data in this period"


@pytest.mark.parametrize("hostile", [r"$\foo{$", "TP $5 / SL $3"])
def test_figures_when_database_text_has_dollars_draw_it_literally(hostile):
    rows = [buy(0, symbol=hostile), sell(2, symbol=hostile, exit_reason=hostile, regime=hostile,
                                         post_exit_prices=post(h1=1.0, h24=3.0))]
    hostile_sells = evaluate_sells(orders_frame(*rows), Settings()).sells
    buckets = bucket_all(hostile_sells, Settings())
    figures = [
        plots.pnl_by_exit_reason(hostile_sells),
        plots.post_exit_path(buckets.by_exit_reason, list(Settings().horizon_keys)),
        plots.regime_exit_heatmap(buckets.by_regime_exit_reason),
        plots.hold_time_by_exit_reason(hostile_sells),
    ]
    for figure in figures:
        figure.savefig(io.BytesIO(), format="png", bbox_inches="tight")
        texts = [t for t in figure.findobj(Text) if hostile.lower() in t.get_text().lower()]  # reasons read upper-case
        assert texts, "the hostile text is shown somewhere"
        assert all(not t._preprocess_math(t.get_text())[1] for t in texts)
def _draw_and_collect_warnings(figure) -> list[str]:
    import io
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure.savefig(io.BytesIO(), format="png")
    return [str(w.message) for w in caught]


@pytest.mark.parametrize("draw", [
    lambda s: plots.pnl_by_exit_reason(s, lang="ko"),
    lambda s: plots.hold_time_by_exit_reason(s, lang="ko"),
    lambda s: plots.post_exit_path(bucket_all(s, Settings()).by_exit_reason, ["1h", "24h"], lang="ko"),
    lambda s: plots.regime_exit_heatmap(bucket_all(s, Settings()).by_regime_exit_reason, lang="ko"),
    lambda s: plots.pnl_by_exit_reason(s.iloc[:0], lang="ko"),
])
def test_figures_when_korean_label_in_korean_set_in_a_korean_font_without_missing_glyphs(sells, draw):
    from matplotlib import font_manager

    figure = draw(sells)
    title = figure.axes[0].title

    assert any("\uac00" <= c <= "\ud7a3" for c in title.get_text())
    assert "Nanum" in font_manager.findfont(title.get_fontproperties(), fallback_to_default=False)
    assert not [w for w in _draw_and_collect_warnings(figure) if "missing from font" in w]


def test_figures_when_english_keep_english_labels(sells):
    assert _texts(plots.pnl_by_exit_reason(sells))[0] == "PnL % by exit reason"


def test_regime_exit_heatmap_when_a_cell_has_fewer_than_three_sells_fades_it(sells):
    rows = [buy(0), sell(1, exit_reason="TAKE_PROFIT", regime="BULL")]
    rows += [order for i in range(3) for order in (buy(10 + 2 * i), sell(11 + 2 * i, exit_reason="STOP_LOSS",
                                                                             price=95.0, regime="BULL"))]
    table = bucket_all(evaluate_sells(orders_frame(*rows), Settings()).sells, Settings()).by_regime_exit_reason
    figure = plots.regime_exit_heatmap(table)
    ax = figure.axes[0]
    alpha = ax.collections[0].get_alpha()
    # columns sorted: STOP_LOSS (n=3) then TAKE_PROFIT (n=1)
    assert list(alpha) == [1.0, plots.FADED_ALPHA]
    colours = {text.get_text().split("\n")[1]: text.get_color() for text in ax.texts}
    assert colours["n=1"] == "0.45" and colours["n=3"] == "black"


@pytest.mark.parametrize("draw", [plots.pnl_by_exit_reason, plots.hold_time_by_exit_reason])
def test_box_plots_draw_every_sell_as_a_point_over_the_boxes(sells, draw):
    ax = draw(sells).axes[0]
    points = [c for c in ax.collections if isinstance(c, PathCollection)]
    shown = sells["evaluable"] if draw is plots.pnl_by_exit_reason else sells["hold_hours"].notna()
    assert sum(len(c.get_offsets()) for c in points) == int(shown.sum()) > 0
