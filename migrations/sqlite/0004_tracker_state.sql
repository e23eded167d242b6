-- What the tracker remembers between runs (the `now` of its latest run), and the index its
-- routine scan reads filled sells through by event time. The seed's index stays.
CREATE TABLE IF NOT EXISTS exitlens_tracker_state (
    tracker   VARCHAR(50) PRIMARY KEY,
    last_now  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_trading_history_sell_event_time
    ON trading_history (coalesce(executed_at, created_at))
    WHERE side = 'SELL' AND status = 'FILLED';
