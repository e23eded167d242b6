-- Columns CoinPilot added over time for its exit logic. SQLite has no ADD COLUMN IF NOT EXISTS:
-- the migration runner skips a statement whose column is already there.
ALTER TABLE trading_history ADD COLUMN regime VARCHAR(10);
ALTER TABLE trading_history ADD COLUMN high_water_mark NUMERIC(20, 8);
ALTER TABLE trading_history ADD COLUMN exit_reason VARCHAR(30);
