"""The summary object as aligned text for a terminal (`exitlens summary` without --json)."""

from __future__ import annotations

from typing import Any, Mapping

from exitlens.core.formatting import fmt_count, fmt_metric, fmt_money, fmt_pct, fmt_ratio

_COLUMNS = (
    ("sells", lambda b: fmt_count(b.get("count"))),
    ("evaluable", lambda b: fmt_count(b.get("evaluable"))),
    ("win rate", lambda b: fmt_ratio(b.get("win_rate"))),
    ("net PnL", lambda b: fmt_money(b.get("net_pnl"), b.get("currency"))),
    ("gross PnL", lambda b: fmt_money(b.get("realized_pnl"), b.get("currency"))),
    ("fees", lambda b: fmt_money(b.get("fees"), b.get("currency"), signed=False)),
    ("avg PnL", lambda b: fmt_pct(b.get("avg_pnl_pct"))),
    ("after 24h", lambda b: fmt_pct(b.get("avg_post_24h_pct"))),
    ("early exit", lambda b: fmt_ratio(b.get("early_exit_rate"))),
    ("over-hold", lambda b: fmt_ratio(b.get("over_hold_rate"))),
)


def summary_text(summary: Mapping[str, Any]) -> str:
    """The headline, a table of all sells and each exit reason, the 24h collection rate, the
    suggestions and the notes: one line each, columns aligned."""
    rows = [("all sells", summary.get("overall") or {})]
    rows += list((summary.get("by_exit_reason") or {}).items())
    table = [["", *(name for name, _ in _COLUMNS)]]
    table += [[str(label), *(show(bucket) for _, show in _COLUMNS)] for label, bucket in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    lines = [str(summary.get("headline") or ""), ""]
    for row in table:
        lines.append("  ".join([row[0].ljust(widths[0]), *(c.rjust(w) for c, w in zip(row[1:], widths[1:]))]).rstrip())
    lines += ["", f"24h collection rate: {fmt_ratio(summary.get('collection_rate_24h'))}"]
    if isinstance(summary.get("max_drawdown"), Mapping):
        lines.append(f"max drawdown: {fmt_money(summary['max_drawdown'], signed=False) if summary['max_drawdown'] else '0'}")
    for suggestion in summary.get("suggestions") or []:
        metric = suggestion.get("metric")
        lines.append(f"suggestion: {suggestion.get('message')} ({metric} {fmt_metric(metric, suggestion.get('value'))}, "
                     f"threshold {fmt_metric(metric, suggestion.get('threshold'))}, n={fmt_count(suggestion.get('samples'))})")
    lines += [f"note: {note}" for note in summary.get("notes") or []]
    return "\n".join(lines)
