"""`python -m foomcalc` runs the command line."""

from foomcalc.cli import main

main()
