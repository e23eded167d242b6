"""freqtrade's exit settings as an exitlens rules file (SPEC §6, `exitlens rules from-freqtrade`).

freqtrade takes `minimal_roi`, `stoploss`, the trailing settings and `timeframe` from its config
when set there, else from the strategy: its parameter file (`<Strategy>.json` beside the `.py`,
written by hyperopt), else the strategy class's attributes. A backtest result records what a run
used. This module reads the same places, in the same order (config, parameter file, class, then
the backtest result for what is still missing):

- the config: a JSON object (`config.json`);
- the strategy file: parsed with `ast`, never imported or executed; the class named by the
  config's `strategy` (else the only class that sets an exit setting), with the attributes of its
  base classes defined in the same file; values must be literals (`-0.10`, `{"0": 0.04}`);
- the backtest result (`backtest-result-….json` or the `.zip` freqtrade writes): the settings
  stored with the strategy's run (older results store an empty `minimal_roi`).

What it could not read is named in `notes`, never guessed. Bad input — a file that is missing,
not JSON, not Python, not a backtest result, or no `minimal_roi` anywhere — is a ConfigError
with one line saying what to pass instead.
"""

from __future__ import annotations

import ast
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from exitlens.core.errors import ConfigError
from exitlens.core.replay.models import freqtrade
from exitlens.core.replay.rules import parse_rules

SETTINGS = freqtrade.KEYS
"""The settings the freqtrade exit model reads, by freqtrade's names."""
NOT_MODELLED = {
    "use_custom_stoploss": "custom_stoploss is not modelled: stop-loss exits may differ",
    "ignore_roi_if_entry_signal": "ignore_roi_if_entry_signal is not modelled (the replay sees no entry "
                                  "signals): ROI exits may differ",
}
"""Settings that change exits in ways the model cannot follow, with the note their `true` earns."""
_PARAMETER_SPACES = {"roi": ("minimal_roi",), "stoploss": ("stoploss",),
                     "trailing": ("trailing_stop", "trailing_stop_positive", "trailing_stop_positive_offset",
                                  "trailing_only_offset_is_reached")}
"""The sections of a strategy parameter file and the settings each holds."""


@dataclass
class FreqtradeSettings:
    """The exit settings read, where each came from, and notes on what could not be read."""

    values: dict[str, Any] = field(default_factory=dict)
    origin: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def fill(self, values: dict[str, Any], where: str) -> None:
        """Take the settings of `values` that are still missing, as read from `where`."""
        for name in SETTINGS:
            if name in values and name not in self.values:
                self.values[name] = values[name]
                self.origin[name] = where


def read_settings(config_path: str | Path, strategy_path: str | Path | None = None,
                  backtest_path: str | Path | None = None) -> FreqtradeSettings:
    """The exit settings from the config, the strategy file and the backtest result, in
    freqtrade's order; ConfigError when no `minimal_roi` is found anywhere."""
    config = _json_file(config_path, "freqtrade config", "pass the bot's config.json")
    if not isinstance(config, dict):
        raise ConfigError(f"freqtrade config {config_path} is not a JSON object: pass the bot's config.json")
    settings = FreqtradeSettings()
    settings.fill(config, f"config {Path(config_path).name}")
    flags = {name: config[name] for name in NOT_MODELLED if name in config}
    wanted = config.get("strategy") if isinstance(config.get("strategy"), str) else None
    if strategy_path is not None:
        name, attributes, unreadable = strategy_attributes(strategy_path, wanted)
        wanted = wanted or name
        parameters = Path(strategy_path).with_suffix(".json")
        if parameters.is_file():
            settings.fill(parameter_file_settings(parameters), f"parameter file {parameters.name}")
        settings.fill(attributes, f"strategy {name} ({Path(strategy_path).name})")
        for key in NOT_MODELLED:
            if key in attributes and key not in flags:
                flags[key] = attributes[key]
        settings.notes += [f"could not read {key} from strategy {name}: {why}" for key, why in unreadable.items()
                           if key not in settings.values]
    if backtest_path is not None:
        run, stored = backtest_settings(backtest_path, wanted)
        if stored.get("minimal_roi") == {}:
            settings.notes.append(f"backtest result {Path(backtest_path).name} stores an empty minimal_roi for {run}")
            stored = {key: value for key, value in stored.items() if key != "minimal_roi"}
        settings.fill(stored, f"backtest result {Path(backtest_path).name} ({run})")
    if "minimal_roi" not in settings.values:
        where = "config, strategy or backtest result" if strategy_path or backtest_path else "config"
        raise ConfigError(f"no minimal_roi in the {where}: pass the strategy file with --strategy "
                          "(or a backtest result with --backtest), or add minimal_roi to the config")
    for name in SETTINGS:
        if name not in settings.values:
            settings.notes.append(f"{name} not found: freqtrade's default applies" if name != "stoploss"
                                  else "stoploss not found: the replay runs without a stop loss")
    settings.notes += [note for key, note in NOT_MODELLED.items() if flags.get(key) is True]
    return settings


def _json_file(path: str | Path, what: str, instead: str) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{what} {path} not found: {instead}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{what} {path} could not be read ({exc}): {instead}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{what} {path} is not JSON ({exc.msg} at line {exc.lineno}): {instead}") from None


def strategy_attributes(path: str | Path, wanted: str | None = None) -> tuple[str, dict[str, Any], dict[str, str]]:
    """(class name, {setting: value}, {setting: why unreadable}) of the strategy class in the
    Python file at `path`, read with `ast` (never imported): the class `wanted`, else the one
    class that sets an exit setting; attributes of base classes in the same file count."""
    path = Path(path)
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except FileNotFoundError:
        raise ConfigError(f"strategy file {path} not found: pass the strategy's .py file") from None
    except (SyntaxError, ValueError, UnicodeDecodeError) as exc:
        line = f" (line {exc.lineno})" if isinstance(exc, SyntaxError) and exc.lineno else ""
        raise ConfigError(f"strategy file {path} is not Python{line}: pass the strategy's .py file") from None
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    read = {name: _class_body(node) for name, node in classes.items()}
    if wanted is not None and wanted not in classes:
        raise ConfigError(f"strategy file {path} has no class {wanted!r} (the config's strategy): "
                          f"it defines {', '.join(classes) or 'no class'}")
    if wanted is None:
        setting = [name for name, (values, unreadable) in read.items() if (set(values) | set(unreadable)) & set(SETTINGS)]
        leaves = [name for name in setting if not any(_bases(classes[other]).count(name) for other in setting)]
        if len(leaves) != 1:
            found = ", ".join(leaves) or "none"
            raise ConfigError(f"strategy file {path}: cannot tell the strategy class (classes setting exit settings: "
                              f"{found}): set \"strategy\" in the config to its class name")
        wanted = leaves[0]
    values: dict[str, Any] = {}
    unreadable: dict[str, str] = {}
    for name in reversed(_lineage(wanted, classes)):
        own_values, own_unreadable = read[name]
        for key in own_values:
            unreadable.pop(key, None)
        for key in own_unreadable:
            values.pop(key, None)
        values.update(own_values)
        unreadable.update(own_unreadable)
    return wanted, values, unreadable


def _bases(node: ast.ClassDef) -> list[str]:
    return [base.id for base in node.bases if isinstance(base, ast.Name)]


def _lineage(name: str, classes: dict[str, ast.ClassDef]) -> list[str]:
    """`name` and its base classes defined in the same file, nearest first."""
    chain = [name]
    while True:
        parents = [base for base in _bases(classes[chain[-1]]) if base in classes and base not in chain]
        if not parents:
            return chain
        chain.append(parents[0])


def _class_body(node: ast.ClassDef) -> tuple[dict[str, Any], dict[str, str]]:
    """The exit settings a class body assigns: literal values, and why the others are unreadable."""
    values: dict[str, Any] = {}
    unreadable: dict[str, str] = {}
    names = (*SETTINGS, *NOT_MODELLED)
    for statement in node.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target, value = statement.targets[0], statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            target, value = statement.target, statement.value
        else:
            if isinstance(statement, ast.FunctionDef) and statement.name in SETTINGS:
                unreadable[statement.name] = "it is computed by a method"
            continue
        if not (isinstance(target, ast.Name) and target.id in names):
            continue
        try:
            values[target.id] = ast.literal_eval(value)
            unreadable.pop(target.id, None)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            unreadable[target.id] = f"`{ast.unparse(value)}` is not a literal"
            values.pop(target.id, None)
    return values, unreadable


def parameter_file_settings(path: str | Path) -> dict[str, Any]:
    """The exit settings of a strategy parameter file (hyperopt's `<Strategy>.json`):
    its `params` sections `roi`, `stoploss` and `trailing`."""
    data = _json_file(path, "strategy parameter file", "fix or remove it")
    params = data.get("params") if isinstance(data, dict) else None
    out: dict[str, Any] = {}
    for space, names in _PARAMETER_SPACES.items():
        section = params.get(space) if isinstance(params, dict) else None
        if not isinstance(section, dict):
            continue
        if space == "roi":
            out["minimal_roi"] = section
        else:
            out.update({name: section[name] for name in names if name in section})
    return out


def backtest_settings(path: str | Path, wanted: str | None = None) -> tuple[str, dict[str, Any]]:
    """(strategy name, {setting: value}) stored with a run of a freqtrade backtest result (the
    `.json`, or the `.zip` freqtrade writes): the run of strategy `wanted`, else the only one."""
    path = Path(path)
    instead = "pass a backtest-result-….json or .zip written by freqtrade backtesting"
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.namelist() if m.endswith(".json") and not m.endswith(("_config.json",
                                                                                              ".meta.json"))]
            if not members:
                raise ConfigError(f"backtest result {path} holds no result JSON: {instead}")
            try:
                data = json.loads(archive.read(members[0]).decode("utf-8"))
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise ConfigError(f"backtest result {path}: {members[0]} is not JSON ({exc}): {instead}") from None
    else:
        data = _json_file(path, "backtest result", instead)
    runs = data.get("strategy") if isinstance(data, dict) else None
    if not isinstance(runs, dict) or not runs or not all(isinstance(run, dict) and "trades" in run
                                                         for run in runs.values()):
        raise ConfigError(f"backtest result {path} is not a freqtrade backtest result (no \"strategy\" table of runs "
                          f"with trades): {instead}")
    if wanted is None and len(runs) > 1:
        raise ConfigError(f"backtest result {path} holds runs of {', '.join(runs)}: pass --strategy or set "
                          "\"strategy\" in the config to choose one")
    name = wanted if wanted is not None else next(iter(runs))
    if name not in runs:
        raise ConfigError(f"backtest result {path} has no run of strategy {name!r}: it holds {', '.join(runs)}")
    run = runs[name]
    stored = {key: run[key] for key in SETTINGS if key in run and run[key] is not None}
    return name, stored


def rules_toml(settings: FreqtradeSettings, *, source: str = "<freqtrade>") -> str:
    """The rules file (model "freqtrade") for `settings`, each key commented with where it was
    read. The stoploss is written negative whatever sign the source used (freqtrade uses its
    size). ConfigError, naming the source, when a value is not one the model accepts."""
    lines = ["# exit rules read from freqtrade by `exitlens rules from-freqtrade` (SPEC §6)",
             'model = "freqtrade"', "", "[default]"]
    values = dict(settings.values)
    if isinstance(values.get("stoploss"), (int, float)) and not isinstance(values["stoploss"], bool):
        values["stoploss"] = -abs(values["stoploss"])
    for name in SETTINGS:
        if name == "minimal_roi" or name not in values:
            continue
        lines.append(f"{name} = {_toml_value(values[name], settings.origin[name], name)}  # {settings.origin[name]}")
    roi = values["minimal_roi"]
    if not isinstance(roi, dict):
        raise ConfigError(f"minimal_roi from {settings.origin['minimal_roi']} is not a table of minutes → ratio")
    lines += ["", f"[default.minimal_roi]  # {settings.origin['minimal_roi']}"]
    lines += [f"{json.dumps(str(minute))} = {_toml_value(ratio, settings.origin['minimal_roi'], 'minimal_roi')}"
              for minute, ratio in roi.items()]
    text = "\n".join(lines) + "\n"
    parse_rules(text, source=source)  # the file written is one the replay reads
    return text


def _toml_value(value: Any, origin: str, name: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(float(value))
    if isinstance(value, str):
        return json.dumps(value)
    raise ConfigError(f"{name} from {origin} is {value!r}, not a number, true/false or text")
