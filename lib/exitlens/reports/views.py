"""What a report shows, as tables: the notebook-facing views of a period's analysis.

The notebooks call these and only display the results. Rounding and labels happen here, at
presentation; the analysis itself stays unrounded.
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass

import pandas as pd
from IPython.display import HTML
from pandas.io.formats.style import Styler

from exitlens.core import quality
from exitlens.core.evaluate import post_column
from exitlens.core.formatting import fmt_count, fmt_metric, fmt_ratio
from exitlens.core.keys import OUTCOME_HORIZON, post_avg_key, post_samples_key
from exitlens.core.settings import Settings
from exitlens.core.summary import PeriodAnalysis


@dataclass(frozen=True)
class ReportData:
    """A period's analysis and the tables a report displays."""

    analysis: PeriodAnalysis
    as_of: pd.Timestamp

    @property
    def settings(self) -> Settings:
        return self.analysis.settings

    @property
    def title(self) -> str:
        a = self.analysis
        if a.kind == "daily" and a.date is not None:
            return f"Daily exit report {a.date.isoformat()}"
        first = a.period.start.tz_convert(self.settings.tz).date()
        last = (a.period.end - pd.Timedelta(microseconds=1)).tz_convert(self.settings.tz).date()
        return f"Weekly exit report {first.isoformat()} – {last.isoformat()}"

    @property
    def period_text(self) -> str:
        zone = self.settings.tz
        start = self.analysis.period.start.tz_convert(zone)
        end = self.analysis.period.end.tz_convert(zone)
        return f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} ({self.settings.timezone}), end exclusive"

    def kpis(self) -> pd.DataFrame:
        """The headline numbers, one row."""
        overall = self.analysis.buckets.overall_bucket()
        return pd.DataFrame([{
            "fills": self.analysis.trade_count,
            "sells": int(overall["count"]),
            "evaluable": int(overall["evaluable"]),
            "win rate %": overall["win_rate"] * 100,
            "realized PnL (KRW)": overall["realized_pnl"],
            "avg PnL (%)": overall["avg_pnl_pct"],
            f"post-{OUTCOME_HORIZON} samples": int(overall[post_samples_key(OUTCOME_HORIZON)]),
        }], index=["period"])

    def by_exit_reason(self) -> pd.DataFrame:
        """The per exit reason bucket table: counts, PnL, hold time, post-exit moves, rates (in %)."""
        horizons = [post_avg_key(h) for h in self.settings.horizon_keys]
        columns = ["count", "evaluable", "win_rate", "avg_pnl_pct", "median_pnl_pct", "realized_pnl",
                   "avg_hold_hours", *horizons, "early_exit_rate", "over_hold_rate"]
        table = self.analysis.buckets.by_exit_reason.reindex(columns=columns)
        table = table.astype({"count": "int64", "evaluable": "int64"})
        rates = ["win_rate", "early_exit_rate", "over_hold_rate"]
        table[rates] = table[rates] * 100
        table.index.name = None
        return table.rename(columns=readable_names(self.settings))

    def suggestions(self) -> pd.DataFrame:
        """Each suggestion with the metric, value, threshold and sample size behind it; value
        and threshold as text in the metric's unit (a `_pct` metric in %, a `_rate` fraction
        shown as %), since one column holds metrics of different units."""
        rows = [s.to_dict() for s in self.analysis.suggestions]
        table = pd.DataFrame(rows, columns=["rule", "message", "metric", "value", "threshold", "samples"])
        for column in ("value", "threshold"):
            table[column] = [fmt_metric(m, v) for m, v in zip(table["metric"], table[column])]
        return table

    def suggestions_view(self):
        """The suggestions table, or the sentence saying why there is none."""
        table = self.suggestions()
        if not table.empty:
            return show(table).set_properties(subset=["message"], **{"white-space": "normal", "min-width": "28em", "text-align": "left"})
        return paragraph(" ".join(self.analysis.suggestion_notes) or "No suggestions for this period.")

    def heading(self):
        return paragraph(f"{self.title} — {self.period_text}")

    def as_of_text(self, generated_at: pd.Timestamp | None = None):
        """When the data was read ("as of": pending and missed points, the collection rate
        depend on it) and, when given, when the report was generated, in the report timezone."""
        zone = self.settings.tz
        text = f"Data as of {self.as_of.tz_convert(zone):%Y-%m-%d %H:%M} ({self.settings.timezone})"
        if generated_at is not None:
            text += f"; generated at {pd.Timestamp(generated_at).tz_convert(zone):%Y-%m-%d %H:%M}"
        return HTML(f'<p class="exitlens-meta">{html.escape(text)}.</p>')

    def collection_rate(self) -> float | None:
        """The 24h collection rate at `as_of` (SPEC §2.2)."""
        return quality.collection_rate(self.analysis.sells, self.as_of, self.settings)

    def key_figures(self):
        """The key numbers as large figures: sells, win rate, net PnL with its currency, and
        the 24h collection rate with its goal (marked, with a sentence, when below it)."""
        overall = self.analysis.buckets.overall_bucket()
        goal = self.settings.collection_goal_24h
        rate = self.collection_rate()
        low = rate is not None and rate < goal
        pnl = overall.get("net_pnl", overall["realized_pnl"])
        label = "net PnL (KRW, after fees)" if "net_pnl" in overall else "realized PnL (KRW)"
        cards = [
            ("sells", fmt_count(overall["count"]), False),
            ("win rate (net of fees)", fmt_ratio(overall["win_rate"]), False),
            (label, "n/a" if pd.isna(pnl) else f"{pnl:+,.0f}", False),
            (f"24h collection rate (goal {goal:.0%})", fmt_ratio(rate), low),
        ]
        body = "".join(
            f'<div class="exitlens-figure{" warn" if warn else ""}"><div class="value">{html.escape(value)}</div>'
            f'<div class="label">{html.escape(name)}</div></div>' for name, value, warn in cards)
        warning = ""
        if low:
            warning = (f'<p class="exitlens-warning">The 24h collection rate is {html.escape(fmt_ratio(rate))}, '
                       f"below the {goal:.0%} goal: post-exit numbers rest on fewer sells than they should "
                       "(check that the tracker runs and that candles are collected).</p>")
        return HTML(f'<div class="exitlens-figures">{body}</div>{warning}')

    def how_to_read(self):
        """What the report's words mean, in its own words (a reader has no SPEC at hand)."""
        settings = self.settings
        terms = [
            ("fills", "every filled order of the period, buys and sells."),
            ("sells", "filled SELL orders of the period; each row of the report is about sells."),
            ("evaluable", "sells with an entry price (from the bot's signal, else the average cost of the "
                          "buys they closed, first in first out); only these have a PnL."),
            ("win", "an evaluable sell whose PnL after fees (its own and its buys' share) is above zero; "
                    "win rate = wins / evaluable."),
            ("after 1h … 24h (post-exit change)", "how far the price moved from the exit price that long "
                    "after the sell, in %: above zero means it kept rising after we sold."),
            ("early exit %", f"of the TRAILING_STOP and TAKE_PROFIT sells with a 24h point, the share whose "
                             f"price rose more than {settings.early_exit_change_pct:+.1f}% within 24h."),
            ("over-hold %", f"of the TIME_LIMIT sells with a 24h point, the share whose price fell more than "
                            f"{abs(settings.over_hold_change_pct):.1f}% within 24h."),
            ("24h collection rate", f"sells that have their 24h point / sells whose 24h point is due; the "
                                    f"goal is {settings.collection_goal_24h:.0%}."),
            ("n in legends", "the number of sells behind a bar, line or box (n < 3: read with care; such "
                             "cells and boxes are drawn faded)."),
            ("%, rates", "every rate is shown in % (53.6% = 0.536); money in KRW; – means unknown."),
        ]
        items = "".join(f"<dt>{html.escape(term)}</dt><dd>{html.escape(text)}</dd>" for term, text in terms)
        return HTML(f'<dl class="exitlens-howto">{items}</dl>')

    def headline(self):
        return paragraph(self.analysis.headline)

    def notes_view(self):
        """The notes about the data, or a sentence saying there is nothing to note (the
        suggestions section says when there is not enough data)."""
        notes = self.notes()
        if notes.empty:
            return paragraph("No notes: every sell could be read and evaluated.")
        return show(notes).set_properties(**{"text-align": "left", "white-space": "normal"})

    def point_states(self) -> pd.DataFrame:
        return quality.point_states(self.analysis.sells, self.as_of, self.settings)

    def entry_sources(self) -> pd.DataFrame:
        return quality.entry_sources(self.analysis.sells)

    def notes(self) -> pd.DataFrame:
        """The data notes (and why the headline is not the LLM's, when one was wanted)."""
        narration = [self.analysis.narration.note] if self.analysis.narration.note else []
        return pd.DataFrame({"note": self.analysis.data_notes + narration}, dtype=object)

    def detail(self) -> pd.DataFrame:
        """Every sell of the period: time in the report timezone, symbol, regime, reason,
        quantity, entry (and where it came from), exit, PnL, hold time, post-exit changes, the
        highest and lowest price within 24h after the exit and the verdict (SPEC §2.2)."""
        sells = self.analysis.sells.sort_values(["event_time", "id"])
        table = pd.DataFrame({
            f"sell time ({self.settings.timezone})": sells["event_time"].dt.tz_convert(self.settings.tz).dt.strftime("%Y-%m-%d %H:%M"),
            "symbol": sells["symbol"],
            "regime": sells["regime"],
            "exit reason": sells["exit_reason"],
            "quantity": sells["quantity"],
            "entry": sells["entry_price"],
            "entry from": sells["entry_source"],
            "exit": sells["price"],
            "PnL (%)": sells["pnl_pct"],
            "PnL (KRW)": sells["realized_pnl"],
            "hold (h)": sells["hold_hours"],
            **{f"{h} (%)": sells[post_column(h)] for h in self.settings.horizon_keys},
            "24h high after (%)": sells.get("max_after_24h_pct"),
            "24h low after (%)": sells.get("min_after_24h_pct"),
            "verdict": _verdicts(sells),
        })
        return table.reset_index(drop=True)


def _verdicts(sells: pd.DataFrame) -> pd.Series | None:
    """The verdict of each sell, "(provisional)" when not read from its 24h point."""
    if "verdict" not in sells.columns:
        return None
    provisional = sells["verdict_provisional"].fillna(False).astype(bool)
    return sells["verdict"].where(~provisional, sells["verdict"] + " (provisional)")


_READABLE = {
    "count": "sells", "win_rate": "win rate %", "avg_pnl_pct": "avg PnL %", "median_pnl_pct": "median PnL %",
    "realized_pnl": "realized PnL (KRW)", "avg_hold_hours": "avg hold (h)", "early_exit_rate": "early exit %",
    "over_hold_rate": "over-hold %",
}
RATE_COLUMNS = frozenset({_READABLE["win_rate"], _READABLE["early_exit_rate"], _READABLE["over_hold_rate"]})


def readable_names(settings: Settings) -> dict[str, str]:
    """Column headers for the bucket keys, with one `after <h> %` per horizon of `settings`."""
    return {**_READABLE, **{post_avg_key(h): f"after {h} %" for h in settings.horizon_keys}}


def show(table: pd.DataFrame, *, index: bool | None = None) -> Styler:
    """A table as a report shows it: thousands separators, two decimals, "–" for unknown,
    text escaped (values come from the database), row numbers hidden unless they mean something."""
    # A stable id (pandas draws a random one), so the same table renders to the same HTML.
    digest = hashlib.blake2b(repr((list(table.columns), table.shape)).encode(), digest_size=4).hexdigest()
    floats = table.select_dtypes("float").columns
    # Values that round to zero print as 0.00, not -0.00; quantities keep their small digits;
    # rates (win, early exit, over-hold) have one decimal everywhere, as 53.6%.
    rates = [c for c in floats if c in RATE_COLUMNS]
    shown = table.assign(**{c: table[c].round(1 if c in rates else 2) + 0.0 for c in floats if c != "quantity"})
    formats = {c: "{:,.1f}" for c in rates}
    if "quantity" in shown.columns:
        formats["quantity"] = "{:,.8g}"
    styler = shown.style.set_uuid(f"t{digest}").format(
        formats or None, precision=2, thousands=",", na_rep="–", escape="html")
    styler = styler.format_index(escape="html", axis=0).format_index(escape="html", axis=1)
    if index is False or (index is None and isinstance(table.index, pd.RangeIndex)):
        styler = styler.hide(axis="index")
    return styler


def paragraph(text: str) -> HTML:
    """Text as an HTML paragraph that wraps like prose (escaped: it may quote the database)."""
    return HTML(f"<p>{html.escape(text)}</p>")
