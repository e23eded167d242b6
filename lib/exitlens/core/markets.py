"""What a symbol and an exit reason mean, whichever bot wrote them (SPEC §2.1).

* The quote currency of a symbol, the currency its prices, fees and PnL are in: Upbit writes
  the quote first (`KRW-BTC` → KRW), ccxt and freqtrade write it after a slash (`BTC/USDT`,
  `BTC/USDT:USDT` → USDT); any other symbol is in the configured `quote_currency`, else
  UNKNOWN_CURRENCY, which is never added to another currency.
* The exit reason as the rules read it: looked up case-insensitively in the alias map, else
  the reason upper-cased; a missing reason is UNKNOWN.

Both work on whole columns at once (string methods), never row by row.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from exitlens.core.frames import UNKNOWN

UNKNOWN_CURRENCY = "?"


def quote_currencies(symbols: pd.Series, configured: str | None = None) -> pd.Series:
    """The quote currency of every symbol in `symbols` (upper-case), same index."""
    text = symbols.astype(object).where(symbols.notna(), "").astype(str).str.strip()
    slash = text.str.extract(r"^[^/]+/([A-Za-z0-9]+)(?::[A-Za-z0-9]+)?$", expand=False)
    upbit = text.str.extract(r"^([A-Za-z]+)-[A-Za-z0-9]+$", expand=False)
    fallback = configured.strip().upper() if configured and configured.strip() else UNKNOWN_CURRENCY
    quote = slash.fillna(upbit).fillna(fallback).astype(str).str.upper()
    return quote.astype(object)


def exit_reasons(raw: pd.Series, aliases: Mapping[str, str]) -> pd.Series:
    """Raw exit reasons → the reasons the rules read: the alias of the stripped, lower-cased
    reason when the map (lower-case keys) has one, else the reason upper-cased; missing or
    blank → UNKNOWN. Same index as `raw`."""
    text = raw.astype(object).where(raw.notna(), "").astype(str).str.strip()
    aliased = text.str.lower().map(dict(aliases))
    reason = aliased.fillna(text.str.upper())
    return reason.where(text != "", UNKNOWN).astype(object)
