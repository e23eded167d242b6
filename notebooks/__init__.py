"""The report notebooks, shipped inside the exitlens wheel as exitlens.notebooks."""
