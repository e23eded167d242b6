"""The slice of a report: which symbols, regimes, exit reasons and strategies it looks at.

One filter, applied once, in `summary.analyse_period`: after the FIFO ledger has run over the
whole history (entry prices depend on BUYs outside the slice), the period's fills are narrowed
to the slice before they are evaluated and aggregated, so every number of a report, its
summary.json and its headline describes the same sells. An empty list means "all".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

import pandas as pd

from exitlens.core.errors import ConfigError
from exitlens.core.i18n import DEFAULT_LANGUAGE, t
from exitlens.core.markets import exit_reasons

FILTER_COLUMNS = {"symbols": "symbol", "regimes": "regime", "exit_reasons": "exit_reason", "strategies": "strategy_name"}
"""Each filter and the orders column (frames.ORDER_COLUMNS) it selects on."""
CASE_FOLDED = ("symbols", "regimes", "exit_reasons")
"""Filters compared in upper case, as symbols, regimes and exit reasons are stored."""


def _values(name: str, raw: Any) -> tuple[str, ...]:
    """A filter's values from a list, a tuple, a comma-separated text or None."""
    if raw is None:
        return ()
    if isinstance(raw, str):
        raw = raw.split(",")
    if not isinstance(raw, (list, tuple)) or not all(isinstance(v, str) for v in raw):
        raise ConfigError(f"filter {name} must be a list of texts such as [\"KRW-BTC\"], got {raw!r}")
    cleaned = [v.strip() for v in raw if v.strip()]
    if name in CASE_FOLDED:
        cleaned = [v.upper() for v in cleaned]
    return tuple(dict.fromkeys(cleaned))


@dataclass(frozen=True)
class ReportFilter:
    """The slice of a report; every field is a tuple of accepted values, empty meaning all."""

    symbols: tuple[str, ...] = ()
    regimes: tuple[str, ...] = ()
    exit_reasons: tuple[str, ...] = ()
    strategies: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for field in fields(self):
            object.__setattr__(self, field.name, _values(field.name, getattr(self, field.name)))

    @classmethod
    def of(cls, **lists: Any) -> "ReportFilter":
        """A filter from keyword lists (or comma-separated texts); unknown names are refused."""
        unknown = sorted(set(lists) - set(FILTER_COLUMNS))
        if unknown:
            raise ConfigError(f"unknown filter {', '.join(unknown)}: use {', '.join(FILTER_COLUMNS)}")
        return cls(**{name: value for name, value in lists.items() if value is not None})

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, name) for name in FILTER_COLUMNS)

    def mask(self, frame: pd.DataFrame, aliases: Mapping[str, str] | None = None) -> pd.Series:
        """True for the rows of an orders frame inside the slice; exit reasons are compared as
        the rules read them (through `aliases`, SPEC §2.1). A BUY has no exit reason, so a
        filter on exit reasons keeps only the sells it names."""
        keep = pd.Series(True, index=frame.index)
        for name, column in FILTER_COLUMNS.items():
            accepted = getattr(self, name)
            if not accepted:
                continue
            values = frame[column].astype(object).where(frame[column].notna(), "").astype(str)
            if name == "exit_reasons":
                values = exit_reasons(values, aliases or {}).where(values.str.strip() != "", "")
                accepted = self.resolved(aliases or {}).exit_reasons
            elif name in CASE_FOLDED:
                values = values.str.upper()
            keep &= values.isin(accepted)
        return keep

    def apply(self, frame: pd.DataFrame, aliases: Mapping[str, str] | None = None) -> pd.DataFrame:
        """The rows of `frame` inside the slice (all of them when the filter is empty)."""
        return frame if self.is_empty else frame[self.mask(frame, aliases).to_numpy()]

    def resolved(self, aliases: Mapping[str, str]) -> "ReportFilter":
        """This filter with its exit reasons read through the alias map (`roi` → TAKE_PROFIT)."""
        reasons = exit_reasons(pd.Series(self.exit_reasons, dtype=object), aliases)
        return replace(self, exit_reasons=tuple(dict.fromkeys(reasons)))

    def require_known(self, known: Mapping[str, Iterable[str]], aliases: Mapping[str, str]) -> "ReportFilter":
        """This filter with its exit reasons aliased, when every value it names is `known` (per
        filter name, the values the database holds, exit reasons as the rules read them); else
        a ConfigError naming the unknown values and the known ones, so a typo never turns into
        an empty report."""
        checked = self.resolved(aliases)
        for name in FILTER_COLUMNS:
            values = pd.Series([str(value) for value in known.get(name, ())], dtype=object)
            if name == "exit_reasons":
                values = exit_reasons(values, aliases)
            have = sorted(set(values))
            folded = {value.upper() for value in have} if name in CASE_FOLDED else set(have)
            unknown = [value for value in getattr(checked, name) if value not in folded]
            if unknown:
                words = name.replace("_", " ")
                raise ConfigError(f"{words} {', '.join(unknown)}: not in the database; known {words}: "
                                  f"{', '.join(have) or 'none'}")
        return checked

    def to_json(self) -> dict[str, list[str]]:
        """The `filters` object of summary.json: every filter, an empty list meaning all."""
        return {name: list(getattr(self, name)) for name in FILTER_COLUMNS}

    def describe(self, lang: str = DEFAULT_LANGUAGE) -> str:
        """'symbols KRW-BTC, KRW-ETH; regimes BULL', or '' for no filter."""
        return "; ".join(f"{t(f'filter.{name}', lang)} {', '.join(getattr(self, name))}"
                         for name in FILTER_COLUMNS if getattr(self, name))


NO_FILTER = ReportFilter()


def filter_from(values: "ReportFilter | dict | None") -> ReportFilter:
    """A ReportFilter from one, from a dict of lists, or None (no filter)."""
    if values is None:
        return NO_FILTER
    if isinstance(values, ReportFilter):
        return values
    if isinstance(values, dict):
        return ReportFilter.of(**values)
    raise ConfigError(f"filters must be a dict of lists, got {type(values).__name__}")
