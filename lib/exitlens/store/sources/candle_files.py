"""freqtrade's candle files: where they are, and their rows as `market_data` candles.

A pair's 1m file is used when there is one; otherwise its finest other timeframe (the strategy's,
`5m` say), whose rows are written with that `market_data.interval`: tracking and replay then
read that interval, with a tolerance of one interval (EXITLENS_CANDLE_INTERVAL,
EXITLENS_CANDLE_TOLERANCE_MINUTES; SPEC §7).

freqtrade (`freqtrade download-data`) keeps one file per pair and timeframe in its data
directory (`user_data/data/<exchange>/`): the pair with `/`, `:` and a few other characters
turned into `_`, then `-1m`, then the format: `BTC_USDT-1m.feather` (the default), `.parquet`,
`.json` or `.json.gz`. Futures candles live under `futures/` with the candle type appended:
`futures/BTC_USDT_USDT-1m-futures.feather`. Feather and parquet hold the columns
`date, open, high, low, close, volume` (date an aware time or epoch milliseconds); JSON holds
`[[ms, open, high, low, close, volume], …]`. Either way the time is the candle's open, which is
what `market_data.timestamp` means.

pandas reads feather and parquet through pyarrow. A file that cannot be read, or JSON that is
not a list of six-number rows, is a DataError naming the file: nothing is written from it.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from exitlens.core.errors import ConfigError, DataError, error_reason

TIMEFRAME = "1m"
FORMATS = ("feather", "parquet", "json", "json.gz")
"""File formats in the order they are looked for, freqtrade's default first."""
FILE_COLUMNS = ("date", "open", "high", "low", "close", "volume")
CANDLE_COLUMNS = ("open_price", "high_price", "low_price", "close_price", "volume")
FUTURES_FOLDER = "futures"
FUTURES_SUFFIX = "-futures"

_FILENAME_CHARACTERS = re.compile(r"[/ .@$+:]")
_FORMAT_PATTERN = "|".join(re.escape(f) for f in FORMATS)
_ANY_TIMEFRAME_FILE = re.compile(rf"-(\d+[mhdw])(?:{FUTURES_SUFFIX})?\.(?:{_FORMAT_PATTERN})$")
_UNIT_MINUTES = {"m": 1, "h": 60, "d": 1440, "w": 10080}


def timeframe_minutes(timeframe: str) -> int:
    """Minutes of a freqtrade timeframe: '5m' → 5, '1h' → 60."""
    return int(timeframe[:-1]) * _UNIT_MINUTES[timeframe[-1]]


def pair_to_filename(pair: str) -> str:
    """The file-name form of a pair, as freqtrade writes it: `BTC/USDT:USDT` → `BTC_USDT_USDT`."""
    return _FILENAME_CHARACTERS.sub("_", pair)


def is_futures_pair(pair: str) -> bool:
    """ccxt writes a futures (swap) pair with its settle currency: `BTC/USDT:USDT`."""
    return ":" in pair


def candle_files_in(folder: Path) -> list[Path]:
    """Every candle file, of any timeframe, in a data directory and its `futures/` folder."""
    found = []
    for place in (folder, folder / FUTURES_FOLDER):
        if place.is_dir():
            found += sorted(p for p in place.iterdir() if p.is_file() and _ANY_TIMEFRAME_FILE.search(p.name))
    return found


def data_directory(folder: Path | str) -> Path:
    """The freqtrade data directory holding 1m candles: `folder` itself or, when `folder` is
    `user_data/data`, its one exchange folder that has them.

    Raises ConfigError when there is no such folder or no 1m file in it, with the command that
    downloads them."""
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise ConfigError(f"candles directory {folder} does not exist: pass freqtrade's data "
                          "directory, e.g. --candles user_data/data/binance")
    if candle_files_in(folder):
        return folder
    exchanges = sorted(p for p in folder.iterdir() if p.is_dir() and candle_files_in(p))
    if len(exchanges) == 1:
        return exchanges[0]
    if len(exchanges) > 1:
        names = ", ".join(str(p) for p in exchanges)
        raise ConfigError(f"candles directory {folder} holds candles of several exchanges ({names}): "
                          "pass the one the bot trades on")
    raise ConfigError(f"no candle files (*-1m.feather, *-5m.json, …) in {folder}: download them with "
                      "`freqtrade download-data --timeframes 1m` (1m candles give the closest post-exit points)")


def candle_file(folder: Path, pair: str, timeframe: str = TIMEFRAME) -> Path | None:
    """The candle file of `pair` and `timeframe` in the data directory, or None when there is none."""
    name = pair_to_filename(pair)
    if is_futures_pair(pair):
        candidates = [folder / FUTURES_FOLDER / f"{name}-{timeframe}{FUTURES_SUFFIX}.{fmt}" for fmt in FORMATS]
    else:
        candidates = [folder / f"{name}-{timeframe}.{fmt}" for fmt in FORMATS]
    return next((path for path in candidates if path.is_file()), None)


def finest_candle_file(folder: Path, pair: str) -> tuple[Path, str] | None:
    """(file, timeframe) of `pair`: its 1m file when there is one, else its finest timeframe's;
    None when the pair has no candle file."""
    one_minute = candle_file(folder, pair)
    if one_minute is not None:
        return one_minute, TIMEFRAME
    prefix = pair_to_filename(pair) + "-"
    place = folder / FUTURES_FOLDER if is_futures_pair(pair) else folder
    timeframes = sorted({match[1] for p in candle_files_in(folder) if p.parent == place and p.name.startswith(prefix)
                         and (match := _ANY_TIMEFRAME_FILE.search(p.name)) and p.name[len(prefix):].startswith(match[1])},
                        key=timeframe_minutes)
    for timeframe in timeframes:
        path = candle_file(folder, pair, timeframe)
        if path is not None:
            return path, timeframe
    return None


def read_candle_file(path: Path, symbol: str, timeframe: str = TIMEFRAME) -> pd.DataFrame:
    """The candles of one file as `market_data` rows (symbol, interval `timeframe`, prices,
    volume, timestamp = candle open in UTC), in file order."""
    name = path.name
    if name.endswith((".feather", ".parquet")):
        frame = _read_columnar(path)
    else:
        frame = _read_json(path)
    out = pd.DataFrame({
        "symbol": symbol,
        "interval": timeframe,
        "timestamp": frame["date"],
        **{column: frame[source] for column, source in zip(CANDLE_COLUMNS, FILE_COLUMNS[1:])},
    })
    return out.reset_index(drop=True)


def _read_columnar(path: Path) -> pd.DataFrame:
    reader = pd.read_feather if path.name.endswith(".feather") else pd.read_parquet
    try:
        frame = reader(path)
    except Exception as exc:  # pyarrow raises its own ArrowInvalid, OSError, … for a damaged file
        raise DataError(f"candle file {path} cannot be read ({error_reason(exc)}): download it again with "
                        "`freqtrade download-data --timeframes 1m --erase`") from exc
    missing = [c for c in FILE_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(f"candle file {path} lacks the column(s) {', '.join(missing)}: "
                        f"a freqtrade candle file has {', '.join(FILE_COLUMNS)}")
    frame = frame.loc[:, list(FILE_COLUMNS)].copy()
    date = frame["date"]
    if pd.api.types.is_datetime64_any_dtype(date):
        frame["date"] = pd.to_datetime(date, utc=True)
    elif pd.api.types.is_numeric_dtype(date):
        frame["date"] = pd.to_datetime(date, unit="ms", utc=True)
    else:
        raise DataError(f"candle file {path}: column date holds {date.dtype}, not times")
    _check_numbers(path, frame, lambda i: f"row {i + 1}")
    return frame


def _read_json(path: Path) -> pd.DataFrame:
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            rows = json.load(handle)
    except (ValueError, OSError, EOFError) as exc:
        raise DataError(f"candle file {path} is not JSON ({error_reason(exc)}): download it again "
                        "with `freqtrade download-data --timeframes 1m --erase`") from exc
    shape = "a list of [ms, open, high, low, close, volume] rows"
    if not isinstance(rows, list):
        raise DataError(f"candle file {path} is not {shape}")
    for index, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != len(FILE_COLUMNS) or any(
            isinstance(value, bool) or not isinstance(value, (int, float)) for value in row
        ):
            raise DataError(f"candle file {path}: row {index + 1} is {_short(row)}, not [ms, open, high, low, close, volume]")
    frame = pd.DataFrame(rows, columns=list(FILE_COLUMNS), dtype=float)
    _check_numbers(path, frame, lambda i: f"row {i + 1}")
    frame["date"] = pd.to_datetime(frame["date"].astype("int64"), unit="ms", utc=True)
    return frame


def _check_numbers(path: Path, frame: pd.DataFrame, where) -> None:
    """Every price and volume a finite number (market_data has no room for NaN)."""
    for column in FILE_COLUMNS:
        values = frame[column]
        if column == "date":
            bad = values.isna().to_numpy()
        else:
            numbers = pd.to_numeric(values, errors="coerce").astype(float)
            bad = ~np.isfinite(numbers.to_numpy())
            frame[column] = numbers
        if bad.any():
            index = int(np.flatnonzero(bad)[0])
            raise DataError(f"candle file {path}: {where(index)} has {column} {values.iloc[index]!r}, not a number")


def _short(value) -> str:
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."
