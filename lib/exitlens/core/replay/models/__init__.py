"""Exit models (SPEC §6): each packs its rule array and brings its kernel. `simple` is CoinPilot's
rules (stop loss, take profit, trailing stop, time limit); `freqtrade` is freqtrade's exit logic
(ROI table, stoploss, trailing stop with its offsets) and parses its own rules table."""
