"""exitlens: post-exit analysis for trading bots.

Records what the market did after every exit, works out what each exit earned, aggregates by
exit reason and regime, and turns that into parameter-tuning suggestions and reports.
"""

__version__ = "0.1.0"
