"""foomcalc: a Bayesian credence calculator for AI takeoff."""


def __getattr__(name: str) -> str:
    if name == "__version__":
        # looked up on first use: importlib.metadata costs ~0.1 s at every CLI start
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("foomcalc")
        except PackageNotFoundError:  # running from a source tree without install
            return "0.0.0+unknown"
    raise AttributeError(f"module 'foomcalc' has no attribute {name!r}")
