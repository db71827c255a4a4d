"""The `foomcalc` command line (typer) and its progress lines."""
