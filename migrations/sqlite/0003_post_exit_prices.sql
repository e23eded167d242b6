-- The column exitlens writes, and the index its tracker and reports read SELL fills through.
ALTER TABLE trading_history ADD COLUMN post_exit_prices TEXT;
CREATE INDEX IF NOT EXISTS idx_trading_history_sell_executed_at
    ON trading_history (executed_at DESC)
    WHERE side = 'SELL' AND status = 'FILLED' AND executed_at IS NOT NULL;
