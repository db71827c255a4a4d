"""The `foomcalc` command line (typer) and its sampling progress lines."""
