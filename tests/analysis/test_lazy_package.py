"""``analysis`` exposes its names on first use (PEP 562), so importing it imports neither ``analysis.estate`` nor
``analysis.detail``; the engine imports scipy when a replay first needs it and computes the same with it."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import analysis
from analysis import detail, estate, params, types

ROOT = Path(__file__).resolve().parents[2]


def test_the_package_exposes_the_same_names_as_its_submodules() -> None:
    where = {
        "EstateAssessment": types,
        "ModelParams": params,
        "ParamsError": params,
        "ResourceDetail": types,
        "ResourceRow": types,
        "Totals": types,
        "assess_estate": estate,
        "assess_resource": detail,
    }
    assert sorted(analysis.__all__) == sorted(where)
    for name, module in where.items():
        assert getattr(analysis, name) is getattr(module, name)
        assert name in dir(analysis)
    from analysis import ModelParams, assess_estate  # the from-import form too

    assert ModelParams is params.ModelParams and assess_estate is estate.assess_estate
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        analysis.nothing_here


def test_the_package_and_the_engine_import_no_scipy_until_a_replay_needs_it() -> None:
    script = (
        "import sys\n"
        "import analysis\n"
        "assert 'analysis.detail' not in sys.modules and 'analysis.estate' not in sys.modules, 'the package'\n"
        "import replay.poisson, replay.durations\n"
        "assert 'scipy' not in sys.modules, 'scipy imported by the engine before a replay'\n"
        "import numpy as np\n"
        "from replay import poisson\n"
        "print(float(poisson.cdf(np.array([0.0]), np.array([1.0]))[0]), 'scipy' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    value, loaded = done.stdout.split()
    assert math.isclose(float(value), math.exp(-1.0), rel_tol=1e-12) and loaded == "True"  # P(N ≤ 0), N ~ Poisson(1)


def test_the_engine_computes_through_its_deferred_scipy() -> None:
    from replay import durations, poisson

    # log P(N = 2) for Poisson(3) by hand: 2 ln 3 − 3 − ln 2
    assert math.isclose(poisson.log_pmf(np.array([2.0]), np.array([3.0]))[0], 2 * math.log(3) - 3 - math.log(2))
    assert poisson.cdf(np.array([1.0]), np.array([2.0]))[0] == pytest.approx(3 * math.exp(-2.0), rel=1e-12)
    # E[ceil(D / 100) · 100] − E[D] for D lognormal (mean 150 ms, sigma 0.5), by hand: 100 · Σ_k P(D > 100 k) − 150
    mu = math.log(150.0) - 0.5**2 / 2
    survival = [1.0] + [0.5 * math.erfc((math.log(100.0 * k) - mu) / (0.5 * math.sqrt(2))) for k in range(1, 400)]
    by_hand = 100.0 * sum(survival) - 150.0
    got = durations.rounding_excess_ms(np.array([150.0]), np.array([0.5]), 100.0)[0]
    assert got == pytest.approx(by_hand, rel=1e-7) and 0 < got < 100  # (its sum stops at 6 sigma)
