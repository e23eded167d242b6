"""Exit models (SPEC §6): each parses nothing itself, packs its rule array and brings its kernel.
`simple` is CoinPilot's rules (stop loss, take profit, trailing stop, time limit)."""
