-- Databases exitlens created before it mirrored CoinPilot's DDL: give them what the bot's
-- collector and executor need, without touching data. On a database CoinPilot created (or one
-- exitlens created since), every step below finds nothing to do and takes no lock.
DO $$
BEGIN
    -- The collector inserts with ON CONFLICT ON CONSTRAINT uq_market_data_symbol_interval_ts.
    -- Renaming a constraint renames its index in place: no rebuild, no row touched.
    IF EXISTS (SELECT 1 FROM pg_constraint
               WHERE conrelid = to_regclass('market_data')
                 AND conname = 'market_data_symbol_interval_timestamp_key')
       AND NOT EXISTS (SELECT 1 FROM pg_constraint
                       WHERE conrelid = to_regclass('market_data')
                         AND conname = 'uq_market_data_symbol_interval_ts')
       AND to_regclass('uq_market_data_symbol_interval_ts') IS NULL
    THEN
        ALTER TABLE market_data
            RENAME CONSTRAINT market_data_symbol_interval_timestamp_key TO uq_market_data_symbol_interval_ts;
    END IF;
    -- The executor may leave fee and created_at NULL; dropping NOT NULL only widens the column.
    IF EXISTS (SELECT 1 FROM pg_attribute
               WHERE attrelid = to_regclass('trading_history') AND attname = 'fee' AND attnotnull)
    THEN
        ALTER TABLE trading_history ALTER COLUMN fee DROP NOT NULL;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_attribute
               WHERE attrelid = to_regclass('trading_history') AND attname = 'created_at' AND attnotnull)
    THEN
        ALTER TABLE trading_history ALTER COLUMN created_at DROP NOT NULL;
    END IF;
    -- The primary key stays as it is (id on such databases, (timestamp, id) on CoinPilot's):
    -- changing it rebuilds the index under a lock that stops the collector, and no statement
    -- of the bot or of exitlens depends on it.
END
$$;
