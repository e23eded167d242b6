"""The bot's exit rules (SPEC §6): a TOML file with a `[default]` table and optional
`[regime.<NAME>]` tables that override it, key by key, for the sells of that regime.

    [default]
    stop_loss_pct = 3.0
    take_profit_pct = 5.0
    trailing_stop_pct = 3.0
    trailing_activation_pct = 1.0
    time_limit_hours = 72
    fill = "close"            # or "touch"

    [regime.BEAR]
    stop_loss_pct = 2.0

Every key is optional: an absent percentage or time limit turns that rule off, an absent
`trailing_activation_pct` makes the trailing stop active from the entry, and `fill` defaults to
"close". Anything else (a missing file, not TOML, an unknown key, a negative or non-number value,
a value above its bound in `UPPER_BOUNDS`, an unknown fill) raises ConfigError with one line naming the file and the key.
Pure: `parse_rules` reads text; only `load_rules` opens the file.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

# ConfigError moves to exitlens.core.errors with the package split: change this one line.
from exitlens.core.errors import ConfigError

PARAMETERS = ("stop_loss_pct", "take_profit_pct", "trailing_stop_pct", "trailing_activation_pct", "time_limit_hours")
"""The parameters a rules table sets and the sweep varies, in the order reports list them."""
FILLS = ("close", "touch")
DEFAULT_FILL = "close"
_KEYS = (*PARAMETERS, "fill")
UPPER_BOUNDS = {"time_limit_hours": 87_600.0, **{key: 1_000_000.0 for key in PARAMETERS if key.endswith("_pct")}}
"""The largest value each parameter may take: ten years, a 10,000-fold move. The sweep doubles
a value, and a time limit of millions of hours is past what a timestamp can hold."""
_TOP_LEVEL = ("default", "regime")


@dataclass(frozen=True)
class ExitRules:
    """The exit rules of one table; None turns a rule off."""

    stop_loss_pct: float | None = None
    take_profit_pct: float | None = None
    trailing_stop_pct: float | None = None
    trailing_activation_pct: float | None = None
    time_limit_hours: float | None = None
    fill: str = DEFAULT_FILL

    def value(self, parameter: str) -> float | None:
        _check_parameter(parameter)
        return getattr(self, parameter)

    def with_value(self, parameter: str, value: float | None) -> ExitRules:
        _check_parameter(parameter)
        changes: dict[str, Any] = {parameter: value}
        return replace(self, **changes)


@dataclass(frozen=True)
class RuleBook:
    """The rules of every regime: `default`, and the regimes whose table overrides it
    (already merged: `regimes["BEAR"]` is the default with the BEAR table's keys applied).
    Regime names are upper case, as the sells' regimes are."""

    default: ExitRules
    regimes: dict[str, ExitRules] = field(default_factory=dict)
    source: str = "<rules>"

    @property
    def fill(self) -> str:
        """The fill model of the default table (the one a report names)."""
        return self.default.fill

    def for_regime(self, regime: str | None) -> ExitRules:
        """The rules a sell of `regime` is replayed with: its table, else the default."""
        return self.regimes.get(str(regime).upper(), self.default) if regime is not None else self.default

    def with_parameter(self, parameter: str, value: float | None) -> RuleBook:
        """The same book with `parameter` set to `value` in the default and in every regime
        table alike (how the sweep changes one parameter)."""
        return replace(
            self,
            default=self.default.with_value(parameter, value),
            regimes={name: rules.with_value(parameter, value) for name, rules in self.regimes.items()},
        )

    def parameters(self) -> dict[str, float | None]:
        """The current value of each swept parameter (the default table's; None when off)."""
        return {name: self.default.value(name) for name in PARAMETERS}

    def unused_regimes(self, seen: list[str] | set[str]) -> list[str]:
        """Regime tables of the file that no sell in `seen` belongs to (a report notes them)."""
        known = {str(name).upper() for name in seen}
        return sorted(name for name in self.regimes if name not in known)


def _check_parameter(parameter: str) -> None:
    if parameter not in PARAMETERS:
        raise ConfigError(f"unknown exit-rule parameter {parameter!r}: choose from {', '.join(PARAMETERS)}")


def load_rules(path: str | Path) -> RuleBook:
    """Read and check the exit rules file at `path`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"exit rules file {path} not found: pass --rules FILE or set EXITLENS_EXIT_RULES "
                          "(config/demo_exit_rules.toml is an example)") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(f"exit rules file {path} could not be read ({reason}): check its permissions "
                          "and that it is UTF-8 text") from None
    return parse_rules(text, source=str(path))


def parse_rules(text: str, *, source: str = "<rules>") -> RuleBook:
    """The RuleBook of a rules file's text; `source` names the file in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"exit rules file {source} is not valid TOML ({exc}): fix the syntax") from None
    for key in data:
        if key not in _TOP_LEVEL:
            raise ConfigError(f"exit rules file {source}: unknown table or key {key!r} at the top level: "
                              "use [default] and [regime.<NAME>] tables only")
    if not isinstance(data.get("default"), dict):
        raise ConfigError(f"exit rules file {source}: no [default] table: add one with the bot's exit rules")
    default = _rules(data["default"], ExitRules(), source, "default")
    regimes_table = data.get("regime", {})
    if not isinstance(regimes_table, dict):
        raise ConfigError(f"exit rules file {source}: 'regime' must hold tables like [regime.BEAR], "
                          f"got {type(regimes_table).__name__}")
    regimes: dict[str, ExitRules] = {}
    for name, table in regimes_table.items():
        where = f"regime.{name}"
        if not isinstance(table, dict):
            raise ConfigError(f"exit rules file {source}: {where} must be a table ([{where}]), "
                              f"got {type(table).__name__}")
        if name.upper() in regimes:
            raise ConfigError(f"exit rules file {source}: [{where}] repeats regime {name.upper()} "
                              "(names are case-insensitive): keep one table")
        regimes[name.upper()] = _rules(table, default, source, where)
    return RuleBook(default=default, regimes=regimes, source=source)


def _rules(table: dict[str, Any], base: ExitRules, source: str, where: str) -> ExitRules:
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in _KEYS:
            raise ConfigError(f"exit rules file {source}: unknown key {key!r} in [{where}]: "
                              f"use {', '.join(_KEYS)}")
        if key == "fill":
            if value not in FILLS:
                raise ConfigError(f"exit rules file {source}: [{where}] fill must be \"close\" or \"touch\", "
                                  f"got {value!r}")
            values[key] = value
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
            raise ConfigError(f"exit rules file {source}: [{where}] {key} must be a non-negative number, "
                              f"got {value!r}: fix it or remove the key to turn the rule off")
        if value > UPPER_BOUNDS[key]:
            raise ConfigError(f"exit rules file {source}: [{where}] {key} must be at most {UPPER_BOUNDS[key]:,.0f}, "
                              f"got {value!r}: fix it or remove the key to turn the rule off")
        values[key] = float(value)
    return replace(base, **values)
