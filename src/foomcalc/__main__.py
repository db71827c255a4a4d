"""`python -m foomcalc` runs the command line."""

from foomcalc.cli.commands import main

main()
