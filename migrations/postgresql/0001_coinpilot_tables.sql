-- CoinPilot's own tables, created only where they do not exist yet, as its deploy/db/init.sql
-- creates them, so the bot's collector and executor write into them unchanged.
CREATE TABLE IF NOT EXISTS trading_history (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    symbol          varchar(20)    NOT NULL,
    side            varchar(10)    NOT NULL,
    order_type      varchar(10)    NOT NULL DEFAULT 'MARKET',
    price           numeric(20, 8) NOT NULL,
    quantity        numeric(20, 8) NOT NULL,
    fee             numeric(20, 8) DEFAULT 0,
    status          varchar(20)    NOT NULL,
    strategy_name   varchar(50),
    signal_info     jsonb,
    created_at      timestamptz    DEFAULT now(),
    executed_at     timestamptz
);

CREATE TABLE IF NOT EXISTS market_data (
    id           bigserial,
    symbol       varchar(20)    NOT NULL,
    interval     varchar(10)    NOT NULL,
    open_price   numeric(20, 8) NOT NULL,
    high_price   numeric(20, 8) NOT NULL,
    low_price    numeric(20, 8) NOT NULL,
    close_price  numeric(20, 8) NOT NULL,
    volume       numeric(20, 8) NOT NULL DEFAULT 0,
    "timestamp"  timestamptz    NOT NULL,
    PRIMARY KEY ("timestamp", id),
    CONSTRAINT uq_market_data_symbol_interval_ts UNIQUE (symbol, interval, "timestamp")
);
