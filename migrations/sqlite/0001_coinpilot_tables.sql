-- CoinPilot's tables for the embedded database: ids are UUID text, JSON columns JSON text,
-- timestamps ISO-8601 text in UTC (YYYY-MM-DD HH:MM:SS[.ffffff]).
CREATE TABLE IF NOT EXISTS trading_history (
    id              TEXT PRIMARY KEY,
    symbol          VARCHAR(20)    NOT NULL,
    side            VARCHAR(10)    NOT NULL,
    order_type      VARCHAR(10)    NOT NULL DEFAULT 'MARKET',
    price           NUMERIC(20, 8) NOT NULL,
    quantity        NUMERIC(20, 8) NOT NULL,
    fee             NUMERIC(20, 8) DEFAULT 0,
    status          VARCHAR(20)    NOT NULL,
    strategy_name   VARCHAR(50),
    signal_info     TEXT,
    created_at      TEXT,
    executed_at     TEXT
);

CREATE TABLE IF NOT EXISTS market_data (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    symbol       VARCHAR(20)    NOT NULL,
    interval     VARCHAR(10)    NOT NULL,
    open_price   NUMERIC(20, 8) NOT NULL,
    high_price   NUMERIC(20, 8) NOT NULL,
    low_price    NUMERIC(20, 8) NOT NULL,
    close_price  NUMERIC(20, 8) NOT NULL,
    volume       NUMERIC(20, 8) NOT NULL DEFAULT 0,
    "timestamp"  TEXT           NOT NULL
);
-- Named as CoinPilot names its constraint (SQLite has no named unique constraints).
CREATE UNIQUE INDEX IF NOT EXISTS uq_market_data_symbol_interval_ts
    ON market_data (symbol, interval, "timestamp");
