-- exitlens: no-transaction
-- The tracker's routine scan: filled sells by event time, coalesce(executed_at, created_at).
-- The seed's idx_trading_history_sell_executed_at stays for compatibility. Built CONCURRENTLY
-- so a live bot table keeps taking writes; a no-transaction migration holds one statement.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_trading_history_sell_event_time
    ON trading_history ((coalesce(executed_at, created_at)))
    WHERE side = 'SELL' AND status = 'FILLED';
