"""Other bots as sources (SPEC §7): copy their orders and candles into exitlens's own database.

`freqtrade` reads a freqtrade database read-only and its candle files (`candle_files`);
`freqtrade_backtest` reads a freqtrade backtest result; `csv_import` reads the documented CSV
format any other bot can write. All write through
`ingest`, which inserts only rows that are not there yet, so a second run adds only what is new
and never changes a row exitlens has written to.
"""
