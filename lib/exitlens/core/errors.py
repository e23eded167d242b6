"""A small error hierarchy. Every message says what went wrong and what to do next; the CLI
prints it as one line and exits non-zero."""


class ExitlensError(Exception):
    """Base of every error exitlens raises on purpose."""


class ConfigError(ExitlensError, ValueError):
    """A setting, option or parameter has a value exitlens cannot use."""


class DatabaseUnreachable(ExitlensError):
    """The database could not be reached or opened."""


class SchemaMissing(ExitlensError):
    """A table or column exitlens needs is absent: run `exitlens migrate`."""


class DataError(ExitlensError, ValueError):
    """Input data that cannot be used as given (naive timestamps, bad prices, …)."""


class ReportFailed(ExitlensError):
    """A report run failed; its executed notebook keeps the error."""


class DeliveryFailed(ExitlensError):
    """A webhook refused the message or stayed unreachable after retries."""


def first_line(text: object, default: str = "") -> str:
    """The first non-blank line of `text` (a message or an exception), stripped; `default` when
    it has none. Errors are shown in one line: a driver's message often continues with the
    SQL statement, a traceback or a hint that belongs in the log, not in the line."""
    for line in ("" if text is None else str(text)).splitlines():
        if line.strip():
            return line.strip()
    return default


def error_reason(exc: BaseException) -> str:
    """One line saying why `exc` happened: the first line of the database driver's own error
    when SQLAlchemy wraps one (`exc.orig`), else of `exc`; its type name when both are blank."""
    orig = getattr(exc, "orig", None)
    return first_line(orig if orig is not None else exc) or first_line(exc) or type(exc).__name__
