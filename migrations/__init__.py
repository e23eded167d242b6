"""Plain SQL migrations per dialect, shipped inside the exitlens wheel as exitlens.migrations."""
