"""`make bench`: exitlens's hot paths timed against the designs they replace.

Every figure is a ratio (or a difference) measured in the same run against a baseline that
lives here, in bench/, written the way the original trading bot does the job. The table goes to
stdout, progress to stderr. See bench/README.md for the knobs and the measured numbers.
"""
