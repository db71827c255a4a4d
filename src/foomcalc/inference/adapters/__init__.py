"""One adapter per library whose internals foomcalc reaches: everything that depends on
more than a library's public, documented API sits in the library's module here, with a
version pin (the series its contract test ran on), a run-time contract check, and a
public path to fall back to when the check fails (`sampling.compile_model`).

- `pytensor_numba`: a compiled PyTensor function's numba function (`fn.vm.jit_fn`) and
  its rewritten graph (`fn.maker.fgraph`, pickled by `graph_cache`).
- `nutpie_pyfunc`: nutpie's Python-callback model (`nutpie.compiled_pyfunc.from_pyfunc`,
  not exported by nutpie), whose graphs `nutpie_model` builds as nutpie's own
  `compile_pymc._make_functions` does; its public fallback `nutpie.compile_pymc_model`.

tests/inference/test_adapters.py holds the contract tests; tests/test_structure.py
keeps private library names and these internals out of every other module.
"""


class ContractError(RuntimeError):
    """A library internal did not behave as its adapter expects (renamed, moved, another
    calling convention): the caller takes the public path instead."""
