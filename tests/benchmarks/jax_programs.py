"""JAX versions of the benchmark workloads, for the JAX columns of docs/engines.md and
docs/performance.md (`report_jax.py` times them). Needs JAX (`pip install s2sgrad[bench-jax]`,
in its own environment: JAX pins NumPy); float64 throughout (`jax_enable_x64`).

Each program is written as a JAX user writes it: loops over time as `lax.fori_loop`
(a Python loop would be unrolled into the traced program), a data-dependent `while` as
`lax.while_loop`, branches as `jnp.where`. JAX cannot reverse-differentiate
`lax.while_loop` (a trip count it does not know before it runs): those programs are
differentiated in forward mode (`jax.jacfwd`, one JVP per input), where that is
affordable, and `GRADS` says so.

`GRADS[name]` -> (the JAX gradient function before `jax.jit`, static argument numbers,
how it is differentiated), for the names of jit_programs.PROGRAMS and of the
application benchmarks (apps.PROBLEMS, models.PROBLEMS).
"""

import jax
import jax.numpy as jnp
from jax import lax
from jax.scipy.special import erf

jax.config.update("jax_enable_x64", True)

DT = 0.01
TOL = 1e-12


# -- the jit benchmarks (jit_programs.py) --------------------------------------------------


def rk4_spring(k, c, x0, n):
    def rhs(x, v):
        return v, -k * x - c * v

    def step(_, state):
        x, v = state
        k1x, k1v = rhs(x, v)
        k2x, k2v = rhs(x + 0.5 * DT * k1x, v + 0.5 * DT * k1v)
        k3x, k3v = rhs(x + 0.5 * DT * k2x, v + 0.5 * DT * k2v)
        k4x, k4v = rhs(x + DT * k3x, v + DT * k3v)
        return (x + DT / 6.0 * (k1x + 2.0 * k2x + 2.0 * k3x + k4x), v + DT / 6.0 * (k1v + 2.0 * k2v + 2.0 * k3v + k4v))

    x, v = lax.fori_loop(0, n, step, (x0, 0.0))
    return (x - 1.0) ** 2 + v**2


def implicit_cubic(k, y0, n):
    def newton(state):
        y, y_old, r = state
        y = y - r / (1.0 + 3.0 * DT * k * y * y)
        return y, y_old, y - y_old + DT * k * y**3

    def step(_, state):
        y, total = state
        y, _, _ = lax.while_loop(lambda s: jnp.abs(s[2]) > TOL, newton, (y, y, DT * k * y**3))
        return y, total + y

    return lax.fori_loop(0, n, step, (y0, 0.0))[1]


def grid_diffusion(u, kappa, steps):
    """The element loop as written (an inner fori_loop of single-element updates)."""
    n = u.shape[0]

    def step(_, u):
        def element(i, new):
            return new.at[i].set(u[i] + kappa * (u[i - 1] - 2.0 * u[i] + u[i + 1]))

        return lax.fori_loop(1, n - 1, element, jnp.zeros(n))

    u = lax.fori_loop(0, steps, step, u)
    return jnp.sum(u * u)


def grid_diffusion_vectorised(u, kappa, steps):
    """The same update on slices: what a JAX user would write instead of the element loop."""

    def step(_, u):
        return jnp.zeros_like(u).at[1:-1].set(u[1:-1] + kappa * (u[:-2] - 2.0 * u[1:-1] + u[2:]))

    u = lax.fori_loop(0, steps, step, u)
    return jnp.sum(u * u)


# -- the application benchmarks (apps.py, models.py) --------------------------------------


def simulate(k, c, x0, n):
    def step(_, state):
        x, v = state
        a = -k * x - c * v
        a = jnp.where(jnp.abs(a) > 10.0, 10.0 * jnp.sign(a), a)
        v = v + 0.01 * a
        return x + 0.01 * v, v

    x, _ = lax.fori_loop(0, n, step, (x0, 0.0))
    return (x - 1.0) ** 2


def mlp_loss(W1, b1, W2, b2, X, Y):
    h = jnp.maximum(X @ W1 + b1, 0.0)
    z = h @ W2 + b2
    z = z - jnp.max(z, axis=1, keepdims=True)
    logp = z - jnp.log(jnp.sum(jnp.exp(z), axis=1, keepdims=True))
    return -jnp.sum(Y * logp) / X.shape[0]


def rnn_loss(Wx, Wh, b, Wy, xs, ys):
    def step(h, x):
        return jnp.tanh(x @ Wx + h @ Wh + b), None

    h, _ = lax.scan(step, jnp.zeros((xs.shape[1], Wh.shape[0])), xs)
    return jnp.mean((h @ Wy - ys) ** 2)


APP_DT, MASS = 0.01, 1.0


def rk4(k, c, x0, n):
    def rhs(x, v):
        return v, (-k * x - c * v) / MASS

    def step(_, state):
        x, v = state
        k1x, k1v = rhs(x, v)
        k2x, k2v = rhs(x + APP_DT / 2 * k1x, v + APP_DT / 2 * k1v)
        k3x, k3v = rhs(x + APP_DT / 2 * k2x, v + APP_DT / 2 * k2v)
        k4x, k4v = rhs(x + APP_DT * k3x, v + APP_DT * k3v)
        x = x + APP_DT / 6 * (k1x + 2 * k2x + 2 * k3x + k4x)
        return x, v + APP_DT / 6 * (k1v + 2 * k2v + 2 * k3v + k4v)

    x, _ = lax.fori_loop(0, n, step, (x0, 0.0))
    return (x - 1.0) ** 2


MATURITY = 0.75
STRIKES = jnp.array([60.0 + 0.4 * i for i in range(200)])


def book_value(spot, vol, rate):
    """Vectorised over the strikes (a Python loop over 200 strikes would be unrolled)."""
    sq = vol * jnp.sqrt(MATURITY)
    d1 = (jnp.log(spot / STRIKES) + (rate + 0.5 * vol * vol) * MATURITY) / sq
    d2 = d1 - sq

    def cdf(z):
        return 0.5 * (1.0 + erf(z / jnp.sqrt(2.0)))

    return jnp.sum(spot * cdf(d1) - STRIKES * jnp.exp(-rate * MATURITY) * cdf(d2))


STEP = 0.005


def lorenz96(x0, forcing, n):
    def step(_, x):
        dx = (jnp.roll(x, -1) - jnp.roll(x, 2)) * jnp.roll(x, 1) - x + forcing
        return x + STEP * dx

    return jnp.sum(lax.fori_loop(0, n, step, x0) ** 2)


NEWTON_TOL = 1e-10


def newton(a, b):
    def body(x):
        return x - (x**3 + a * x - b) / (3.0 * x**2 + a)

    def more(x):
        return jnp.max(jnp.abs(x**3 + a * x - b)) > NEWTON_TOL

    x = lax.while_loop(more, body, b / (1.0 + a))
    return jnp.sum(x**2)


def gru_lm(Wz, Uz, Wr, Ur, Wh, Uh, Wo, xs, ys):
    def sigmoid(x):
        return 1.0 / (1.0 + jnp.exp(-x))

    def step(carry, xy):
        h, loss = carry
        x, y = xy
        z = sigmoid(x @ Wz + h @ Uz)
        r = sigmoid(x @ Wr + h @ Ur)
        c = jnp.tanh(x @ Wh + (r * h) @ Uh)
        h = (1.0 - z) * h + z * c
        logits = h @ Wo
        e = jnp.exp(logits - jnp.max(logits, axis=1, keepdims=True))
        p = e / jnp.sum(e, axis=1, keepdims=True)
        return (h, loss - jnp.sum(y * jnp.log(p))), None

    (h, loss), _ = lax.scan(step, (jnp.zeros((xs.shape[1], Uz.shape[0])), 0.0), (xs, ys))
    return loss / (xs.shape[0] * xs.shape[1])


def _reverse(f, wrt, static=()):
    return jax.grad(f, argnums=wrt), static, "jax.grad"


def _forward(f, wrt, static=()):
    return jax.jacfwd(f, argnums=wrt), static, "jax.jacfwd (reverse mode refuses lax.while_loop)"


GRADS = {
    "rk4_spring": _reverse(rk4_spring, (0, 1), (3,)),
    "implicit_cubic": _forward(implicit_cubic, (0, 1), (2,)),
    "grid_diffusion": _reverse(grid_diffusion, (0, 1), (2,)),
    "grid_diffusion_vectorised": _reverse(grid_diffusion_vectorised, (0, 1), (2,)),
    "simulate": _reverse(simulate, (0, 1), (3,)),
    "mlp": _reverse(mlp_loss, (0, 1, 2, 3)),
    "rnn": _reverse(rnn_loss, (0, 1, 2, 3)),
    "rk4": _reverse(rk4, (0, 1), (3,)),
    "black_scholes": _reverse(book_value, (0, 1, 2)),
    "lorenz96": _reverse(lorenz96, (0, 1), (2,)),
    "newton": _forward(newton, (0, 1)),
    "gru": _reverse(gru_lm, (0, 1, 2, 3, 4, 5, 6)),
}
VARIANTS = {"grid_diffusion": "grid_diffusion_vectorised"}  # (also timed, beside the program as written)
REVERSE_ONLY = {"implicit_cubic": implicit_cubic, "newton": newton}  # (jax.grad is tried and refused)
