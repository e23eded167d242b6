-- exitlens: no-transaction
-- The seed's index on SELL fills, built CONCURRENTLY so a live bot table keeps taking writes.
-- A no-transaction migration holds exactly one statement.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_trading_history_sell_executed_at
    ON trading_history (executed_at DESC)
    WHERE side = 'SELL' AND status = 'FILLED' AND executed_at IS NOT NULL;
