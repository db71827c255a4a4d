"""One analysis (priors + evidence -> prior and posterior draws -> outcomes), the
result file, reweighting a saved result, and sensitivity numbers."""
