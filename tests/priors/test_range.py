"""Priors whose numbers leave the range foomcalc computes with are refused when the file is
read (before the sampler or JSON sees them), naming the field; the presets and ordinary
wide priors stay valid."""

from __future__ import annotations

import pytest

from foomcalc.errors import InputError
from foomcalc.priors.entry import MAX_MAGNITUDE, MIN_MAGNITUDE
from foomcalc.priors.files import list_presets, load_preset, priors_from_dict


def priors_with(name: str, entry: dict):
    return priors_from_dict({"name": "t", "description": "range", "base": "default",
                             "parameters": {name: {**entry, "source": "test"}}})


REFUSED = [
    # (parameter, entry, field named in the message)
    ("retrain_months", {"dist": "LogNormal", "mu": 1e308, "sigma": 1},
     "parameters.retrain_months"),
    ("retrain_months", {"quantiles": {10: 1e300, 50: 1e301, 90: 1e302}},
     "parameters.retrain_months.quantiles"),
    ("retrain_months", {"dist": "LogNormal", "mu": -800, "sigma": 1},
     "parameters.retrain_months"),
    ("retrain_months", {"value": 1e-300}, "parameters.retrain_months.value"),
    ("speedup", {"value": 1e300}, "parameters.speedup.value"),
    ("automation_year", {"dist": "Normal", "mu": 2e24, "sigma": 1},
     "parameters.automation_year.mu"),
    ("automation_year", {"dist": "StudentT", "mu": 2030, "sigma": 1, "nu": 0.01},
     "parameters.automation_year"),
    ("speedup", {"dist": "ShiftedLogNormal", "mu": -800, "sigma": 1},
     "parameters.speedup"),
    ("limit_ooms", {"dist": "LogUniform", "lower": 1, "upper": 1e25},
     "parameters.limit_ooms.upper"),
]


@pytest.mark.parametrize(("name", "entry", "field"), REFUSED,
                         ids=[f"{n}-{i}" for i, (n, _, _) in enumerate(REFUSED)])
def test_out_of_range_numbers_are_refused(name, entry, field):
    with pytest.raises(InputError) as exc:
        priors_with(name, entry)
    text = str(exc.value)
    assert field in text and "range foomcalc computes with" in text, text
    assert "Traceback" not in text


@pytest.mark.parametrize(("name", "entry"), [
    ("limit_ooms", {"dist": "LogUniform", "lower": 1e-3, "upper": 1e11}),
    ("limit_ooms", {"dist": "LogUniform", "lower": 1e-20, "upper": 10}),
    ("retrain_months", {"quantiles": {10: MIN_MAGNITUDE, 90: MAX_MAGNITUDE}}),
    ("speedup", {"value": MAX_MAGNITUDE}),
    ("retrain_months", {"value": MIN_MAGNITUDE}),
    ("instant_jump_ooms", {"value": 0}),
    ("p_rsi_feasible", {"dist": "Beta", "alpha": 0.05, "beta": 1}),
    ("retrain_months", {"quantiles": {10: 1e-6, 90: 1e6}}),
])
def test_wide_but_representable_priors_are_kept(name, entry):
    priors_with(name, entry)


def test_just_beyond_the_limits_is_refused():
    with pytest.raises(InputError, match="range foomcalc computes with"):
        priors_with("speedup", {"value": MAX_MAGNITUDE * 1.01})
    with pytest.raises(InputError, match="range foomcalc computes with"):
        priors_with("retrain_months", {"value": MIN_MAGNITUDE * 0.99})


def test_every_preset_is_in_range():
    for name, _ in list_presets():
        load_preset(name)


@pytest.mark.parametrize(("name", "value"), [("substitution_elasticity", 0),
                                             ("software_doubling_months", 0.0),
                                             ("compute_share", 1)])
def test_fixed_values_on_a_bound_the_model_excludes_are_refused(name, value):
    """Found by the app-link harness: these passed validation and then stopped the
    simulator (ValueError after sampling in a report; a blank answer in the app)."""
    with pytest.raises(InputError, match=f"parameters.{name}.value: .* is a bound the model"):
        priors_with(name, {"value": value})


@pytest.mark.parametrize(("name", "value"), [("compute_share", 0), ("instant_jump_ooms", 0),
                                             ("p_rsi_feasible", 1)])
def test_closed_bounds_the_model_takes_stay_valid(name, value):
    priors_with(name, {"value": value})
