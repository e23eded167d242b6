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
