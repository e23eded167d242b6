"""Report figures: data in, matplotlib Figure out. No computation beyond arranging what the
library computed; colour-blind-safe palettes, titles, units and labels on every chart.

Titles and labels are in the figure's language (`lang`, core.i18n). Korean text is set in
NanumGothic (Debian fonts-nanum) with DejaVu Sans behind it, so Hangul and Latin both render
and no glyph turns into an empty box; the fonts are fixed while a figure is built, because
matplotlib reads them into each text when the text is made.
"""

from __future__ import annotations

import functools
import logging
import warnings
from typing import Any, Callable, TypeVar

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text

from exitlens.core.formatting import display_text
from exitlens.core.frames import holds_text
from exitlens.core.i18n import DEFAULT_LANGUAGE, t
from exitlens.core.keys import post_avg_key, post_samples_key

PALETTE = "colorblind"
REASON_COLOUR_SLOTS = {"TRAILING_STOP": 0, "RSI_OVERBOUGHT": 1, "TAKE_PROFIT": 2, "STOP_LOSS": 3,
                       "TIME_LIMIT": 4, "UNKNOWN": 7}
"""Each exit reason keeps its colour in every chart and report; other reasons take the rest."""
DIVERGING = sns.diverging_palette(250, 30, s=80, l=55, as_cmap=True)  # blue ↔ orange
FIGSIZE = (9, 4.2)
REPLAY_FIGSIZE = (7, 2.8)
"""Low enough that two replay charts share a printed A4 landscape page."""
SMALL_SAMPLE = 3
"""A heatmap cell resting on fewer sells than this is drawn faded (its n stays written in it)."""
FADED_ALPHA = 0.35
POINT_STYLE = {"color": "0.15", "size": 3, "alpha": 0.6, "jitter": 0.2}
"""Every sell drawn as a point over the boxes, so a box of two sells shows as two points."""
FONT_FAMILIES = {"en": ["DejaVu Sans"], "ko": ["NanumGothic", "DejaVu Sans"]}
"""The font fallback list of each language: the first font that has a glyph draws it."""

LABEL_MAX = 40
"""Characters of one database text (an exit reason, a regime) a chart label shows."""

F = TypeVar("F", bound=Callable[..., Figure])
log = logging.getLogger(__name__)


def in_language(plot: F) -> F:
    """Build the figure with its language's fonts (the `lang` keyword, default English) and
    its text drawn as written (`_literal_text_rc`: seaborn measures tick labels while building)."""

    @functools.wraps(plot)
    def wrapper(*args, lang: str = DEFAULT_LANGUAGE, **kwargs) -> Figure:
        args = tuple(_labels_shown(a) for a in args)
        kwargs = {name: _labels_shown(value) for name, value in kwargs.items()}
        with _literal_text_rc(), rc_context({"font.family": FONT_FAMILIES.get(lang, FONT_FAMILIES["en"])}), \
                _warnings_logged():
            return plot(*args, lang=lang, **kwargs)

    return wrapper  # type: ignore[return-value]


def _label_shown(value: Any) -> Any:
    return display_text(value, limit=LABEL_MAX) if isinstance(value, str) else value


def _labels_shown(value: Any) -> Any:
    """A frame's (or series') text as a chart shows it: `display_text`, at most LABEL_MAX
    characters (no control or bidi character, no label wider than the chart)."""
    if not isinstance(value, (pd.DataFrame, pd.Series)):
        return value
    shown = value.copy()
    if isinstance(shown, pd.DataFrame):
        for position, dtype in enumerate(shown.dtypes):
            if holds_text(dtype):
                shown.isetitem(position, shown.iloc[:, position].map(_label_shown))
        shown.columns = _index_shown(shown.columns)
    elif holds_text(shown.dtype):
        shown = shown.map(_label_shown)
    shown.index = _index_shown(shown.index)
    return shown


def _index_shown(index: pd.Index) -> pd.Index:
    if isinstance(index, pd.MultiIndex):
        return index.set_levels([level.map(_label_shown) if holds_text(level.dtype) else level
                                 for level in index.levels], verify_integrity=False)
    return index.map(_label_shown) if holds_text(index.dtype) else index


class _warnings_logged(warnings.catch_warnings):
    """Warnings raised while a figure is built or drawn (a glyph the font lacks) go to the
    log, not into the notebook's output, where they would print server paths in a report."""

    def __init__(self) -> None:
        super().__init__(record=True)

    def __enter__(self):
        self._caught = super().__enter__()
        warnings.simplefilter("always")
        return self._caught

    def __exit__(self, *exc_info):
        super().__exit__(*exc_info)
        for caught in self._caught or []:
            log.debug("figure warning: %s", caught.message)


def _empty(ax, title: str, lang: str = DEFAULT_LANGUAGE) -> None:
    ax.set_title(title)
    ax.text(0.5, 0.5, t("chart.no_data", lang), ha="center", va="center", transform=ax.transAxes, color="0.4")
    ax.set_xticks([])
    ax.set_yticks([])


def _literal_text_rc():
    """Exit reasons, regimes and symbols come from the database, and matplotlib would read `$…$` in
    them as math (a bad one stops the report): every text of a figure is drawn as written."""
    return rc_context({"text.parse_math": False, "text.usetex": False})


class LiteralTextFigure(Figure):
    """A Figure drawn as written (`_literal_text_rc`). Tick labels are created lazily while drawing, so the
    rule is applied at draw time: to the texts that exist, and through rcParams to new ones."""

    def draw(self, renderer):
        with _literal_text_rc(), _warnings_logged():
            for text in self.findobj(Text):
                text.set_parse_math(False)
                text.set_usetex(False)
            super().draw(renderer)


def _figure(figsize=FIGSIZE) -> tuple[Figure, Axes]:
    """A Figure outside pyplot's state, so a notebook shows it once, where it is returned."""
    fig = LiteralTextFigure(figsize=figsize, layout="constrained")
    return fig, fig.subplots()


def _order(values: pd.Series) -> list[str]:
    return sorted(str(v) for v in values.dropna().unique())


def reason_colours(reasons) -> dict[str, tuple]:
    """A colour per exit reason from the colour-blind-safe palette, the same in every figure."""
    colours = sns.color_palette(PALETTE, n_colors=10)
    spare = iter(i for i in range(10) if i not in REASON_COLOUR_SLOTS.values())
    mapping = {}
    for reason in sorted(set(map(str, reasons))):
        slot = REASON_COLOUR_SLOTS.get(reason)
        mapping[reason] = colours[slot if slot is not None else next(spare, 9)]
    return mapping


@in_language
def pnl_by_exit_reason(sells: pd.DataFrame, *, lang: str = DEFAULT_LANGUAGE) -> Figure:
    """Box plot of PnL % per exit reason (evaluable sells), every sell drawn as a point over its
    box, with the count under each box."""
    fig, ax = _figure()
    data = sells.loc[sells["evaluable"], ["exit_reason", "pnl_pct"]].astype({"exit_reason": str})
    title = t("chart.pnl_by_exit_reason", lang)
    if data.empty:
        _empty(ax, title, lang)
        return fig
    order = _order(data["exit_reason"])
    sns.boxplot(data=data, x="exit_reason", y="pnl_pct", hue="exit_reason", order=order, hue_order=order,
                palette=reason_colours(order), legend=False, ax=ax, showfliers=False)
    sns.stripplot(data=data, x="exit_reason", y="pnl_pct", order=order, ax=ax, **POINT_STYLE)
    counts = data["exit_reason"].value_counts()
    ax.set_xticks(range(len(order)), [f"{r}\n(n={counts[r]})" for r in order])
    ax.axhline(0, color="0.3", linewidth=0.8)
    ax.set(title=title, xlabel=t("axis.exit_reason", lang), ylabel=t("axis.pnl_pct", lang))
    return fig


@in_language
def post_exit_path(by_exit_reason: pd.DataFrame, horizons: list[str], *, lang: str = DEFAULT_LANGUAGE) -> Figure:
    """Mean post-exit price change at each horizon, one line per exit reason; the legend gives
    the number of sells behind each point (one number when it is the same at every horizon).

    `by_exit_reason` is the bucket table indexed by exit reason with `avg_post_<h>_pct` columns.
    """
    fig, ax = _figure()
    title = t("chart.post_exit_path", lang)
    columns = [post_avg_key(h) for h in horizons]
    table = by_exit_reason.reindex(columns=columns).apply(pd.to_numeric, errors="coerce").dropna(how="all")
    if table.empty:
        _empty(ax, title, lang)
        return fig
    colours = reason_colours(table.index)
    samples = by_exit_reason.reindex(index=table.index, columns=[post_samples_key(h) for h in horizons])
    markers = ["o", "s", "^", "D", "v", "P", "X", "*"]
    for (reason, row), marker in zip(table.iterrows(), markers * 4):
        counts = samples.loc[reason].fillna(0).astype(int).to_numpy()
        shown = str(counts[0]) if counts.min() == counts.max() else "/".join(map(str, counts))
        label = f"{reason} (n={shown})"
        ax.plot(horizons, row.to_numpy(dtype=float), marker=marker, color=colours[str(reason)], label=label)
    ax.axhline(0, color="0.3", linewidth=0.8)
    ax.set(title=title, xlabel=t("axis.after_exit", lang), ylabel=t("axis.change_vs_exit", lang))
    ax.legend(title=t("axis.exit_reason", lang), loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    return fig


@in_language
def regime_exit_heatmap(by_regime_exit_reason: pd.DataFrame, *, lang: str = DEFAULT_LANGUAGE) -> Figure:
    """Heatmap of average PnL % per regime × exit reason, annotated with the value and count;
    a cell of fewer than SMALL_SAMPLE evaluable sells is faded, so a mean of one or two sells
    does not read as firmly as the rest.

    `by_regime_exit_reason` is the bucket table with a (regime, exit_reason) index.
    """
    fig, ax = _figure((9, 3.6))
    title = t("chart.regime_exit", lang)
    if by_regime_exit_reason.empty:
        _empty(ax, title, lang)
        return fig
    values = pd.to_numeric(by_regime_exit_reason["avg_pnl_pct"], errors="coerce").unstack()
    counts = by_regime_exit_reason["evaluable"].unstack().fillna(0).astype(int)
    labels = values.map(lambda v: "" if pd.isna(v) else f"{v:+.2f}") + counts.map(lambda n: f"\nn={n}")
    limit = float(np.nanmax(np.abs(values.to_numpy(dtype=float)))) if values.notna().any().any() else 1.0
    ax.set_facecolor("0.88")  # a combination without sells is grey, not the colour of 0 %
    sns.heatmap(values, annot=labels, fmt="", cmap=DIVERGING, center=0, vmin=-limit, vmax=limit,
                linewidths=0.5, linecolor="white", cbar_kws={"label": t("axis.avg_pnl_pct", lang)}, ax=ax,
                annot_kws={"color": "black"})
    small = counts.reindex(index=values.index, columns=values.columns).fillna(0).to_numpy() < SMALL_SAMPLE
    ax.collections[0].set_alpha(np.where(small, FADED_ALPHA, 1.0).ravel().tolist())
    # seaborn writes a text in each cell that has a value, row by row.
    for text, faded in zip(ax.texts, small[values.notna().to_numpy()]):
        if faded:
            text.set_color("0.45")
    ax.set(title=title, xlabel=t("axis.exit_reason", lang), ylabel=t("axis.regime", lang))
    ax.tick_params(axis="x", rotation=0)
    ax.tick_params(axis="y", rotation=0)
    return fig


@in_language
def hold_time_by_exit_reason(sells: pd.DataFrame, *, lang: str = DEFAULT_LANGUAGE) -> Figure:
    """Box plot of hold time (hours) per exit reason, every sell drawn as a point over its box."""
    fig, ax = _figure()
    title = t("chart.hold_time", lang)
    data = sells.loc[sells["hold_hours"].notna(), ["exit_reason", "hold_hours"]].astype({"exit_reason": str})
    if data.empty:
        _empty(ax, title, lang)
        return fig
    order = _order(data["exit_reason"])
    sns.boxplot(data=data, x="exit_reason", y="hold_hours", hue="exit_reason", order=order, hue_order=order,
                palette=reason_colours(order), legend=False, ax=ax, showfliers=False)
    sns.stripplot(data=data, x="exit_reason", y="hold_hours", order=order, ax=ax, **POINT_STYLE)
    ax.set(title=title, xlabel=t("axis.exit_reason", lang), ylabel=t("axis.hold_hours", lang))
    return fig


@in_language
def replay_effect_chart(sweep: pd.DataFrame, parameter: str, *, lang: str = DEFAULT_LANGUAGE) -> Figure:
    """Exit replay of one parameter: the mean effect on net_pnl_pct per trade at each swept value,
    its 95% interval as a band, the current value marked, and n under each point."""
    fig, ax = _figure(REPLAY_FIGSIZE)
    title = t("chart.replay_title", lang, parameter=parameter)
    rows = sweep.dropna(subset=["value"]).sort_values("value")
    if rows.empty or rows["mean"].isna().all():
        _empty(ax, title, lang)
        return fig
    colour = sns.color_palette(PALETTE)[0]
    ax.fill_between(rows["value"], rows["low"], rows["high"], color=colour, alpha=0.2,
                    label=t("chart.replay_interval", lang))
    ax.plot(rows["value"], rows["mean"], marker="o", color=colour, label=t("chart.replay_mean", lang))
    ax.axhline(0, color="0.5", linewidth=0.8)
    current = rows["current"].dropna()
    if not current.empty:
        ax.axvline(float(current.iloc[0]), color="0.2", linestyle="--", linewidth=1,
                   label=t("chart.replay_current", lang, value=f"{float(current.iloc[0]):g}"))
    for value, n in zip(rows["value"], rows["n"]):
        ax.annotate(f"n={int(n)}", (value, 0), xycoords=("data", "axes fraction"), xytext=(0, 3),
                    textcoords="offset points", ha="center", fontsize=8, color="0.3")
    ax.set_title(title)
    ax.set_xlabel(parameter)
    ax.set_ylabel(t("chart.replay_effect_axis", lang))
    ax.legend(loc="best", fontsize=8)
    return fig
