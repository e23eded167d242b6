"""Report figures: data in, matplotlib Figure out. No computation beyond arranging what the
library computed; colour-blind-safe palettes, titles, units and labels on every chart."""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from exitlens.core.keys import post_avg_key, post_samples_key

PALETTE = "colorblind"
REASON_COLOUR_SLOTS = {"TRAILING_STOP": 0, "RSI_OVERBOUGHT": 1, "TAKE_PROFIT": 2, "STOP_LOSS": 3,
                       "TIME_LIMIT": 4, "UNKNOWN": 7}
"""Each exit reason keeps its colour in every chart and report; other reasons take the rest."""
DIVERGING = sns.diverging_palette(250, 30, s=80, l=55, as_cmap=True)  # blue ↔ orange
FIGSIZE = (9, 4.2)


def _empty(ax, title: str) -> None:
    ax.set_title(title)
    ax.text(0.5, 0.5, "no data in this period", ha="center", va="center", transform=ax.transAxes, color="0.4")
    ax.set_xticks([])
    ax.set_yticks([])


def _figure(figsize=FIGSIZE) -> tuple[Figure, Axes]:
    """A Figure outside pyplot's state, so a notebook shows it once, where it is returned."""
    fig = Figure(figsize=figsize, layout="constrained")
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


def pnl_by_exit_reason(sells: pd.DataFrame) -> Figure:
    """Box plot of PnL % per exit reason (evaluable sells), with the count under each box."""
    fig, ax = _figure()
    data = sells.loc[sells["evaluable"], ["exit_reason", "pnl_pct"]].astype({"exit_reason": str})
    title = "PnL % by exit reason"
    if data.empty:
        _empty(ax, title)
        return fig
    order = _order(data["exit_reason"])
    sns.boxplot(data=data, x="exit_reason", y="pnl_pct", hue="exit_reason", order=order, hue_order=order,
                palette=reason_colours(order), legend=False, ax=ax, showfliers=True)
    counts = data["exit_reason"].value_counts()
    ax.set_xticks(range(len(order)), [f"{r}\n(n={counts[r]})" for r in order])
    ax.axhline(0, color="0.3", linewidth=0.8)
    ax.set(title=title, xlabel="exit reason", ylabel="PnL (%)")
    return fig


def post_exit_path(by_exit_reason: pd.DataFrame, horizons: list[str]) -> Figure:
    """Mean post-exit price change at each horizon, one line per exit reason; the legend gives
    the number of sells behind each point (one number when it is the same at every horizon).

    `by_exit_reason` is the bucket table indexed by exit reason with `avg_post_<h>_pct` columns.
    """
    fig, ax = _figure()
    title = "Mean price change after the exit"
    columns = [post_avg_key(h) for h in horizons]
    table = by_exit_reason.reindex(columns=columns).apply(pd.to_numeric, errors="coerce").dropna(how="all")
    if table.empty:
        _empty(ax, title)
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
    ax.set(title=title, xlabel="time after the exit", ylabel="mean change vs exit price (%)")
    ax.legend(title="exit reason", loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    return fig


def regime_exit_heatmap(by_regime_exit_reason: pd.DataFrame) -> Figure:
    """Heatmap of average PnL % per regime × exit reason, annotated with the value and count.

    `by_regime_exit_reason` is the bucket table with a (regime, exit_reason) index.
    """
    fig, ax = _figure((9, 3.6))
    title = "Average PnL % by regime and exit reason"
    if by_regime_exit_reason.empty:
        _empty(ax, title)
        return fig
    values = pd.to_numeric(by_regime_exit_reason["avg_pnl_pct"], errors="coerce").unstack()
    counts = by_regime_exit_reason["evaluable"].unstack().fillna(0).astype(int)
    labels = values.map(lambda v: "" if pd.isna(v) else f"{v:+.2f}") + counts.map(lambda n: f"\nn={n}")
    limit = float(np.nanmax(np.abs(values.to_numpy(dtype=float)))) if values.notna().any().any() else 1.0
    ax.set_facecolor("0.88")  # a combination without sells is grey, not the colour of 0 %
    sns.heatmap(values, annot=labels, fmt="", cmap=DIVERGING, center=0, vmin=-limit, vmax=limit,
                linewidths=0.5, linecolor="white", cbar_kws={"label": "avg PnL (%)"}, ax=ax,
                annot_kws={"color": "black"})
    ax.set(title=title, xlabel="exit reason", ylabel="regime")
    ax.tick_params(axis="x", rotation=0)
    ax.tick_params(axis="y", rotation=0)
    return fig


def hold_time_by_exit_reason(sells: pd.DataFrame) -> Figure:
    """Box plot of hold time (hours) per exit reason."""
    fig, ax = _figure()
    title = "Hold time by exit reason"
    data = sells.loc[sells["hold_hours"].notna(), ["exit_reason", "hold_hours"]].astype({"exit_reason": str})
    if data.empty:
        _empty(ax, title)
        return fig
    order = _order(data["exit_reason"])
    sns.boxplot(data=data, x="exit_reason", y="hold_hours", hue="exit_reason", order=order, hue_order=order,
                palette=reason_colours(order), legend=False, ax=ax)
    ax.set(title=title, xlabel="exit reason", ylabel="hold time (hours)")
    return fig


def replay_effect_chart(sweep: pd.DataFrame, parameter: str) -> Figure:
    """Exit replay of one parameter: the mean effect on net_pnl_pct per trade at each swept value,
    its 95% interval as a band, the current value marked, and n under each point."""
    fig, ax = _figure((7, 3.6))
    title = f"Replayed {parameter}: effect on net PnL per trade"
    rows = sweep.dropna(subset=["value"]).sort_values("value")
    if rows.empty or rows["mean"].isna().all():
        _empty(ax, title)
        return fig
    colour = sns.color_palette(PALETTE)[0]
    ax.fill_between(rows["value"], rows["low"], rows["high"], color=colour, alpha=0.2, label="95% interval")
    ax.plot(rows["value"], rows["mean"], marker="o", color=colour, label="mean effect")
    ax.axhline(0, color="0.5", linewidth=0.8)
    current = rows["current"].dropna()
    if not current.empty:
        ax.axvline(float(current.iloc[0]), color="0.2", linestyle="--", linewidth=1,
                   label=f"current {float(current.iloc[0]):g}")
    for value, n in zip(rows["value"], rows["n"]):
        ax.annotate(f"n={int(n)}", (value, 0), xycoords=("data", "axes fraction"), xytext=(0, 3),
                    textcoords="offset points", ha="center", fontsize=8, color="0.3")
    ax.set_title(title)
    ax.set_xlabel(parameter)
    ax.set_ylabel("effect (percentage points)")
    ax.legend(loc="best", fontsize=8)
    return fig
