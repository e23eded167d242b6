"""The summary object as aligned text for a terminal (`exitlens summary` without --json), in
the summary's language (`core.i18n`); the numbers are the JSON's, the text shown as
`display_text` (no escape sequences or control characters from the database)."""

from __future__ import annotations

from typing import Any, Mapping

from exitlens.core.formatting import display_text, fmt_count, fmt_metric, fmt_money, fmt_pct, fmt_ratio
from exitlens.core.i18n import DEFAULT_LANGUAGE, t

_COLUMNS = (
    ("col.sells", lambda b: fmt_count(b.get("count"))),
    ("col.evaluable", lambda b: fmt_count(b.get("evaluable"))),
    ("text.win_rate", lambda b: fmt_ratio(b.get("win_rate"))),
    ("text.net_pnl", lambda b: fmt_money(b.get("net_pnl"), b.get("currency"))),
    ("text.gross_pnl", lambda b: fmt_money(b.get("realized_pnl"), b.get("currency"))),
    ("col.fees", lambda b: fmt_money(b.get("fees"), b.get("currency"), signed=False)),
    ("text.avg_pnl", lambda b: fmt_pct(b.get("avg_pnl_pct"))),
    ("text.after_24h", lambda b: fmt_pct(b.get("avg_post_24h_pct"))),
    ("text.early_exit", lambda b: fmt_ratio(b.get("early_exit_rate"))),
    ("text.over_hold", lambda b: fmt_ratio(b.get("over_hold_rate"))),
)


def summary_text(summary: Mapping[str, Any], lang: str = DEFAULT_LANGUAGE) -> str:
    """The headline, a table of all sells and each exit reason, the 24h collection rate, the
    suggestions and the notes: one line each, columns aligned (Hangul counts two columns)."""
    rows = [(t("text.all_sells", lang), summary.get("overall") or {})]
    rows += list((summary.get("by_exit_reason") or {}).items())
    table = [["", *(t(key, lang) for key, _ in _COLUMNS)]]
    table += [[display_text(label), *(show(bucket) for _, show in _COLUMNS)] for label, bucket in rows]
    widths = [max(_width(row[i]) for row in table) for i in range(len(table[0]))]
    lines = [str(summary.get("headline") or ""), ""]
    for row in table:
        cells = [_pad(row[0], widths[0], left=True), *(_pad(c, w) for c, w in zip(row[1:], widths[1:]))]
        lines.append("  ".join(cells).rstrip())
    lines += ["", t("text.collection_rate", lang, rate=fmt_ratio(summary.get("collection_rate_24h")))]
    if isinstance(summary.get("max_drawdown"), Mapping):
        amount = fmt_money(summary["max_drawdown"], signed=False) if summary["max_drawdown"] else "0"
        lines.append(t("text.max_drawdown", lang, amount=amount))
    for suggestion in summary.get("suggestions") or []:
        metric = suggestion.get("metric")
        lines.append(t("text.suggestion", lang, message=suggestion.get("message"), metric=metric,
                       value=fmt_metric(metric, suggestion.get("value")),
                       threshold=fmt_metric(metric, suggestion.get("threshold")),
                       samples=fmt_count(suggestion.get("samples"))))
    lines += [t("text.note", lang, note=note) for note in summary.get("notes") or []]
    # Database text (reasons, notes quoting values) never reaches the terminal as escape sequences.
    return "\n".join(display_text(line, limit=None) for line in "\n".join(lines).split("\n"))


def _width(text: str) -> int:
    """Columns `text` takes in a terminal: Hangul (and other wide characters) take two."""
    return sum(2 if "\u1100" <= c <= "\u11ff" or "\u3000" <= c <= "\ud7a3" else 1 for c in text)


def _pad(text: str, width: int, *, left: bool = False) -> str:
    gap = " " * (width - _width(text))
    return text + gap if left else gap + text
