"""The takeoff simulator: parameters in internal units, the compiled kernel, the
capability-gap routes, successor training and per-draw outcomes. Knows nothing of PyMC."""
