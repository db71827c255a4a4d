"""foomcalc: a Bayesian credence calculator for AI takeoff."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("foomcalc")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+unknown"
