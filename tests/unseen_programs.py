"""Application programs written the way scientists and ML engineers write them, in
styles and domains the other corpora do not cover (masked attention, LSTM, unrolled
Adam, Gaussian processes through Cholesky and SciPy, FEM assembly, Kalman filtering
with a dataclass, RK4 over a tuple state read from a module dict, Monte Carlo with a
fixed draw, callable model objects, function arguments, partials, ...). The rows
and their checks are in test_corpus_unseen.py."""

import functools  # noqa: F401  (rows build partials of these programs)
import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import scipy.linalg
import scipy.special
import scipy.stats

EPS = 1e-5
LAM = 0.1
LO, HI = -2.0, 2.0
CFL = 0.4
CONST = {"g": 9.81, "drag": 0.3, "dt": 0.05}
KNOTS = np.array([0.0, 0.5, 1.0, 1.5, 2.0])


def masked_attention(q, k, v, mask):
    d = q.shape[-1]
    scores = q @ k.T / np.sqrt(d)
    scores = np.where(mask, scores, -np.inf)
    scores = scores - scores.max(axis=-1, keepdims=True)
    w = np.exp(scores)
    w = w / w.sum(axis=-1, keepdims=True)
    return np.sum((w @ v) ** 2)


def lstm(params, xs, h0, c0):
    Wf, Wi, Wo, Wc = params
    h, c = h0, c0
    for t in range(xs.shape[0]):
        z = np.concatenate([xs[t], h])
        f = 1 / (1 + np.exp(-(Wf @ z)))
        i = 1 / (1 + np.exp(-(Wi @ z)))
        o = 1 / (1 + np.exp(-(Wo @ z)))
        c = f * c + i * np.tanh(Wc @ z)
        h = o * np.tanh(c)
    return np.sum(h**2)


def norms(x, gamma, beta):
    mu = x.mean(axis=0)
    var = x.var(axis=0)
    xb = (x - mu) / np.sqrt(var + EPS)
    y = gamma * xb + beta
    m = y.mean(axis=-1, keepdims=True)
    s = y.std(axis=-1, keepdims=True)
    y = (y - m) / (s + EPS)
    return np.sum(np.maximum(0, y) ** 2)


def adam_unrolled(w0, X, y, steps=5, lr=0.05):
    w = w0.copy()
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    b1, b2 = 0.9, 0.999
    for t in range(1, steps + 1):
        r = X @ w - y
        g = 2 * X.T @ r / len(y)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        mhat = m / (1 - b1**t)
        vhat = v / (1 - b2**t)
        w = w - lr * mhat / (np.sqrt(vhat) + 1e-8)
    return np.mean((X @ w - y) ** 2)


def momentum(w, X, y, n_steps):
    vel = 0.0 * w
    for _ in range(n_steps):
        g = X.T @ (np.tanh(X @ w) - y)
        vel = 0.9 * vel - 0.1 * g
        w = w + vel
    return float(np.sum((np.tanh(X @ w) - y) ** 2))


def gp_loglik(log_ls, X, y):
    ls = np.exp(log_ls)
    d = X[:, None, :] - X[None, :, :]
    K = np.exp(-0.5 * np.sum(d**2, axis=-1) / ls**2) + 1e-2 * np.eye(len(X))
    L = np.linalg.cholesky(K)
    alpha = np.linalg.solve(L.T, np.linalg.solve(L, y))
    return -0.5 * y @ alpha - np.sum(np.log(np.diag(L)))


def gp_scipy(log_ls, X, y):
    ls = np.exp(log_ls)
    sq = np.sum(X**2, 1)[:, None] + np.sum(X**2, 1)[None, :] - 2 * X @ X.T
    K = np.exp(-sq / (2 * ls**2)) + 0.1 * np.eye(X.shape[0])
    L = scipy.linalg.cholesky(K, lower=True)
    z = scipy.linalg.solve_triangular(L, y, lower=True)
    a = scipy.linalg.cho_solve((L, True), y)
    return 0.5 * z @ z + 0.1 * a.sum() + np.log(np.diag(L)).sum()


def logreg(w, X, y):
    z = X @ w
    ll = y * scipy.special.log_expit(z) + (1 - y) * scipy.special.log_expit(-z)
    p = scipy.special.expit(z)
    return -ll.mean() + LAM * w @ w + 0.01 * np.sum(p)


def particles(x, q):
    d = x[:, None, :] - x[None, :, :]
    r = np.linalg.norm(d + 1e-9, axis=-1) + np.eye(len(x))
    E = q[:, None] * q[None, :] / r
    return 0.5 * (E.sum() - np.trace(E))


def piecewise_interp(vals, xs):
    y = np.interp(xs, KNOTS, vals)
    idx = np.searchsorted(KNOTS, xs) - 1
    idx = np.clip(idx, 0, len(KNOTS) - 2)
    slope = (vals[idx + 1] - vals[idx]) / (KNOTS[idx + 1] - KNOTS[idx])
    return np.sum(y**2) + np.sum(slope**2)


def select_models(x, a):
    y = np.select([x < -1, x > 1], [a * x**2, np.sin(a * x)], default=a * x)
    return np.sum(y) + np.sum(np.where(x < 0, -x, x**2) * a)


def piecewise_lambdas(x, a):
    z = np.piecewise(x, [x < 0, x >= 0], [lambda t: -t, lambda t: t**2])
    return np.sum(z * a)


def hazard(log_rates, times, events):
    rates = np.exp(log_rates)
    H = np.cumsum(rates) * 0.1
    return -np.sum(events * np.log(rates)) + np.sum(H[times])


def fem_1d(k, f):
    n = len(k)
    K = np.zeros((n + 1, n + 1))
    for i in range(n):
        ke = k[i] * np.array([[1.0, -1.0], [-1.0, 1.0]])
        K[i : i + 2, i : i + 2] += ke
    K = K[1:, 1:]
    u = np.linalg.solve(K, f)
    return f @ u


def advection_2d(u0, vel, n_steps):
    u = u0
    for _ in range(n_steps):
        dudx = u - np.roll(u, 1, axis=0)
        dudy = u - np.roll(u, 1, axis=1)
        u = u - CFL * vel * (dudx + dudy)
    return np.sum(u**2)


@dataclass
class KalmanConfig:
    F: np.ndarray
    H: np.ndarray
    Q: float = 0.1
    R: float = 0.5

    def predict(self, m, P):
        return self.F @ m, self.F @ P @ self.F.T + self.Q * np.eye(len(m))

    def update(self, m, P, z):
        S = self.H @ P @ self.H.T + self.R
        K = P @ self.H.T / S
        return m + K * (z - self.H @ m), P - np.outer(K, self.H @ P)


KCFG = KalmanConfig(F=np.array([[1.0, 0.1], [0.0, 1.0]]), H=np.array([1.0, 0.0]))


def kalman(m0, zs):
    m, P = m0, np.eye(2)
    nll = 0.0
    for z in zs:
        m, P = KCFG.predict(m, P)
        S = KCFG.H @ P @ KCFG.H + KCFG.R
        nll = nll + 0.5 * (z - KCFG.H @ m) ** 2 / S + 0.5 * np.log(S)
        m, P = KCFG.update(m, P, z)
    return nll


def _rhs(y, t, p):
    pos, vel = y
    return vel, -CONST["g"] * np.sin(pos) - p * CONST["drag"] * vel


def ode_fit(p, target):
    y = (0.5, 0.0)
    t = 0.0
    h = CONST["dt"]
    for _ in range(10):
        k1 = _rhs(y, t, p)
        k2 = _rhs((y[0] + h / 2 * k1[0], y[1] + h / 2 * k1[1]), t + h / 2, p)
        k3 = _rhs((y[0] + h / 2 * k2[0], y[1] + h / 2 * k2[1]), t + h / 2, p)
        k4 = _rhs((y[0] + h * k3[0], y[1] + h * k3[1]), t + h, p)
        y = tuple(y[j] + h / 6 * (k1[j] + 2 * k2[j] + 2 * k3[j] + k4[j]) for j in range(2))
        t += h
    return (y[0] - target) ** 2


Z = np.random.default_rng(0).standard_normal(200)


def mc_price(S0, sigma, r=0.01, K=1.0, T=1.0):
    ST = S0 * np.exp((r - 0.5 * sigma**2) * T + sigma * math.sqrt(T) * Z)
    payoff = np.maximum(ST - K, 0)
    return math.exp(-r * T) * payoff.mean()


def loss_aux(w, X, y):
    pred = X @ w
    loss = np.mean((pred - y) ** 2)
    return loss, {"pred": pred, "n": len(y)}


def dense_model(w, x, act, scale):
    return scale * np.sum(act(x @ w))


class Params(NamedTuple):
    a: np.ndarray
    b: float


def nt_replace(p, x):
    for i in range(3):
        p = p._replace(a=p.a * 0.9 + 0.1 * x, b=p.b + np.sum(p.a) * 0.01)
    return np.sum(p.a**2) + p.b**2


class Model:
    def __init__(self, W):
        self.W = W

    def __call__(self, x):
        return np.tanh(x @ self.W)


MODEL = Model(np.linspace(-1.0, 1.0, 6).reshape(3, 2))


def model_argument(model, X):
    return np.sum(model(X) ** 2) + np.sum(MODEL(X))


def model_made_inside(W, X):
    model = Model(W)
    return np.sum(model(X) ** 2)


def activation_argument(w, X, act, n_layers):
    h = X
    for _ in range(n_layers):
        h = act(h @ w)
    return np.mean(h**2)


def dict_params(params, x):
    h = np.maximum(0, x @ params["W1"] + params["b1"])
    out = h @ params["W2"]
    return np.sum(out**2) + 0.01 * sum(np.sum(v**2) for v in params.values())


def early_exit(x, n_iter):
    s = 0.0
    for i in range(n_iter):
        s = s + np.sum(np.sin(x * i))
        if s > 3.0:
            return s
    return s * 2


def while_tol(a, tol=1e-10):
    x = 1.0
    err = 1.0
    while err > tol:
        x_new = 0.5 * (x + a / x)
        err = abs(x_new - x)
        x = x_new
    return x


def batched(A, B, x):
    C = np.einsum("bij,bjk->bik", A, B)
    v = (x.T @ C.reshape(6, -1)).reshape(-1)
    return np.sum(np.linalg.norm(C, axis=1)) + np.sum(v**2)


def concat_loop(x):
    out = np.zeros(0)
    for i in range(3):
        out = np.concatenate([out, np.clip(x * i, LO, HI)])
    return np.sum(out**2)


def scalar_math(a, b):
    s = 0.0
    for k in range(1, 6):
        s += math.exp(-a * k) * math.cos(b * k) + math.log1p(a * a * k) + math.atan2(b, k)
    return s + math.hypot(a, b)


DT = 0.02
GAMMA = 0.5
BETA_SIR = {"beta": 0.3, "gamma": 0.1}
EDGES = np.array([[0, 1], [1, 2], [2, 3], [3, 0], [0, 2]])
REST = 1.0
TEMP = 0.5
DROP = np.random.default_rng(3).random((5, 4)) > 0.3


def masked_fill_attention(q, k, lengths):
    scores = q @ k.T
    mask = np.arange(k.shape[0])[None, :] >= lengths[:, None]
    scores[mask] = -1e9
    p = np.exp(scores - scores.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    return np.sum(p * scores * (~mask))


def gmm_loglik(means, log_sd, logits, X):
    sd = np.exp(log_sd)
    d = ((X[:, None, :] - means[None]) ** 2).sum(-1)
    logp = -0.5 * d / sd**2 - X.shape[1] * np.log(sd) + scipy.special.log_softmax(logits)
    return -scipy.special.logsumexp(logp, axis=1).sum()


def poisson_reg(w, X, y):
    eta = X @ w
    return np.sum(np.exp(eta) - y * eta + scipy.special.gammaln(y + 1))


def spring_network(x, k):
    d = x[EDGES[:, 0]] - x[EDGES[:, 1]]
    length = np.linalg.norm(d, axis=1)
    return 0.5 * np.sum(k * (length - REST) ** 2)


def dict_state_rk(x0, v0, omega, n_steps):
    state = {"x": x0, "v": v0}
    for _ in range(n_steps):
        a = -(omega**2) * np.sin(state["x"])
        state["v"] = state["v"] + DT * a
        state["x"] = state["x"] + DT * state["v"]
    return np.sum(state["x"] ** 2) + np.sum(state["v"])


def heat_dirichlet(u0, alpha, n_steps):
    u = u0.copy()
    for _ in range(n_steps):
        lap = u[2:] - 2 * u[1:-1] + u[:-2]
        u[1:-1] = u[1:-1] + alpha * lap
        u[0] = 0.0
        u[-1] = 0.0
    return np.sum(u**2)


def blr_evidence(log_alpha, X, y):
    alpha = np.exp(log_alpha)
    n, d = X.shape
    A = alpha * np.eye(d) + X.T @ X
    sign, logdet = np.linalg.slogdet(A)
    m = np.linalg.solve(A, X.T @ y)
    return 0.5 * logdet - 0.5 * d * log_alpha + 0.5 * np.sum((y - X @ m) ** 2) + 0.5 * alpha * m @ m


def black_scholes(S, sigma, K=1.0, r=0.02, T=0.5):
    d1 = (np.log(S / K) + (r + sigma**2 / 2) * T) / (sigma * np.sqrt(T))
    d2 = d1 - sigma * np.sqrt(T)
    return np.sum(S * scipy.stats.norm.cdf(d1) - K * np.exp(-r * T) * scipy.stats.norm.cdf(d2))


def reinforce(theta, states, actions, returns):
    logits = states @ theta
    logp = logits - scipy.special.logsumexp(logits, axis=1, keepdims=True)
    chosen = np.take_along_axis(logp, actions[:, None], axis=1)[:, 0]
    return -np.mean(chosen * (returns - returns.mean()))


def sir(beta, I0, n_days):
    S, I, R = 1.0 - I0, I0, 0.0  # noqa: E741
    traj = []
    for day in range(n_days):
        new_inf = beta * S * I
        new_rec = BETA_SIR["gamma"] * I
        S, I, R = S - new_inf, I + new_inf - new_rec, R + new_rec  # noqa: E741
        traj.append(np.array([S, I, R]))
    traj = np.stack(traj)
    return np.sum(traj[:, 1] ** 2)


def mesh_area(verts, tris):
    a = verts[tris[:, 1]] - verts[tris[:, 0]]
    b = verts[tris[:, 2]] - verts[tris[:, 0]]
    area = 0.5 * np.linalg.norm(np.cross(a, b), axis=1)
    return np.sum((area - 0.5) ** 2)


def robot_arm(theta, lengths, target):
    angles = np.cumsum(theta)
    x = np.sum(lengths * np.cos(angles))
    y = np.sum(lengths * np.sin(angles))
    return (x - target[0]) ** 2 + (y - target[1]) ** 2


def newton_vector(a, tol=1e-12):
    x = np.ones_like(a)
    dx = np.ones_like(a)
    while np.max(np.abs(dx)) > tol:
        dx = (x**3 - a) / (3 * x**2)
        x = x - dx
    return np.sum(x)


def label_smoothing(W, X, y, eps=0.1):
    logits = X @ W
    k = logits.shape[1]
    target = np.eye(k)[y] * (1 - eps) + eps / k
    logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    return -(target * logp).sum(1).mean()


def enumerate_zip_layers(Ws, bs, x):
    h = x
    for i, (W, b) in enumerate(zip(Ws, bs)):
        h = h @ W + b
        if i < len(Ws) - 1:
            h = np.maximum(h, 0.0)
    return np.sum(h**2)


def pca_energy(X):
    C = X.T @ X / len(X)
    vals, vecs = np.linalg.eigh(C)
    return vals[-1] + np.sum(vecs[:, -1] ** 4)


def quantile_loss(pred, y, taus):
    r = y[:, None] - pred
    return np.mean(np.maximum(taus * r, (taus - 1) * r)) + np.sum(np.sort(pred, axis=1)[:, -1])


def signal_smooth(x, kernel):
    y = np.convolve(x, kernel, mode="same")
    dy = np.diff(y)
    g = np.gradient(y)
    return np.sum(dy**2) + np.trapezoid(y**2, dx=0.1) + np.sum(g**2)


def soft_kmeans(C, X):
    d = ((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=-1)
    r = np.exp(-(d - d.min(axis=1, keepdims=True)) / TEMP)
    r = r / r.sum(axis=1, keepdims=True)
    return np.sum(r * d)


def dropout_mlp(W1, W2, X):
    h = np.maximum(0, X @ W1) * DROP / 0.7
    return np.mean((h @ W2) ** 2)


def grad_clip_sgd(w, X, y, lr, n_steps, max_norm=1.0):
    for _ in range(n_steps):
        g = X.T @ (X @ w - y)
        norm = np.sqrt(np.sum(g**2))
        g = g * min(1.0, max_norm / (norm + 1e-12))
        w = w - lr * g
    return np.sum((X @ w - y) ** 2)


def running_batchnorm(x, gamma, n_batches):
    running = np.zeros(x.shape[1])
    out = 0.0
    for b in range(n_batches):
        xb = x[b::n_batches]
        mu = xb.mean(axis=0)
        running *= 0.9
        running += 0.1 * mu
        out = out + np.sum(gamma * (xb - mu) / np.sqrt(xb.var(axis=0) + 1e-5))
    return out + np.sum(running**2)


def windowed_conv(x, w):  # (no rule: refused)
    win = np.lib.stride_tricks.sliding_window_view(x, len(w))
    return np.sum(np.tanh(win @ w) ** 2)


def td_value(w, feats, rewards):
    v = feats @ w
    target = rewards[:-1] + GAMMA * v[1:]
    delta = target - v[:-1]
    return 0.5 * np.sum(delta**2)


def attention_loop(q, K, V, n_steps):
    h = q
    for t in range(n_steps):
        s = K @ h
        s = np.where(np.arange(len(s)) <= t, s, -np.inf)
        p = np.exp(s - np.max(s))
        p = p / p.sum()
        h = np.tanh(V.T @ p + h)
    return np.sum(h)


LR = 0.1
BOUNDS = (-1.5, 1.5)
SCALE = {"a": 2.0, "b": 0.5}


def sgd_dict_inplace(p, X, y, n_steps):
    p = {k: v.copy() for k, v in p.items()}
    for _ in range(n_steps):
        r = X @ p["w"] + p["b"] - y
        p["w"] -= LR * X.T @ r / len(y)
        p["b"] -= LR * r.mean()
    return np.sum((X @ p["w"] + p["b"] - y) ** 2)


def swap_loop(a, b, n):
    for _ in range(n):
        a, b = b, a + 0.5 * np.sin(b)
    return np.sum(a * b)


def mask_scale(x):
    x = x.copy()
    x[x > 0] *= 2.0
    x[x < -0.5] = 0.0
    return np.sum(x**3)


class RNNCell:
    def __init__(self, W, U):
        self.W, self.U = W, U
        self.h = None

    def step(self, x):
        h = np.zeros(self.U.shape[0]) if self.h is None else self.h
        self.h = np.tanh(self.W @ x + self.U @ h)
        return self.h


def stateful_cell(cell, xs):  # (self.h = ... : refused)
    total = 0.0
    for x in xs:
        total = total + np.sum(cell.step(x))
    return total


def while_true_break(x):
    y = x
    k = 0
    while True:
        y = 0.5 * (y + np.cos(y))
        k += 1
        if k >= 6:
            break
    return np.sum(y)


def try_except(x):  # (a try statement has no derivative: refused)
    try:
        v = np.log(x)
    except FloatingPointError:
        v = x
    return np.sum(v**2)


def clipped_state(x, n):
    lo, hi = BOUNDS
    for i in range(n):
        x = np.clip(x + 0.3 * np.sin(x * i), lo, hi)
    return np.sum(x**2)


def kw_helper(x, *, scale=SCALE["a"], shift=0.0):
    return scale * np.tanh(x) + shift


def uses_kw(x, s):
    return np.sum(kw_helper(x, shift=s) + kw_helper(scale=SCALE["b"], x=x * s))


def list_of_arrays_grow(x, n):
    hs = [x]
    for i in range(n):
        hs.append(np.tanh(hs[-1] + hs[0] * 0.1))
    return sum(np.sum(h) for h in hs[1:]) + np.sum(np.stack(hs) ** 2)


def math_scalar_loop(theta, n):
    s = 0.0
    x = theta
    for k in range(n):
        x = x - 0.1 * (math.sin(x) + math.tanh(x) * math.sqrt(1 + x * x))
        s += math.erf(x) + math.log1p(x * x) / math.cosh(x)
    return s + math.copysign(1.0, theta) * x**2


def reduce_axes_chain(X):
    Y = X.reshape(2, 3, -1)
    Z = Y.transpose(1, 0, 2).sum(axis=(1,), keepdims=True)
    return np.sum(np.squeeze(Z) ** 2) + X.max() - X.min() + np.ptp(X, axis=0).sum()


def cross_entropy_ints(logits, y):
    n = logits.shape[0]
    shifted = logits - logits.max(1)[:, None]
    lse = np.log(np.exp(shifted).sum(1))
    return np.mean(lse - shifted[range(n), y])


def scipy_special_mix(x, a):
    soft = np.logaddexp(0, x)
    rest = scipy.special.xlogy(a, x * x + 1) + scipy.special.erf(a * x)
    return np.sum(soft) + np.sum(rest + scipy.special.logit(0.25 + 0.5 * scipy.special.expit(x)))


def math_gamma(x):  # (no rule for math.gamma: refused)
    return math.gamma(1.5 + x * x)


def inplace_arg_copy(w, X):
    w = w.copy()
    w /= np.linalg.norm(w)
    out = X @ w
    out -= out.mean()
    out **= 2
    return out.sum()


def outer_loop_early_return(A, x, tol):
    for i in range(10):
        x_new = np.tanh(A @ x)
        if np.linalg.norm(x_new - x) < tol:
            return np.sum(x_new)
        x = x_new
    return np.sum(x) * 1.0


# -- neighbours of what the programs above found -------------------------------------------------
def const_tuple_branch(p, c):
    y = (0.5, 0.0) if c > 0 else (p, p)
    for _ in range(2):
        a, b = y
        y = (a + p * b, b - p * a)
    return y[0] * p + y[1]


def const_dict_while(p):
    s = {"a": 1.0, "b": 2.0}
    k = 0
    while k < 3:
        s = {"a": s["a"] * p, "b": s["b"] + s["a"]}
        k += 1
    return s["a"] + s["b"]


def keywords_that_move(x, lo, vals):
    y = np.clip(x, a_min=lo, a_max=HI)
    z = np.interp(x, KNOTS, fp=vals)
    return np.sum(y**2) + np.sum(z) + np.sum(np.select([x > 0], [x], default=lo * x))


def callable_in_helper(x, act=np.tanh):
    return np.sum(list(act(v) for v in (x, 2 * x))[1])


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


# -- more programs: preallocated outputs, rotations, polynomials, seeded draws, in-place solvers ----------
SPIN = np.array([0.0, 0.0, 1.0])
N_SAMPLES = 50
K_SPRING = 2.0
STEP = 0.1


def prealloc_loop(w, xs):
    out = np.empty(len(xs))
    for i, x in enumerate(xs):
        out[i] = np.tanh(x @ w)
    return np.sum(out ** 2)


def zeros_like_columns(X, a):
    out = np.zeros_like(X)
    for t in range(X.shape[1]):
        out[:, t] = a * X[:, t] + (out[:, t - 1] if t > 0 else 0.0)
    return np.sum(out ** 2)


def list_of_scalars(theta, ts):
    vals = [math.sin(theta * t) + theta ** 2 for t in ts]
    v = np.array(vals)
    return float(np.sum(v * v))


def rotation(theta, p):
    c, s = np.cos(theta), np.sin(theta)
    R = np.array([[c, -s], [s, c]])
    q = R @ p
    return np.sum(q ** 3)


def polyfit_loss(coeffs, x, y):
    return np.mean((np.polyval(coeffs, x) - y) ** 2)


def vander_ls(x, y):
    V = np.vander(x, 3)
    beta = np.linalg.solve(V.T @ V + 0.1 * np.eye(3), V.T @ y)
    return np.sum(beta ** 2)


def rng_inside(mu, sigma):
    rng = np.random.default_rng(42)
    z = rng.standard_normal(N_SAMPLES)
    x = mu + sigma * z
    return np.mean(np.maximum(x, 0.0))


def assert_and_shape(x, W):
    assert x.ndim == 2, "batch expected"
    if x.ndim == 1:
        x = x[None]
    n = x.shape[0]
    h = x @ W
    return np.sum(h ** 2) / n


def rigid_body(r, v, n_steps):
    for _ in range(n_steps):
        a = np.cross(SPIN, v) - 0.1 * r
        v = v + 0.05 * a
        r = r + 0.05 * v
    return np.sum(r ** 2)


def genexpr_zip_sum(ws, xs):
    return np.sum(sum(w * x for w, x in zip(ws, xs)) ** 2)


def backwards_range(xs, w):
    h = 0.0
    for t in range(len(xs) - 1, -1, -1):
        h = np.tanh(w * h + xs[t])
    return h


def chained_assign(x):
    a = b = np.zeros(3)
    a = a + x
    b = b + 2 * x
    return np.sum(a * b)


def einsum4d(Q, K):
    s = np.einsum('bhqd,bhkd->bhqk', Q, K) / math.sqrt(Q.shape[-1])
    s = s - s.max(axis=-1, keepdims=True)
    p = np.exp(s)
    p /= p.sum(-1, keepdims=True)
    return np.sum(p * s)


def flatten_ravel(X):
    return np.sum(X.flatten() ** 2) + np.sum(np.atleast_2d(X.ravel()[:3]) ** 3) + np.logaddexp.reduce(X.ravel())


def block_matrix(A, B):
    M = np.block([[A, B], [B.T, np.eye(2)]])
    return np.linalg.slogdet(M + 5 * np.eye(4))[1]


def meshgrid_field(a, b):
    xs = np.linspace(-1, 1, 4)
    X, Y = np.meshgrid(xs * a, xs * b)
    return np.sum(np.exp(-(X ** 2 + Y ** 2)))


def item_float_branch(x):
    s = float(np.sum(x))
    if s > 0:
        y = x * s
    else:
        y = x / (1 + s * s)
    return max(0.0, float(np.sum(y))) + x.sum().item()


def print_inside(x):
    y = np.sin(x)
    print("debug", y.shape)
    return np.sum(y)


def isotonic_cdf(x):
    s = np.sort(x)
    c = np.cumsum(s) / np.arange(1, len(x) + 1)
    return np.sum(c ** 2) + np.prod(s[:3])


def gru_class_params(params, xs):
    h = np.zeros(params["Uz"].shape[0])
    for x in xs:
        z = 1 / (1 + np.exp(-(params["Wz"] @ x + params["Uz"] @ h)))
        hh = np.tanh(params["Wh"] @ x + params["Uh"] @ (z * h))
        h = (1 - z) * h + z * hh
    return np.sum(h)


def verlet_inplace(x0, v0, n_steps):
    x = x0.copy()
    v = v0.copy()
    a = -K_SPRING * x
    for _ in range(n_steps):
        x += STEP * v + 0.5 * STEP ** 2 * a
        a_new = -K_SPRING * x - 0.1 * v
        v += 0.5 * STEP * (a + a_new)
        a = a_new
    return np.sum(x ** 2) + np.sum(v ** 2)


def jacobi_inplace(b, n_iter):
    x = np.zeros_like(b)
    for _ in range(n_iter):
        x_old = x.copy()
        x[1:-1] = 0.5 * (x_old[:-2] + x_old[2:] + b[1:-1])
    return np.sum(x ** 2)


def gauss_seidel_inplace(b, n_sweeps):
    x = np.zeros_like(b)
    for _ in range(n_sweeps):
        for i in range(1, len(b) - 1):
            x[i] = 0.5 * (x[i - 1] + x[i + 1] + b[i])
    return np.sum(x ** 2)


def history_list(x0, w, n_steps):
    xs = [x0]
    for t in range(n_steps):
        xs.append(np.tanh(w * xs[-1]) + 0.1 * xs[max(t - 1, 0)])
    X = np.array(xs)
    return np.sum(X[1:] * X[:-1])


def adagrad_dict(p, X, y, n_steps):
    cache = {k: np.zeros_like(v) for k, v in p.items()}
    for _ in range(n_steps):
        r = X @ p["w"] + p["b"] - y
        grads = {"w": X.T @ r, "b": np.sum(r, keepdims=True)}
        for k in p:
            cache[k] = cache[k] + grads[k] ** 2
            p = {**p, k: p[k] - 0.1 * grads[k] / np.sqrt(cache[k] + 1e-8)}
    return np.sum((X @ p["w"] + p["b"] - y) ** 2)


def leaky_branchy(x, alpha):
    out = x.copy()
    neg = out < 0
    out[neg] = alpha * out[neg]
    if np.mean(out) > 0:
        out = out * 2
    else:
        out -= 1.0
    return np.sum(out ** 2)


def normalize_rows_inplace(X):
    Y = X.copy()
    Y /= np.linalg.norm(Y, axis=1, keepdims=True)
    Y -= Y.mean(axis=0)
    return np.sum(Y ** 3)


def cumulative_reward(rewards, gamma):
    G = np.zeros_like(rewards)
    running = 0.0
    for t in reversed(range(len(rewards))):
        running = rewards[t] + gamma * running
        G[t] = running
    return np.sum(G ** 2)


def bounded_newton(x, a, max_iter=20):
    for it in range(max_iter):
        f = x ** 3 - a
        if abs(f) < 1e-12:
            break
        x = x - f / (3 * x ** 2)
    return x


def state_tuple_helper(params, y0, n):
    def step(state, p):
        pos, vel = state
        acc = -p["k"] * pos - p["c"] * vel
        return pos + STEP * vel, vel + STEP * acc
    state = (y0, 0.0 * y0)
    for _ in range(n):
        state = step(state, params)
    return np.sum(state[0] ** 2)


def view_write_through(x):
    y = x.copy()
    row = y[0]
    row *= 2.0
    y[1] += row
    return np.sum(y ** 2)


def swap_rows(A):
    B = A.copy()
    B[[0, 1]] = B[[1, 0]]
    return np.sum(B * np.arange(B.size).reshape(B.shape))


class Dense:
    def __init__(self, W, act):
        self.W, self.act = W, act

    def __call__(self, x):
        return self.act(x @ self.W)


class TwoLayer:
    def __init__(self):
        self.first = Dense(np.linspace(-1.0, 1.0, 9).reshape(3, 3), np.tanh)
        self.second = Dense(np.linspace(0.5, -0.5, 6).reshape(3, 2), sigmoid)

    def __call__(self, x):
        return self.second(self.first(x))


NET = TwoLayer()


def module_network(x, y):
    return np.sum((NET(x) - y) ** 2) + np.sum(NET.first.act(x))


# -- statistics, linear algebra, convolution, schedules -----------------------------------------------------
PRIOR = {"mu": 0.0, "sd": 2.0}


def bayes_logpost(theta, x):
    mu, log_sd = theta[0], theta[1]
    lp = scipy.stats.norm.logpdf(mu, PRIOR["mu"], PRIOR["sd"]) + scipy.stats.norm.logpdf(log_sd, 0, 1)
    ll = np.sum(scipy.stats.norm.logpdf(x, loc=mu, scale=np.exp(log_sd)))
    return -(lp + ll)


def spectral(A):
    return np.linalg.norm(A, ord=2) + np.linalg.norm(A, "fro") + np.linalg.norm(A, ord="nuc")


def lstsq_resid(A, b):
    x, *_ = np.linalg.lstsq(A, b, rcond=None)
    return np.sum((A @ x - b) ** 2) + np.sum(x ** 2)


def argmax_pick(W, X):
    s = X @ W
    best = np.argmax(s, axis=1)
    return np.sum(s[np.arange(len(best)), best]) + np.exp(s).mean(axis=(0, 1))


def dirichlet_ll(alpha, p):
    return np.sum(scipy.special.gammaln(alpha)) - scipy.special.gammaln(np.sum(alpha)) - np.sum((alpha - 1) * np.log(p))


def student_t(nu, x):
    return -np.sum(scipy.stats.t.logpdf(x, df=nu))


def conv2d_valid(img, k):
    H, W = img.shape
    kh, kw = k.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(img[i:i + kh, j:j + kw] * k)
    return np.sum(np.maximum(out, 0) ** 2)


def kl_gauss(mu, logvar):
    return 0.5 * np.sum(np.exp(logvar) + mu ** 2 - 1.0 - logvar)


def cosine_schedule(w, X, y, n_steps):
    for t in range(n_steps):
        lr = 0.5 * 0.1 * (1 + np.cos(np.pi * t / n_steps))
        w = w - lr * X.T @ (X @ w - y)
    return np.sum((X @ w - y) ** 2)


def triplet(a, p, n, margin=0.5):
    dp = np.sum((a - p) ** 2, axis=1)
    dn = np.sum((a - n) ** 2, axis=1)
    return np.mean(np.maximum(dp - dn + margin, 0.0))
