"""The benchmarks a table of problems gets (tests/benchmarks/models.py, apps.py):
per problem, a group with the forward function, s2sgrad's gradient and the
hand-written gradient. A test module binds what `three_ways` returns to its own
names, where pytest collects them."""

import pytest

import s2sgrad as sg


def three_ways(problems):
    """(problem fixture, test_forward, test_grad_s2sgrad, test_grad_hand) for `problems`."""

    @pytest.fixture(scope="module", params=sorted(problems))
    def problem(request):
        p = problems[request.param]
        args = p["inputs"]()
        df = sg.grad(p["forward"], wrt=p["wrt"])
        df(*args)  # the first call transforms and compiles: keep it out of the timing
        return request.param, p, args, df

    def test_forward(benchmark, problem):
        name, p, args, _ = problem
        benchmark.group = name
        benchmark(p["forward"], *args)

    def test_grad_s2sgrad(benchmark, problem):
        name, p, args, df = problem
        benchmark.group = name
        benchmark(df, *args)

    def test_grad_hand(benchmark, problem):
        name, p, args, _ = problem
        benchmark.group = name
        benchmark(p["hand"], *args)

    return problem, test_forward, test_grad_s2sgrad, test_grad_hand
