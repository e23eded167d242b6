-- What the tracker remembers between runs: the `now` of its latest run, so a routine run
-- looks only at sells whose points can still change, and an expired point is counted once.
CREATE TABLE IF NOT EXISTS exitlens_tracker_state (
    tracker   varchar(50) PRIMARY KEY,
    last_now  timestamptz NOT NULL
);
