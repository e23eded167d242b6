"""`exitlens import freqtrade-backtest FILE`: a freqtrade backtest's trades as orders (SPEC §7).

freqtrade writes a backtest result as JSON (`backtest-result-<date>.json`), or as a zip holding
that JSON beside the run's config and strategy (`backtest-result-<date>.zip`, freqtrade 2024.x
onward): `{"strategy": {<name>: {"trades": [...], "results_per_pair": [...],
"exit_reason_summary": [...], "wins", "draws", "losses", "profit_total_abs", "timeframe",
"minimal_roi", "stoploss", "trailing_stop", ...}}, "strategy_comparison": [...]}`. One function
reads that format (`read_backtest`), so `rules from-freqtrade --backtest` reads the strategy's
exit settings from the same place (`BacktestStrategy.settings`).

Each trade becomes its entry and exit as orders (its `orders` list when the file has one, DCA
entries and partial exits included), with:

| trading_history | from the trade |
|---|---|
| id | uuid5 of the strategy, pair, open time and order number: the same file always gives the same ids, so a second import adds nothing |
| side | BUY for a long's entry and a short's exit, SELL otherwise |
| price, quantity | the order's rate and amount (`open_rate` / `close_rate`, `amount` without an orders list) |
| fee | rate × value × `fee_open` / `fee_close`; the exit also carries the trade's funding fees (`− funding_fees`) |
| exit_reason | `exit_reason` (older files: `sell_reason`), whole |
| strategy_name | the strategy's name |
| position_id | `<strategy>#<n>`, the trade's number in the file: lots match within the trade |
| direction, leverage | `is_short` → short; `leverage` (1 when missing) |
| signal_info | `{"source": "freqtrade-backtest", "timeframe": …, "enter_tag": …}` |
| created_at, executed_at | the order's fill time (`open_date` / `close_date`), UTC |

The import's summary sets exitlens's own evaluation of the imported orders beside the file's
totals (trades, wins / draws / losses, profit per exit reason and per pair, net profit) and
names every figure that differs.
"""

from __future__ import annotations

import json
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from exitlens.core.entry_price import stored_entry_columns
from exitlens.core.errors import ConfigError
from exitlens.core.evaluate import evaluate_sells
from exitlens.core.formatting import fmt_money
from exitlens.core.frames import ORDER_COLUMNS, with_declared_types
from exitlens.core.settings import Settings
from exitlens.store import db, migrations
from exitlens.store.position_columns import add_position_columns
from exitlens.store.sources.ingest import insert_new_orders

SOURCE = "freqtrade-backtest"
ID_NAMESPACE = uuid.UUID("5d0f3c2e-7a51-4f0e-9a7e-3b1c9f6a2d18")
"""Fixed forever: ids are uuid5(ID_NAMESPACE, "<strategy>|<pair>|<open ms>|<order number>")."""
EXIT_SETTINGS = ("timeframe", "minimal_roi", "stoploss", "trailing_stop", "trailing_stop_positive",
                 "trailing_stop_positive_offset", "trailing_only_offset_is_reached", "use_custom_stoploss",
                 "use_exit_signal", "exit_profit_only", "exit_profit_offset", "ignore_roi_if_entry_signal",
                 "stake_currency", "trading_mode", "margin_mode")
"""The strategy settings a backtest result records that say how it exits (and in what)."""
PROFIT_TOLERANCE = 1e-9
"""Relative difference under which exitlens's profit is the file's (float noise)."""


@dataclass(frozen=True)
class BacktestStrategy:
    """One strategy's part of a backtest result: its trades, its exit settings (what the file
    recorded of EXIT_SETTINGS; keys it lacks are absent) and the file's own totals."""

    name: str
    trades: list[dict]
    settings: dict[str, Any]
    totals: dict[str, Any]


def read_backtest(path: str | Path) -> list[BacktestStrategy]:
    """The strategies of the freqtrade backtest result at `path` (.json, or the .zip freqtrade
    writes). Raises ConfigError, one line, for anything that is not such a file."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise ConfigError(f"no backtest result at {path}: pass freqtrade's backtest-result-<date>.json or .zip "
                          "(user_data/backtest_results/)")
    try:
        document = _load(path)
    except (OSError, ValueError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not a freqtrade backtest result ({first_words(exc)}): pass "
                          "freqtrade's backtest-result-<date>.json or .zip") from exc
    strategies = document.get("strategy") if isinstance(document, dict) else None
    if not isinstance(strategies, dict) or not strategies or not all(
            isinstance(s, dict) and isinstance(s.get("trades"), list) for s in strategies.values()):
        raise ConfigError(f"{path} is not a freqtrade backtest result (no strategy with a trades list): pass "
                          "freqtrade's backtest-result-<date>.json or .zip")
    return [BacktestStrategy(name=str(name), trades=list(stats["trades"]),
                             settings={key: stats[key] for key in EXIT_SETTINGS if key in stats},
                             totals=stats)
            for name, stats in strategies.items()]


def _load(path: Path) -> Any:
    """The result JSON of a .json file, or of the zip's one backtest-result JSON (not its
    `_config.json`)."""
    if not zipfile.is_zipfile(path):
        return json.loads(path.read_text(encoding="utf-8"))
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if n.endswith(".json") and not n.endswith("_config.json")]
        if len(names) != 1:
            raise ValueError(f"the zip holds {len(names)} result JSON files, not one")
        return json.loads(archive.read(names[0]).decode("utf-8"))


def first_words(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:120] or type(exc).__name__


def backtest_orders(strategies: list[BacktestStrategy]) -> pd.DataFrame:
    """Every trade of `strategies` as its orders (the module's table), in frames.ORDER_COLUMNS.
    Raises ConfigError naming the trade when one lacks what an order needs."""
    rows: list[dict] = []
    for strategy in strategies:
        for number, trade in enumerate(strategy.trades, start=1):
            rows += _trade_orders(strategy, number, trade)
    frame = pd.DataFrame(rows, columns=[c for c in ORDER_COLUMNS if c not in ("stored_entry_price",
                                                                              "stored_entry_text")])
    frame[["stored_entry_price", "stored_entry_text"]] = stored_entry_columns(frame["signal_info"])
    return with_declared_types(frame, ORDER_COLUMNS)


def _trade_orders(strategy: BacktestStrategy, number: int, trade: dict) -> list[dict]:
    """The orders of one trade: its filled `orders` when listed, else its entry and its exit."""
    name = f"{strategy.name} trade {number} ({trade.get('pair')}, opened {trade.get('open_date')})"
    try:
        short = bool(trade.get("is_short") or False)
        fills = _fills(trade)
        leverage = float(trade.get("leverage") or 1.0)
        fee_open, fee_close = float(trade.get("fee_open") or 0.0), float(trade.get("fee_close") or 0.0)
        funding = float(trade.get("funding_fees") or 0.0)
        open_ms = int(pd.Timestamp(trade["open_date"]).value // 1_000_000)
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{name} cannot be read as orders ({first_words(exc)}): is this a freqtrade "
                          "backtest result?") from exc
    if not fills or not all(price > 0 and amount > 0 for _, price, amount, _ in fills):
        raise ConfigError(f"{name} has no positive rate and amount for every order: is this a freqtrade "
                          "backtest result?")
    last_exit = max((i for i, (is_entry, *_rest) in enumerate(fills) if not is_entry), default=None)
    reason = trade.get("exit_reason", trade.get("sell_reason"))
    info = {"source": SOURCE, "timeframe": strategy.settings.get("timeframe"),
            "enter_tag": trade.get("enter_tag", trade.get("buy_tag"))}
    rows = []
    for i, (is_entry, price, amount, when) in enumerate(fills):
        fee = price * amount * (fee_open if is_entry else fee_close) - (funding if i == last_exit else 0.0)
        rows.append({
            "id": str(uuid.uuid5(ID_NAMESPACE, f"{strategy.name}|{trade['pair']}|{open_ms}|{i}")),
            "symbol": str(trade["pair"]), "side": "BUY" if is_entry != short else "SELL",
            "order_type": "MARKET", "price": price, "quantity": amount, "fee": fee, "status": "FILLED",
            "strategy_name": strategy.name, "signal_info": info, "regime": None, "high_water_mark": None,
            "exit_reason": None if is_entry or reason is None else str(reason), "post_exit_prices": None,
            "position_id": f"{strategy.name}#{number}", "direction": "short" if short else "long",
            "leverage": leverage, "created_at": when, "executed_at": when, "event_time": when,
        })
    return rows


def _fills(trade: dict) -> list[tuple[bool, float, float, pd.Timestamp]]:
    """(is entry, rate, amount, fill time) of each filled order of `trade`."""
    listed = [o for o in trade.get("orders") or [] if (o.get("amount") or 0) > 0 and o.get("order_filled_timestamp")]
    if listed:
        return [(bool(o["ft_is_entry"]), float(o["safe_price"]), float(o["amount"]),
                 pd.Timestamp(int(o["order_filled_timestamp"]), unit="ms", tz="UTC")) for o in listed]
    amount = float(trade["amount"])
    return [(True, float(trade["open_rate"]), amount, _utc(trade["open_date"])),
            (False, float(trade["close_rate"]), amount, _utc(trade["close_date"]))]


def _utc(text: Any) -> pd.Timestamp:
    stamp = pd.Timestamp(text)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


# -- the import and its check against the file ----------------------------------------------


@dataclass(frozen=True)
class BacktestImport:
    """What an import did and how exitlens's evaluation compares with the file's totals."""

    source: str
    orders_read: int
    orders_added: int
    strategies: list[str]
    checks: list[dict]
    notes: list[str] = field(default_factory=list)

    @property
    def matches(self) -> bool:
        return all(check["match"] for check in self.checks)

    def summary_line(self) -> str:
        added = (f"freqtrade backtest {self.source}: {self.orders_added} order(s) added, "
                 f"{self.orders_read - self.orders_added} already there ({', '.join(self.strategies)})")
        shown = [c for c in self.checks if c["what"] in ("trades", "wins / draws / losses", "net profit")]
        parts = [f"{c['what']} {c['exitlens']}" + ("" if c["match"] else f" (the file says {c['file']})")
                 for c in shown]
        mismatched = [c["what"] for c in self.checks if not c["match"] and c not in shown]
        verdict = "matches the file" if self.matches else "differs from the file"
        line = f"{added}; {verdict}: " + ", ".join(parts)
        if mismatched:
            line += f"; also differs in {', '.join(mismatched)}"
        return line

    def to_json(self) -> dict:
        return {"source": self.source, "orders_read": self.orders_read, "orders_added": self.orders_added,
                "strategies": list(self.strategies), "matches": self.matches, "checks": list(self.checks),
                "notes": list(self.notes)}


def import_backtest(path: str | Path, *, target_url: str) -> BacktestImport:
    """Read the backtest result at `path`, check it whole, then insert its orders into the
    exitlens database at `target_url` (insert-or-ignore, one transaction). Bad input raises
    ConfigError and writes nothing."""
    strategies = read_backtest(path)
    orders = backtest_orders(strategies)
    checks = [check for strategy in strategies for check in compare_with_file(strategy, orders)]
    engine = db.connect(target_url, create=True)
    try:
        migrations.migrate(engine)
        with engine.begin() as conn:
            add_position_columns(conn)
            added = insert_new_orders(conn, orders.drop(columns=["stored_entry_price", "stored_entry_text",
                                                                 "event_time"])) if len(orders) else 0
    finally:
        engine.dispose()
    notes = [f"{c['what']}: exitlens {c['exitlens']}, the file {c['file']}" for c in checks if not c["match"]]
    return BacktestImport(source=str(path), orders_read=len(orders), orders_added=added,
                          strategies=[s.name for s in strategies], checks=checks, notes=notes)


def compare_with_file(strategy: BacktestStrategy, orders: pd.DataFrame) -> list[dict]:
    """exitlens's evaluation of `strategy`'s orders beside the file's own totals: trades, wins /
    draws / losses, net profit, and trades and profit per exit reason and per pair. Each check
    is {"what", "exitlens", "file", "match"}, figures as text in the stake currency."""
    mine = orders[orders["strategy_name"] == strategy.name].reset_index(drop=True)
    sells = evaluate_sells(mine, Settings()).sells
    sells["notional"] = sells["entry_price"] * sells["quantity"]
    positions = sells.groupby("position", sort=False).agg(
        net=("net_pnl", "sum"), pair=("symbol", "first"), reason=("exit_reason_raw", "last"),
        notional=("notional", "sum"))
    currency = str(strategy.settings.get("stake_currency") or "?")
    epsilon = 1e-9 * positions["notional"].abs()  # a draw as SPEC §2.1 has it, per trade
    outcome = np.select([positions["net"] > epsilon, positions["net"] < -epsilon], ["wins", "losses"], "draws")
    totals = strategy.totals
    checks = [_count_check("trades", len(positions), totals.get("total_trades", len(strategy.trades)))]
    mine_wdl = " / ".join(str(int((outcome == key).sum())) for key in ("wins", "draws", "losses"))
    file_wdl = " / ".join(str(totals.get(key, "?")) for key in ("wins", "draws", "losses"))
    checks.append({"what": "wins / draws / losses", "exitlens": mine_wdl, "file": file_wdl,
                   "match": mine_wdl == file_wdl})
    checks.append(_money_check("net profit", positions["net"].sum(), totals.get("profit_total_abs"), currency))
    for label, column, rows, key in (("exit reason", "reason", totals.get("exit_reason_summary"), "exit_reason"),
                                     ("pair", "pair", totals.get("results_per_pair"), "key")):
        for row in rows or []:
            name = row.get(key, row.get("sell_reason", row.get("key")))
            if name in (None, "TOTAL"):
                continue
            part = positions[positions[column].astype(str) == str(name)]
            checks.append(_count_check(f"trades of {label} {name}", len(part), row.get("trades")))
            checks.append(_money_check(f"profit of {label} {name}", part["net"].sum(), row.get("profit_total_abs"),
                                       currency))
    return checks


def _count_check(what: str, mine: int, theirs: Any) -> dict:
    return {"what": what, "exitlens": str(mine), "file": str(theirs), "match": theirs is None or mine == theirs}


def _money_check(what: str, mine: float, theirs: Any, currency: str) -> dict:
    known = isinstance(theirs, (int, float)) and not isinstance(theirs, bool)
    match = not known or abs(mine - theirs) <= PROFIT_TOLERANCE * max(abs(theirs), abs(mine), 1e-12)
    return {"what": what, "exitlens": fmt_money(mine, currency),
            "file": fmt_money(theirs, currency) if known else "n/a", "match": match}
