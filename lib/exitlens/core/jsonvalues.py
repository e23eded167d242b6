"""JSON values, declared once: pandas / numpy scalars as plain JSON, whole payloads made
JSON-safe, and a check that refuses what JSON cannot carry.

JSON has no NaN, infinity, numpy types or datetimes. The summary object, the webhook payloads
and the notebook parameters all cross that boundary; each uses these helpers so "unknown" is
`null` everywhere and a value is never silently turned into text it was not.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from exitlens.core.errors import ConfigError
from exitlens.core.formatting import finite_number


def json_scalar(value: Any) -> Any:
    """A scalar as plain JSON: None for NaN/NA/NaT/inf, bool for numpy bools, int for integral
    numpy ints, float for numpy floats; anything else unchanged."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return number if math.isfinite(number) else None
    return value


def json_safe(value: Any) -> Any:
    """`value` with every part made plain JSON: mappings with text keys, lists, finite numbers
    (NaN/inf become null), dates as ISO text; other objects as a number when they are one
    (Decimal), else as text."""
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    scalar = json_scalar(value)
    if scalar is None or isinstance(scalar, (str, bool, int, float)):
        return scalar
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, np.generic):
        return json_safe(value.item())
    number = finite_number(value)
    return number if number is not None else str(value)


def require_json(value: Any, where: str) -> None:
    """Raise ConfigError unless `value` is plain JSON: str, int, finite float, bool, None, or
    lists / str-keyed dicts of them. `where` names the value in the message."""
    if value is None or isinstance(value, (str, bool, int)):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ConfigError(f"{where} is {value!r}: JSON has no NaN or infinity; use null")
        return
    if isinstance(value, list):
        for i, item in enumerate(value):
            require_json(item, f"{where}[{i}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ConfigError(f"{where} has a non-string key {key!r}: JSON keys are strings")
            require_json(item, f"{where}[{key!r}]")
        return
    raise ConfigError(
        f"{where} is a {type(value).__name__} ({value!r:.60}): parameters must be JSON values "
        "(str, int, float, bool, None, or lists / dicts of them); pass dates as ISO strings"
    )
