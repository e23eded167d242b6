-- Columns CoinPilot added over time for its exit logic; older databases may lack them.
ALTER TABLE trading_history ADD COLUMN IF NOT EXISTS regime varchar(10);
ALTER TABLE trading_history ADD COLUMN IF NOT EXISTS high_water_mark numeric(20, 8);
ALTER TABLE trading_history ADD COLUMN IF NOT EXISTS exit_reason varchar(30);
