"""Report figures: titled, labelled, and honest about an empty period."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from matplotlib.collections import PathCollection
from matplotlib.text import Text

from analytics_factories import buy, orders_frame, post, sell
from exitlens.core.aggregate import bucket_all
from exitlens.core.evaluate import evaluate_sells
from exitlens.core.settings import Settings
from exitlens.core.tearsheet import net_curves
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
        plots.regime_exit_heatmap(buckets.by_regime_exit_reason, min_samples=3),
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
                   plots.regime_exit_heatmap(bucket_all(empty, Settings()).by_regime_exit_reason, min_samples=20)):
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
        plots.regime_exit_heatmap(buckets.by_regime_exit_reason, min_samples=3),
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
    lambda s: plots.regime_exit_heatmap(bucket_all(s, Settings()).by_regime_exit_reason, min_samples=20, lang="ko"),
    lambda s: plots.pnl_by_exit_reason(s.iloc[:0], lang="ko"),
    lambda s: plots.equity_and_underwater(net_curves(s), "Asia/Seoul", lang="ko"),
    lambda s: plots.equity_and_underwater(net_curves(s.iloc[:0]), "Asia/Seoul", lang="ko"),
    lambda s: plots.excursions_by_exit_reason(_excursion_buckets(), lang="ko"),
])
def test_figures_when_korean_label_in_korean_set_in_a_korean_font_without_missing_glyphs(sells, draw):
    from matplotlib import font_manager

    figure = draw(sells)
    title = figure.axes[0].title

    assert any("\uac00" <= c <= "\ud7a3" for c in title.get_text())
    assert "Nanum" in font_manager.findfont(title.get_fontproperties(), fallback_to_default=False)
    assert not [w for w in _draw_and_collect_warnings(figure) if "missing from font" in w]


def test_figures_when_english_keep_english_labels(sells):
    assert _texts(plots.pnl_by_exit_reason(sells))[0] == "Net PnL % by exit reason"


def _excursion_buckets():
    return pd.DataFrame({"samples": [3, 0], "avg_mfe_pct": [4.0, None], "avg_mae_pct": [-1.5, None],
                         "avg_capture_ratio": [0.5, None], "capture_samples": [3, 0], "avg_pnl_pct": [2.0, None]},
                        index=["TAKE_PROFIT", "STOP_LOSS"])


def test_equity_chart_draws_the_curve_over_the_underwater_panel_per_currency(sells):
    figure = plots.equity_and_underwater(net_curves(sells), "Asia/Seoul")
    titles = [ax.get_title() for ax in figure.axes]
    assert titles == ["Cumulative net PnL (KRW)", "Underwater (KRW)"]
    assert figure.axes[1].get_xlabel() == "sell time (Asia/Seoul)"


def test_excursion_chart_names_each_reason_with_its_n_and_skips_reasons_without_candles():
    figure = plots.excursions_by_exit_reason(_excursion_buckets())
    labels = [label.get_text() for label in figure.axes[0].get_xticklabels()]
    assert labels == ["TAKE_PROFIT\n(n=3)"]
    assert figure.axes[0].get_title() == "In-trade excursions by exit reason"


@pytest.mark.parametrize(("min_samples", "faded"), [(3, {"n=1"}), (2, {"n=1"}), (4, {"n=1", "n=3"}), (1, set())])
def test_regime_exit_heatmap_when_a_cell_has_fewer_than_min_samples_sells_fades_it(sells, min_samples, faded):
    rows = [buy(0), sell(1, exit_reason="TAKE_PROFIT", regime="BULL")]
    rows += [order for i in range(3) for order in (buy(10 + 2 * i), sell(11 + 2 * i, exit_reason="STOP_LOSS",
                                                                             price=95.0, regime="BULL"))]
    table = bucket_all(evaluate_sells(orders_frame(*rows), Settings()).sells, Settings()).by_regime_exit_reason
    figure = plots.regime_exit_heatmap(table, min_samples=min_samples)
    ax = figure.axes[0]
    # columns sorted: STOP_LOSS (n=3) then TAKE_PROFIT (n=1)
    assert list(ax.collections[0].get_alpha()) == [plots.FADED_ALPHA if n in faded else 1.0 for n in ("n=3", "n=1")]
    colours = {text.get_text().split("\n")[1]: text.get_color() for text in ax.texts}
    assert {n for n, colour in colours.items() if colour == "0.45"} == faded


@pytest.mark.parametrize("draw", [plots.pnl_by_exit_reason, plots.hold_time_by_exit_reason])
def test_box_plots_draw_every_sell_as_a_point_over_the_boxes(sells, draw):
    ax = draw(sells).axes[0]
    points = [c for c in ax.collections if isinstance(c, PathCollection)]
    shown = sells["evaluable"] if draw is plots.pnl_by_exit_reason else sells["hold_hours"].notna()
    assert sum(len(c.get_offsets()) for c in points) == int(shown.sum()) > 0


def test_pnl_charts_when_fees_are_charged_draw_pnl_net_of_fees():
    # one sell 100 → 110 with fees: gross +10.00%, net below it
    rows = [buy(0, price=100.0, fee=0.5), sell(1, price=110.0, fee=0.5, exit_reason="TAKE_PROFIT", regime="BULL")]
    evaluated = evaluate_sells(orders_frame(*rows), Settings()).sells
    net = float(evaluated["net_pnl_pct"].iloc[0])
    assert net < float(evaluated["pnl_pct"].iloc[0])
    box = plots.pnl_by_exit_reason(evaluated).axes[0]
    drawn = [y for c in box.collections if isinstance(c, PathCollection) for _, y in c.get_offsets()]
    assert drawn == pytest.approx([net])
    heatmap = plots.regime_exit_heatmap(bucket_all(evaluated, Settings()).by_regime_exit_reason, min_samples=20).axes[0]
    assert heatmap.texts[0].get_text().split("\n")[0] == f"{net:+.2f}"


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_replay_grid_heatmap_when_drawn_keeps_its_title_inside_the_figure(lang):
    # the one-line title ran off the left edge ("ayed stop_loss_pct × take_profit_pct …")
    grid = pd.DataFrame([{"stop_loss_pct": a, "take_profit_pct": b, "n": 30, "mean": 0.1 * a - 0.05 * b,
                          "marked": a == b} for a in (1.5, 3.0, 4.5) for b in (2.5, 5.0, 7.5)])
    figure = plots.replay_grid_heatmap(grid, ("stop_loss_pct", "take_profit_pct"), (3.0, 5.0), lang=lang)
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    title = figure.axes[0].title.get_window_extent(canvas.get_renderer())
    assert title.x0 >= 0 and title.x1 <= figure.bbox.width
