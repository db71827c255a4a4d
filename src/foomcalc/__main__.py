"""`python -m foomcalc` runs the command line."""

from foomcalc.cli import app

app(prog_name="foomcalc")
