"""What a report shows, as tables: the notebook-facing views of a period's analysis.

The notebooks call these and only display the results. Rounding and labels happen here, at
presentation; the analysis itself stays unrounded. Every heading, caption and column header is
in the settings' language (`core.i18n`); values from the database are shown as they are. Every
money column is labelled with its quote currency, one column per currency of the period
(`net PnL (KRW)`, `net PnL (USDT)`), so amounts in different currencies never share a column;
prices show at least 6 significant digits (`core.formatting.fmt_price`).
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass

import pandas as pd
from IPython.display import HTML
from pandas.io.formats.style import Styler

from exitlens.core import quality
from exitlens.core.aggregate import MONEY_KEYS, aggregate_buckets, by_currency_column
from exitlens.core.evaluate import post_column
from exitlens.core.formatting import display_text, fmt_count, fmt_metric, fmt_money, fmt_price, fmt_ratio
from exitlens.core.frames import holds_text
from exitlens.core.i18n import CATALOGUE, DEFAULT_LANGUAGE, LANGUAGES, report_name, t
from exitlens.core.keys import post_avg_key
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
    def language(self) -> str:
        return self.settings.language

    def t(self, key: str, **values) -> str:
        """Message `key` in the report's language."""
        return t(key, self.language, **values)

    @property
    def title(self) -> str:
        """'Daily exit report 2026-11-23', 'Weekly exit report 2026-11-17 – 2026-11-23',
        '30-day exit report …', 'Monthly exit report 2026-11', then the slice when one is set."""
        a = self.analysis
        name = report_name(a.kind, self.language, a.days)
        if a.kind == "daily" and a.date is not None:
            title = f"{name} {a.date.isoformat()}"
        elif a.kind == "monthly":
            title = f"{name} {a.month}"
        else:
            first = a.period.start.tz_convert(self.settings.tz).date()
            last = (a.period.end - pd.Timedelta(microseconds=1)).tz_convert(self.settings.tz).date()
            title = f"{name} {first.isoformat()} – {last.isoformat()}"
        if not a.filters.is_empty:
            title += f" ({self.t('filter.intro')}: {a.filters.describe(self.language)})"
        return title

    @property
    def period_text(self) -> str:
        zone = self.settings.tz
        start = self.analysis.period.start.tz_convert(zone)
        end = self.analysis.period.end.tz_convert(zone)
        return self.t("period.text", start=f"{start:%Y-%m-%d %H:%M}", end=f"{end:%Y-%m-%d %H:%M}",
                      zone=self.settings.timezone)

    @property
    def currencies(self) -> list[str]:
        """The quote currencies of the period's sells, sorted."""
        return sorted(self.analysis.sells["currency"].dropna().astype(str).unique())

    def kpis(self) -> pd.DataFrame:
        """The headline numbers, one row: win rate net of fees; net PnL, gross PnL, fees and the
        max drawdown per currency."""
        overall = self.analysis.buckets.overall_bucket()
        row = {
            self.t("col.fills"): self.analysis.trade_count,
            self.t("col.sells"): int(overall["count"]),
            self.t("col.evaluable"): int(overall["evaluable"]),
            self.t("col.win_rate"): overall["win_rate"] * 100,
        }
        for currency in self.currencies:
            for key in ("net_pnl", "realized_pnl", "fees"):
                row[self._money_label(key, currency)] = _amount(overall[by_currency_column(key)], currency)
            row[self._money_label("max_drawdown", currency)] = self.analysis.max_drawdown.get(currency)
        row[self.t("col.avg_pnl")] = overall["avg_pnl_pct"]
        row[self.t("col.avg_net_pnl")] = overall["avg_net_pnl_pct"]
        row[self.t("col.post_24h_samples")] = int(overall["post_24h_samples"])
        return pd.DataFrame([row], index=[self.t("col.period")])

    def _money_label(self, key: str, currency: str) -> str:
        """'net PnL (KRW)': a money column's header, in the report's language."""
        return self.t("col.money_in", label=self.t(_MONEY_HEADERS[key]), currency=currency)

    def by_exit_reason(self) -> pd.DataFrame:
        """The per exit reason bucket table: counts, PnL, hold time, post-exit moves, rates (in %)."""
        return self._bucket_table(self.analysis.buckets.by_exit_reason)

    def by_regime(self) -> pd.DataFrame:
        """The same table per market regime (the buckets of summary.json's `by_regime`)."""
        return self._bucket_table(self.analysis.buckets.by_regime)

    def by_symbol(self) -> pd.DataFrame:
        """The same table per traded symbol."""
        return self._bucket_table(aggregate_buckets(self.analysis.sells, self.settings, ["symbol"]))

    def _bucket_table(self, buckets: pd.DataFrame) -> pd.DataFrame:
        horizons = [post_avg_key(h) for h in self.settings.horizon_keys]
        columns = ["count", "evaluable", "win_rate", "avg_pnl_pct", "median_pnl_pct", "realized_pnl",
                   "avg_hold_hours", *horizons, "early_exit_rate", "over_hold_rate"]
        table = buckets.reindex(columns=columns)
        table = table.astype({"count": "int64", "evaluable": "int64"})
        rates = ["win_rate", "early_exit_rate", "over_hold_rate"]
        table[rates] = table[rates] * 100
        table.index.name = None
        readable = self._readable()
        table = table.rename(columns=readable)
        at = table.columns.get_loc(readable["realized_pnl"])
        table = table.drop(columns=readable["realized_pnl"])
        money = {self._money_label(key, currency): buckets[by_currency_column(key)].map(
                     lambda amounts, c=currency: _amount(amounts, c)).astype(float)
                 for currency in self.currencies for key in MONEY_KEYS}
        for offset, (name, values) in enumerate(money.items()):
            table.insert(at + offset, name, values.to_numpy())
        table.insert(table.columns.get_loc(readable["avg_pnl_pct"]) + 1, self.t("col.avg_net_pnl"),
                     buckets["avg_net_pnl_pct"].to_numpy())
        return table

    def _readable(self) -> dict[str, str]:
        names = {column: self.t(key) for column, key in _BUCKET_HEADERS.items()}
        names.update({post_avg_key(h): self.t("col.after", h=h) for h in self.settings.horizon_keys})
        return names

    def suggestions(self) -> pd.DataFrame:
        """Each suggestion with the metric, value, threshold and sample size behind it; value
        and threshold as text in the metric's unit (a `_pct` metric in %, a `_rate` fraction
        shown as %), since one column holds metrics of different units."""
        rows = [s.to_dict() for s in self.analysis.suggestions]
        columns = ["rule", "message", "metric", "value", "threshold", "samples"]
        table = pd.DataFrame(rows, columns=columns)
        for column in ("value", "threshold"):
            table[column] = [fmt_metric(m, v) for m, v in zip(table["metric"], table[column])]
        return table.rename(columns={c: self.t(f"col.{c}") for c in columns})

    def suggestions_view(self):
        """The suggestions table, or the sentence saying why there is none."""
        table = self.suggestions()
        if not table.empty:
            return show(table).set_properties(subset=[self.t("col.message")],
                                              **{"white-space": "normal", "min-width": "28em", "text-align": "left"})
        return paragraph(" ".join(self.analysis.suggestion_notes) or self.t("text.no_suggestions"))

    def heading(self):
        """The report's title and period, and what it is about."""
        return HTML(f"<h1>{html.escape(self.title)}</h1><p>{html.escape(self.period_text)}</p>"
                    f"<p>{html.escape(self.t('section.intro'))}</p>")

    def section(self, name: str):
        """The heading of section `name` (i18n `section.<name>`) and its caption, when it has one."""
        caption = f"caption.{name}"
        text = f"<h2>{html.escape(self.t(f'section.{name}'))}</h2>"
        if caption in CATALOGUE[DEFAULT_LANGUAGE]:
            text += f"<p>{html.escape(self.t(caption))}</p>"
        return HTML(text)

    def as_of_text(self, generated_at: pd.Timestamp | None = None):
        """When the data was read ("as of": pending and missed points, the collection rate
        depend on it) and, when given, when the report was generated, in the report timezone."""
        zone = self.settings.tz
        text = self.t("meta.as_of", time=f"{self.as_of.tz_convert(zone):%Y-%m-%d %H:%M}", zone=self.settings.timezone)
        if generated_at is not None:
            text += self.t("meta.generated", time=f"{pd.Timestamp(generated_at).tz_convert(zone):%Y-%m-%d %H:%M}")
        return HTML(f'<p class="exitlens-meta">{html.escape(text)}.</p>')

    def collection_rate(self) -> float | None:
        """The 24h collection rate at `as_of` (SPEC §2.2)."""
        return quality.collection_rate(self.analysis.sells, self.as_of, self.settings)

    def key_figures(self):
        """The key numbers as large figures: sells, win rate, net PnL per quote currency (after
        fees), and the 24h collection rate with its goal (marked, with a sentence, when below it)."""
        overall = self.analysis.buckets.overall_bucket()
        goal = self.settings.collection_goal_24h
        rate = self.collection_rate()
        low = rate is not None and rate < goal
        net = overall[by_currency_column("net_pnl")]
        cards = [
            (self.t("figure.sells"), fmt_count(overall["count"]), False),
            (self.t("figure.win_rate"), _figure_text(fmt_ratio(overall["win_rate"])), False),
            *((self.t("figure.net_pnl", currency=currency),
               _figure_text(fmt_money(_amount(net, currency), currency).rsplit(" ", 1)[0]), False)
              for currency in self.currencies),
            (self.t("figure.collection", goal=f"{goal:.0%}"), _figure_text(fmt_ratio(rate)), low),
        ]
        body = "".join(
            f'<div class="exitlens-figure{" warn" if warn else ""}"><div class="value">{html.escape(value)}</div>'
            f'<div class="label">{html.escape(name)}</div></div>' for name, value, warn in cards)
        warning = ""
        if low:
            text = self.t("figure.collection_low", rate=fmt_ratio(rate), goal=f"{goal:.0%}")
            warning = f'<p class="exitlens-warning">{html.escape(text)}</p>'
        return HTML(f'<div class="exitlens-figures">{body}</div>{warning}')

    def how_to_read(self):
        """What the report's words mean, in its own words (a reader has no SPEC at hand)."""
        settings = self.settings
        values = {
            "early_exit": {"change": f"{settings.early_exit_change_pct:+.1f}"},
            "over_hold": {"change": f"{abs(settings.over_hold_change_pct):.1f}"},
            "verdict": {"early": f"{settings.early_exit_change_pct:+.1f}",
                        "saved": f"{abs(settings.saved_change_pct):.1f}"},
            "collection": {"goal": f"{settings.collection_goal_24h:.0%}"},
        }
        terms = ("fills", "sells", "evaluable", "win", "after", "early_exit", "over_hold", "verdict", "collection",
                 "n", "units")
        items = "".join(f"<dt>{html.escape(self.t(f'howto.{term}'))}</dt>"
                        f"<dd>{html.escape(self.t(f'howto.{term}.text', **values.get(term, {})))}</dd>"
                        for term in terms)
        return HTML(f'<dl class="exitlens-howto">{items}</dl>')

    def headline(self):
        return paragraph(self.analysis.headline)

    def notes_view(self):
        """The notes about the data, or a sentence saying there is nothing to note (the
        suggestions section says when there is not enough data)."""
        notes = self.notes()
        if notes.empty:
            return paragraph(self.t("text.no_notes"))
        return show(notes).set_properties(**{"text-align": "left", "white-space": "normal"})

    def point_states(self) -> pd.DataFrame:
        """Per horizon, the post-exit points tracked, pending, missed and expired, headers in
        the report's language."""
        table = quality.point_states(self.analysis.sells, self.as_of, self.settings)
        table = table.rename(columns={state: self.t(f"col.point_{state}") for state in quality.POINT_STATES})
        return table.rename_axis(self.t("col.horizon"))

    def entry_sources(self) -> pd.DataFrame:
        """How many sells took their entry price from each source, headers in the report's language."""
        table = quality.entry_sources(self.analysis.sells)
        return table.rename(columns={"sells": self.t("col.sells")}).rename_axis(self.t("col.entry_source"))

    def notes(self) -> pd.DataFrame:
        """The data notes (and why the headline is not the LLM's, when one was wanted)."""
        narration = [self.analysis.narration.note] if self.analysis.narration.note else []
        return pd.DataFrame({self.t("col.note"): self.analysis.data_notes + narration}, dtype=object)

    def detail(self) -> pd.DataFrame:
        """Every sell of the period: time in the report timezone, symbol, regime, reason (as
        read, and as the bot wrote it), quantity, entry (and where it came from), exit, PnL %
        gross and net, gross PnL, fees and net PnL, hold time, post-exit changes, the highest
        and lowest price within 24h after the exit and the verdict (SPEC §2.2). Money columns
        name the currency when the period has one; otherwise a `currency` column says which
        each row is in."""
        sells = self.analysis.sells.sort_values(["event_time", "id"])
        one = self.currencies[0] if len(self.currencies) == 1 else None

        def money(key: str) -> str:
            return self._money_label(key, one) if one else self.t(_MONEY_HEADERS[key])

        table = pd.DataFrame({
            self.t("col.sell_time", zone=self.settings.timezone):
                sells["event_time"].dt.tz_convert(self.settings.tz).dt.strftime("%Y-%m-%d %H:%M"),
            self.t("col.symbol"): sells["symbol"],
            self.t("col.regime"): sells["regime"],
            self.t("col.exit_reason"): sells["exit_reason"],
            self.t("col.reason_raw"): sells["exit_reason_raw"],
            self.t("col.quantity"): sells["quantity"],
            self.t("col.entry"): sells["entry_price"],
            self.t("col.entry_from"): sells["entry_source"],
            self.t("col.exit"): sells["price"],
            self.t("col.pnl_pct"): sells["pnl_pct"],
            self.t("col.net_pnl_pct"): sells["net_pnl_pct"],
            **({} if one else {self.t("col.currency"): sells["currency"]}),
            money("realized_pnl"): sells["realized_pnl"],
            money("fees"): sells["fees"],
            money("net_pnl"): sells["net_pnl"],
            self.t("col.hold"): sells["hold_hours"],
            **{self.t("col.horizon_pct", h=h): sells[post_column(h)] for h in self.settings.horizon_keys},
            self.t("col.high_after_24h"): sells.get("max_after_24h_pct"),
            self.t("col.low_after_24h"): sells.get("min_after_24h_pct"),
            self.t("col.verdict"): _verdicts(sells, self.language),
        })
        return table.reset_index(drop=True)


def _verdicts(sells: pd.DataFrame, lang: str) -> pd.Series | None:
    """The verdict of each sell in `lang`, "(provisional)" when not read from its 24h point."""
    if "verdict" not in sells.columns:
        return None
    provisional = sells["verdict_provisional"].fillna(False).astype(bool)
    words = sells["verdict"].map(lambda verdict: verdict if pd.isna(verdict) else t(f"verdict.{verdict}", lang))
    return words.where(~provisional, words + t("verdict.provisional_suffix", lang))


_MONEY_HEADERS = {"realized_pnl": "col.realized_pnl", "fees": "col.fees", "net_pnl": "col.net_pnl",
                  "max_drawdown": "col.max_drawdown"}
_PRICE_HEADERS = {t(key, lang) for key in ("col.entry", "col.exit") for lang in LANGUAGES}
"""The entry and exit price columns in every language: `show` prints them with at least 6
significant digits, not rounded to 2 decimals."""


def _figure_text(text: str) -> str:
    """A key figure's value: "–" when unknown (the key figures show no English "n/a")."""
    return "–" if text == "n/a" else text


def _amount(amounts, currency: str):
    """One currency's amount out of a {currency: amount} dict (None when absent)."""
    return amounts.get(currency) if isinstance(amounts, dict) else None


_BUCKET_HEADERS = {
    "count": "col.sells", "evaluable": "col.evaluable", "win_rate": "col.win_rate", "avg_pnl_pct": "col.avg_pnl",
    "median_pnl_pct": "col.median_pnl", "realized_pnl": "col.realized_pnl", "avg_hold_hours": "col.avg_hold",
    "early_exit_rate": "col.early_exit", "over_hold_rate": "col.over_hold",
}
_QUANTITY_HEADERS = {t("col.quantity", lang) for lang in LANGUAGES}
"""The quantity column in every language: `show` keeps its small digits."""
RATE_COLUMNS = frozenset(t(key, lang) for key in ("col.win_rate", "col.early_exit", "col.over_hold", "col.noise_stops")
                         for lang in LANGUAGES)
"""The rate columns in every language: one decimal everywhere, as 53.6%."""


def show(table: pd.DataFrame, *, index: bool | None = None) -> Styler:
    """A table as a report shows it: thousands separators, two decimals, "–" for unknown,
    text escaped (values come from the database), row numbers hidden unless they mean something."""
    # A stable id (pandas draws a random one), so the same table renders to the same HTML.
    digest = hashlib.blake2b(repr((list(table.columns), table.shape)).encode(), digest_size=4).hexdigest()
    table = _showable_text(table)
    floats = table.select_dtypes("float").columns
    # Values that round to zero print as 0.00, not -0.00; quantities and prices keep their
    # small digits; rates (win, early exit, over-hold) have one decimal everywhere, as 53.6%.
    rates = [c for c in floats if c in RATE_COLUMNS]
    exact = _QUANTITY_HEADERS | _PRICE_HEADERS
    shown = table.assign(**{c: table[c].round(1 if c in rates else 2) + 0.0 for c in floats if c not in exact})
    formats: dict = {c: "{:,.1f}" for c in rates}
    formats.update({c: "{:,.8g}" for c in shown.columns if c in _QUANTITY_HEADERS})
    formats.update({c: fmt_price for c in shown.columns if c in _PRICE_HEADERS})
    styler = shown.style.set_uuid(f"t{digest}").format(
        formats or None, precision=2, thousands=",", na_rep="–", escape="html")
    styler = styler.format_index(escape="html", axis=0).format_index(escape="html", axis=1)
    # A number is never split across lines, where its first line would read as a whole
    # number; text cells may still wrap, so a wide table keeps every column on the page.
    styler = styler.set_table_styles({column: [{"selector": "td", "props": "white-space: nowrap"}]
                                      for column in table.select_dtypes("number").columns}, overwrite=False)
    if index is False or (index is None and isinstance(table.index, pd.RangeIndex)):
        styler = styler.hide(axis="index")
    return styler


def paragraph(text: str) -> HTML:
    """Text as an HTML paragraph that wraps like prose (escaped and `display_text`: it may
    quote the database)."""
    return HTML(f"<p>{html.escape(display_text(text, limit=None))}</p>")


CELL_TEXT_MAX = 1000
"""Characters a text cell shows (a note's sentence fits; a 100 kB exit reason does not)."""


def _text_shown(value):
    return display_text(value, limit=CELL_TEXT_MAX) if isinstance(value, str) else value


def _showable_text(table: pd.DataFrame) -> pd.DataFrame:
    """`table` with its text cells and row labels as `display_text`: no NUL, control or bidi
    character reaches the page, and no word longer than a table column can hold."""
    shown = table.copy()
    for position, dtype in enumerate(table.dtypes):
        if holds_text(dtype):
            shown.isetitem(position, table.iloc[:, position].map(_text_shown))
    if not isinstance(shown.index, pd.MultiIndex) and holds_text(shown.index.dtype):
        shown = shown.set_axis(shown.index.map(_text_shown), axis=0)
    return shown
