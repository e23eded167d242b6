"""Announcement payloads, built by pure functions: summary and run in, JSON-ready dict out.

Numbers are shown through `core.formatting` (amounts labelled with their quote currency, one per
currency when a period mixes them, percent with two decimals, "n/a" for unknown); every Discord
limit is enforced here, so a payload that leaves this
module is one Discord accepts. Nothing in this module touches the network or the environment.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import quote

from exitlens.core.errors import ConfigError, first_line
from exitlens.core.formatting import (
    finite_number,
    fmt_count,
    fmt_metric,
    fmt_money,
    fmt_pct,
    fmt_ratio,
)
from exitlens.core.i18n import DEFAULT_LANGUAGE, check_language, kind_label, report_name, t
from exitlens.core.jsonvalues import json_safe
from exitlens.core.keys import FAILED, OUTCOME_HORIZON, RUN_STATUSES, SUCCEEDED, post_avg_key, post_samples_key
from exitlens.core.replay.fidelity import fidelity_warns
from exitlens.core.settings import COLLECTION_GOAL_24H, KINDS
from exitlens.core.timeutil import require_aware

# Discord limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
CONTENT_MAX = 2000
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FIELDS_MAX = 25
FOOTER_MAX = 2048
EMBED_TOTAL_MAX = 6000

COLOR_SUCCEEDED = 0x2ECC71
COLOR_FAILED = 0xE74C3C
ELLIPSIS = "…"
NO_ERROR_TEXT = "no error text was recorded"


# --------------------------------------------------------------------------- the run


@dataclass(frozen=True, kw_only=True)
class RunAnnouncement:
    """What `reports` knows about one run, enough to announce it.

    `html_relpath` is the run's report.html relative to the output folder (`daily/2026-11-23/
    report.html`); with EXITLENS_PUBLIC_BASE_URL it becomes the public link.
    """

    kind: str
    period_label: str
    days: int | None = None
    language: str = DEFAULT_LANGUAGE
    status: str = SUCCEEDED
    error: str | None = None
    html_path: Path | None = None
    pdf_path: Path | None = None
    html_relpath: str | PurePath | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ConfigError(f"kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if self.status not in RUN_STATUSES:
            raise ConfigError(f"status must be one of {', '.join(RUN_STATUSES)}, got {self.status!r}")
        check_language(self.language)

    @property
    def failed(self) -> bool:
        return self.status == FAILED

    def t(self, key: str, **values: Any) -> str:
        """Message `key` in the run's language."""
        return t(key, self.language, **values)

    @property
    def title(self) -> str:
        title = f"{report_name(self.kind, self.language, self.days)} {self.period_label}"
        return self.t("msg.failed_suffix", title=title) if self.failed else title

    @property
    def failure_text(self) -> str:
        kind = kind_label(self.kind, self.language, self.days).lower()
        return self.t("msg.run_failed", kind=kind, error=_first_line_shown(self.error))


def report_url(run: RunAnnouncement, public_base_url: str | None) -> str | None:
    """The public link to the run's HTML, or None when either part is unknown."""
    if not public_base_url or run.html_relpath is None:
        return None
    relative = PurePath(run.html_relpath).as_posix().lstrip("/")
    return f"{public_base_url.rstrip('/')}/{quote(relative, safe='/')}"



_MARKDOWN = re.compile(r"([\\*_~`|>\[\]<#]|^\s*-)", re.MULTILINE)


def escape_markdown(text: object) -> str:
    """`text` from the database shown literally by Discord: every character Discord markdown
    reads (emphasis, strike, code, spoiler, quote, heading, list, masked link `[a](b)`, custom
    emoji `<:a:1>`) is backslash-escaped; Discord shows an escaped character without the
    backslash. Mentions are disabled per message (allowed_mentions)."""
    return _MARKDOWN.sub(lambda m: m.group(0)[:-1] + "\\" + m.group(0)[-1], str(text))


def text_length(text: str) -> int:
    """Length as Discord may count it (UTF-16 code units): never less than len(text)."""
    return len(text.encode("utf-16-le")) // 2


def truncate(text: str, limit: int) -> str:
    """`text` cut to at most `limit` (UTF-16 units), at a word boundary when one is near, with
    an ellipsis."""
    text = text or ""
    if text_length(text) <= limit:
        return text
    if limit <= 0:
        return ""
    budget, used, cut = limit - 1, 0, 0
    for index, char in enumerate(text):
        used += text_length(char)
        if used > budget:
            break
        cut = index + 1
    head = text[:cut]
    space = head.rfind(" ")
    if space >= max(1, cut - 40):
        head = head[:space]
    return head.rstrip() + ELLIPSIS


def _first_line_shown(text: str | None) -> str:
    return escape_markdown(first_line(text, NO_ERROR_TEXT))


def _suggestion_field(index: int, suggestion: Mapping[str, Any], run: RunAnnouncement) -> dict[str, Any]:
    rule = str(suggestion.get("rule") or "suggestion")  # a rule name of ours, not database text
    lines = [escape_markdown(str(suggestion.get("message") or "").strip())]
    metric = suggestion.get("metric")
    if metric:
        detail = f"{metric} {fmt_metric(metric, suggestion.get('value'))}"
        if suggestion.get("threshold") is not None:
            detail += f", {run.t('msg.threshold')} {fmt_metric(metric, suggestion.get('threshold'))}"
        if suggestion.get("samples") is not None:
            detail += f", n={fmt_count(suggestion.get('samples'))}"
        lines.append(detail)
    value = "\n".join(line for line in lines if line) or "—"
    return {"name": f"{index}. {rule}", "value": value, "inline": False}


def replay_field(replay: Mapping[str, Any]) -> dict[str, Any]:
    """The exit replay field: the best-supported change (the replay-backed suggestion whose 95%
    interval has the highest lower bound) with its interval, else why there is none."""
    if replay.get("error"):
        return {"name": "Exit replay", "value": truncate(f"not run: {replay['error']}", FIELD_VALUE_MAX),
                "inline": False}
    fidelity = replay.get("fidelity")
    fit = f"fidelity {fmt_ratio(fidelity)}" if fidelity is not None else "fidelity unknown"
    backed = [s for s in replay.get("suggestions") or [] if s.get("low") is not None]
    if backed:
        best = max(backed, key=lambda s: s["low"])
        value = (f"Best-supported change: {best.get('parameter')} {best.get('current')} → {best.get('suggested')}: "
                 f"{best['value']:+.2f} points of net PnL per trade (95% interval {best['low']:+.2f} to "
                 f"{best['high']:+.2f}, n={fmt_count(best.get('samples'))}); {fit}")
    else:
        value = f"No swept change has an interval wholly above 0; {fit}"
    unmodelled = replay.get("unmodelled") or {}
    modelled_sells = sum(entry.get("n", 0) for entry in (replay.get("fidelity_by_reason") or {}).values())
    if fidelity_warns(fidelity, unmodelled, modelled_sells):
        value += " — the rules file does not describe the bot (fidelity below 80%, or an unmodelled stop, take profit or time limit)"
    return {"name": "Exit replay", "value": truncate(value, FIELD_VALUE_MAX), "inline": False}


def _money(bucket: Mapping[str, Any], key: str, *, signed: bool = True) -> str:
    """A bucket's money figure with its currency (each currency's when the bucket mixes them)."""
    return fmt_money(bucket.get(key), bucket.get("currency"), signed=signed)


def _drawdown(summary: Mapping[str, Any]) -> str:
    """The period's max drawdown per currency, e.g. `1,234 KRW`; `0` for a period without sells."""
    drawdown = summary.get("max_drawdown")
    if isinstance(drawdown, Mapping) and not drawdown:
        return "0"
    return fmt_money(drawdown, signed=False) if isinstance(drawdown, Mapping) else "n/a"


def build_discord_embed(
    summary: Mapping[str, Any] | None,
    run: RunAnnouncement,
    *,
    link: str | None = None,
    now: datetime | None = None,
    top_suggestions: int = 3,
) -> dict[str, Any]:
    """The embed for one run, within every Discord limit."""
    summary = summary or {}
    overall = summary.get("overall") or {}
    tz = summary.get("timezone")
    fields: list[dict[str, Any]] = [
        {"name": run.t("msg.period"), "value": f"{run.period_label} ({tz})" if tz else run.period_label,
         "inline": False},
    ]
    if run.failed:
        error = truncate(str(run.error or "").replace("```", "'''"), FIELD_VALUE_MAX - 8)
        fields.append({"name": run.t("msg.status"), "value": run.t("msg.status_failed"), "inline": True})
        fields.append({"name": run.t("msg.error"), "value": f"```\n{error or '—'}\n```", "inline": False})
        description = run.failure_text
    else:
        description = escape_markdown(summary.get("headline") or "")
    if overall:
        post_24h = fmt_pct(overall.get(post_avg_key(OUTCOME_HORIZON)))
        if overall.get(post_samples_key(OUTCOME_HORIZON)) is not None:
            post_24h += f" (n={fmt_count(overall.get(post_samples_key(OUTCOME_HORIZON)))})"
        fields += [
            {"name": run.t("msg.sells"), "value": fmt_count(overall.get("count")), "inline": True},
            {"name": run.t("msg.evaluable"), "value": fmt_count(overall.get("evaluable")), "inline": True},
            {"name": run.t("msg.win_rate"), "value": fmt_ratio(overall.get("win_rate")), "inline": True},
            {"name": run.t("msg.net_pnl"), "value": _money(overall, "net_pnl"), "inline": True},
            {"name": run.t("msg.realized_pnl"), "value": _money(overall, "realized_pnl"), "inline": True},
            {"name": run.t("msg.fees"), "value": _money(overall, "fees", signed=False), "inline": True},
            {"name": run.t("msg.max_drawdown"), "value": _drawdown(summary), "inline": True},
            {"name": run.t("msg.avg_pnl"), "value": fmt_pct(overall.get("avg_pnl_pct")), "inline": True},
            {"name": run.t("msg.avg_net_pnl"), "value": fmt_pct(overall.get("avg_net_pnl_pct")), "inline": True},
            {"name": run.t("msg.avg_post_24h"), "value": post_24h, "inline": True},
        ]
    if summary.get("collection_rate_24h") is not None:
        fields.append(_collection_field(summary["collection_rate_24h"], run))
    suggestions = list(summary.get("suggestions") or [])
    for index, suggestion in enumerate(suggestions[:top_suggestions], start=1):
        fields.append(_suggestion_field(index, suggestion, run))
    hidden = len(suggestions) - min(len(suggestions), top_suggestions)
    replay = summary.get("replay")
    if isinstance(replay, Mapping):
        fields.append(replay_field(replay))
    notes = [escape_markdown(n) for n in summary.get("notes") or []]
    if notes:
        fields.append({"name": run.t("msg.notes"), "value": "\n".join(f"• {n}" for n in notes[:3]),
                       "inline": False})
    footer = "exitlens"
    if hidden > 0:
        footer += run.t("msg.more_suggestions" if hidden != 1 else "msg.more_suggestion", count=hidden)
    embed: dict[str, Any] = {
        "title": run.title,
        "description": description,
        "color": COLOR_FAILED if run.failed else COLOR_SUCCEEDED,
        "fields": fields,
        "footer": {"text": footer},
    }
    if link:
        embed["url"] = link
    if now is not None:
        embed["timestamp"] = require_aware(now, "now").isoformat()
    return fit_embed(embed)


def _collection_field(rate: Any, run: RunAnnouncement) -> dict[str, Any]:
    """The 24h collection rate (SPEC §2.2), saying so when it is below the goal."""
    value = fmt_ratio(rate)
    number = finite_number(rate)
    if number is not None and number < COLLECTION_GOAL_24H:
        value += " ⚠ " + run.t("msg.below_goal", goal=f"{COLLECTION_GOAL_24H:.0%}")
    return {"name": run.t("msg.collection_rate"), "value": value, "inline": True}


def _embed_total(embed: Mapping[str, Any]) -> int:
    total = text_length(embed.get("title", "")) + text_length(embed.get("description", ""))
    total += text_length((embed.get("footer") or {}).get("text", ""))
    total += text_length((embed.get("author") or {}).get("name", ""))
    for f in embed.get("fields", []):
        total += text_length(f["name"]) + text_length(f["value"])
    return total


def fit_embed(embed: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of `embed` cut to Discord's per-item limits and its 6000-character total: the
    description is shortened first (to no less than 1000), then the last fields."""
    fitted = dict(embed)
    fitted["title"] = truncate(fitted.get("title", ""), TITLE_MAX)
    fitted["description"] = truncate(fitted.get("description", ""), DESCRIPTION_MAX)
    if "footer" in fitted:
        fitted["footer"] = {**fitted["footer"], "text": truncate(fitted["footer"]["text"], FOOTER_MAX)}
    fitted["fields"] = [
        {**f, "name": truncate(str(f["name"]), FIELD_NAME_MAX) or "—",
         "value": truncate(str(f["value"]), FIELD_VALUE_MAX) or "—"}
        for f in list(fitted.get("fields", []))[:FIELDS_MAX]
    ]
    over = _embed_total(fitted) - EMBED_TOTAL_MAX
    if over > 0:
        keep = max(1000, text_length(fitted["description"]) - over)
        fitted["description"] = truncate(fitted["description"], keep)
    while (over := _embed_total(fitted) - EMBED_TOTAL_MAX) > 0 and fitted["fields"]:
        last = fitted["fields"][-1]
        room = text_length(last["value"]) - over
        if room >= 100:
            fitted["fields"][-1] = {**last, "value": truncate(last["value"], room)}
        else:
            fitted["fields"].pop()
    if (over := _embed_total(fitted) - EMBED_TOTAL_MAX) > 0:
        fitted["description"] = truncate(
            fitted["description"], max(0, text_length(fitted["description"]) - over))
    return fitted


def build_discord_message(
    summary: Mapping[str, Any] | None,
    run: RunAnnouncement,
    *,
    link: str | None = None,
    now: datetime | None = None,
    top_suggestions: int = 3,
    content: str | None = None,
    attachment_name: str | None = None,
) -> dict[str, Any]:
    """The JSON body of one webhook execution (the `payload_json` part when a file goes along).
    Mentions are never parsed: symbols and reasons come from a database."""
    message: dict[str, Any] = {
        "embeds": [build_discord_embed(summary, run, link=link, now=now,
                                       top_suggestions=top_suggestions)],
        "allowed_mentions": {"parse": []},
    }
    if content:
        message["content"] = truncate(content, CONTENT_MAX)
    if attachment_name:
        message["attachments"] = [{"id": 0, "filename": attachment_name}]
    return message


def build_n8n_payload(
    summary: Mapping[str, Any] | None,
    run: RunAnnouncement,
    *,
    now: datetime,
    report_url: str | None = None,
) -> dict[str, Any]:
    """The CoinPilot workflow payload: `title`, `period_start`, `period_end`, `total_sells`,
    `summary`, `suggestions` (messages, as CoinPilot sends them), `timestamp`, and `report_url`
    when known; plus the structured numbers for workflows that want them. The daily payload
    adds the texts CoinPilot's daily workflow (`config/n8n_workflows/daily_report.json`) puts
    in Discord fields as they are: `pnl` (net, with its currency), `trades`, `win_rate`, `mdd`
    (max drawdown per currency), beside `gross_pnl` and `fees`."""
    summary = summary or {}
    overall = summary.get("overall") or {}
    suggestions = list(summary.get("suggestions") or [])
    payload: dict[str, Any] = {
        "title": run.title,
        "kind": run.kind,
        "status": run.status,
        "period": run.period_label,
        "period_start": summary.get("period_start"),
        "period_end": summary.get("period_end"),
        "timezone": summary.get("timezone"),
        "total_sells": overall.get("count"),
        "trades": summary.get("trade_count"),
        "summary": (run.failure_text if run.failed
                    else summary.get("headline")),
        "suggestions": [str(s.get("message") or s.get("rule") or "") for s in suggestions],
        "suggestion_details": suggestions,
        "notes": list(summary.get("notes") or []),
        "overall": overall,
        "max_drawdown": summary.get("max_drawdown") or {},
        "timestamp": require_aware(now, "now").isoformat(),
    }
    if run.kind == "daily":  # the fields CoinPilot's daily workflow renders as text
        payload["pnl"] = _money(overall, "net_pnl")
        payload["gross_pnl"] = _money(overall, "realized_pnl")
        payload["fees"] = _money(overall, "fees", signed=False)
        payload["win_rate"] = fmt_ratio(overall.get("win_rate"))
        payload["mdd"] = _drawdown(summary)
    else:
        if run.kind == "monthly":
            payload["month"] = summary.get("month")
        else:
            payload["period_days"] = summary.get("days")
        payload["by_exit_reason"] = summary.get("by_exit_reason") or {}
        payload["by_regime"] = summary.get("by_regime") or {}
    if run.failed:
        payload["error"] = run.error
    if report_url:
        payload["report_url"] = report_url
    return json_safe(payload)
