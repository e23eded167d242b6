-- The column exitlens writes (its index is built in 0004, outside a transaction).
ALTER TABLE trading_history ADD COLUMN IF NOT EXISTS post_exit_prices jsonb;
