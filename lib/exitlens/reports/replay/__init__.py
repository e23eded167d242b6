"""Exit replay at the reports layer (SPEC §6), one module per job: `service` (reads the candles
once, builds the kernel's arrays, calls core, returns a typed result), `text` (the command's text
table, English and Korean) and `views` (the notebook-facing tables and paragraphs)."""
