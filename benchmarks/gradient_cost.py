"""Where the time per gradient goes (issue 13 part 4): the default model with the bundled
evidence, one process, warm PyTensor cache.

- `kernel`: PyTensor's compiled logp-and-gradient function called in a tight Python
  loop with positional data (the floor for any Python-callback route: numba dispatch of
  ~40 array arguments + the work);
- `callback`: the same through `CompiledModel.logp_and_grad` (the wrapper nutpie calls,
  float conversion, plus rebuilding the data tuple per call: an upper bound of it);
- `nutpie pyfunc`: wall time of `nutpie.sample` on the Python-callback model divided by
  the gradients it evaluated (sum of leapfrog steps, warm-up included);
- `nutpie numba`: the same with `nutpie.compile_pymc_model` (C callback, no Python).

    python benchmarks/gradient_cost.py
"""

from __future__ import annotations

import json
import time
import warnings


def _per_call(fn, x, n: int = 2000) -> float:
    fn(x)
    start = time.perf_counter()
    for _ in range(n):
        fn(x)
    return (time.perf_counter() - start) / n


def _per_gradient(compiled, seed: int = 1) -> tuple[float, int]:
    import nutpie

    start = time.perf_counter()
    trace = nutpie.sample(compiled, draws=1000, tune=1000, chains=4, cores=1, seed=seed,
                          save_warmup=True, progress_bar=False)
    seconds = time.perf_counter() - start
    steps = int(trace["warmup_sample_stats"]["n_steps"].sum()
                + trace["sample_stats"]["n_steps"].sum())
    return seconds / steps, steps


def gradient_cost() -> dict:
    import nutpie

    from foomcalc.evidence.files import bundled_evidence
    from foomcalc.inference.model import build_model
    from foomcalc.inference.sampling import compile_model
    from foomcalc.priors.files import load_preset

    warnings.filterwarnings("ignore")
    model = build_model(load_preset("default"), bundled_evidence())
    start = time.perf_counter()
    compiled = compile_model(model)
    compile_pyfunc = time.perf_counter() - start
    x = compiled.initial_point(1)
    data = compiled.data
    callback = compiled.logp_and_grad
    values = list(data.values())
    bare = _per_call(lambda v: compiled.kernel(v, *values), x)
    wrapped = _per_call(callback, x)
    pyfunc, steps_pyfunc = _per_gradient(compiled.nutpie)
    start = time.perf_counter()
    numba_model = nutpie.compile_pymc_model(model)
    compile_numba = time.perf_counter() - start
    numba_cost, steps_numba = _per_gradient(numba_model)
    return {
        "n_dim": int(x.size), "n_data": len(values),
        "kernel_us": bare * 1e6, "callback_us": wrapped * 1e6,
        "nutpie_pyfunc_us_per_gradient": pyfunc * 1e6, "steps_pyfunc": steps_pyfunc,
        "nutpie_numba_us_per_gradient": numba_cost * 1e6, "steps_numba": steps_numba,
        "compile_pyfunc_s": compile_pyfunc, "compile_numba_s": compile_numba,
    }


if __name__ == "__main__":
    print(json.dumps(gradient_cost(), indent=1))
