"""Inference: the PyMC model, sampler coordinates, nutpie sampling and its
diagnostics, the compiled-graph cache, simulation-based calibration and the
standalone scaling-law fit. The only stage that imports PyMC, PyTensor or nutpie."""
