"""Application benchmarks (issue 14), each beside a careful hand-written gradient.

Written the way users write them: module-level constants read in helpers and
loops, a helper returning a tuple in the RK4 step, Python floats for scalar
models, ``np.roll`` for a periodic stencil, a ``while`` loop that runs until
converged.

``rk4``       damped oscillator, RK4 on Python floats, n = 1000 steps,
              gradient with respect to ``(k, c)``.
``black_scholes``  a book of 200 European calls priced on Python floats with
              ``math``; gradient with respect to ``(spot, vol, rate)``.
``lorenz96``  Lorenz-96 (N = 40), forward Euler written with ``np.roll``,
              200 steps; gradient with respect to ``(x0, forcing)``.
``gru``       GRU language model (T = 20, batch 16, vocabulary 30, hidden 48)
              with a softmax cross-entropy at every step; gradient with
              respect to all seven weight matrices.
``cnn``       a 2-D CNN (batch 32, 3 x 16 x 16 images, eight 3 x 3 filters)
              written with im2col, ReLU, a 2 x 2 max-pool and a dense softmax
              classifier; gradient with respect to the filters and the dense
              weights.
``newton``    elementwise Newton solve of ``x**3 + a*x = b`` (N = 1000) in a
              ``while`` loop until converged; gradient of ``sum(x**2)``
              with respect to ``(a, b)`` through the iterations.
"""

import math

import numpy as np

# ---------------------------------------------------------------------------
# RK4 on Python floats
# ---------------------------------------------------------------------------

DT = 0.01
MASS = 1.0


def rhs(x, v, k, c):
    a = (-k * x - c * v) / MASS
    return v, a


def rk4(k, c, x0, n):
    x, v = x0, 0.0
    for _ in range(n):
        k1x, k1v = rhs(x, v, k, c)
        k2x, k2v = rhs(x + DT / 2 * k1x, v + DT / 2 * k1v, k, c)
        k3x, k3v = rhs(x + DT / 2 * k2x, v + DT / 2 * k2v, k, c)
        k4x, k4v = rhs(x + DT * k3x, v + DT * k3v, k, c)
        x = x + DT / 6 * (k1x + 2 * k2x + 2 * k3x + k4x)
        v = v + DT / 6 * (k1v + 2 * k2v + 2 * k3v + k4v)
    return (x - 1.0) ** 2


def rk4_grad_hand(k, c, x0, n):
    """The step is linear in (x, v): x' = A(k, c) (x, v). The forward sweep keeps the
    states; the reverse sweep runs the stage adjoints backwards."""
    h, h2, h6 = DT, DT / 2, DT / 6
    xs, vs = [0.0] * n, [0.0] * n
    x, v = x0, 0.0
    for i in range(n):
        xs[i], vs[i] = x, v
        k1x, k1v = v, (-k * x - c * v) / MASS
        x2, v2 = x + h2 * k1x, v + h2 * k1v
        k2x, k2v = v2, (-k * x2 - c * v2) / MASS
        x3, v3 = x + h2 * k2x, v + h2 * k2v
        k3x, k3v = v3, (-k * x3 - c * v3) / MASS
        x4, v4 = x + h * k3x, v + h * k3v
        k4x, k4v = v4, (-k * x4 - c * v4) / MASS
        x = x + h6 * (k1x + 2 * k2x + 2 * k3x + k4x)
        v = v + h6 * (k1v + 2 * k2v + 2 * k3v + k4v)
    gx, gv, gk, gc = 2.0 * (x - 1.0), 0.0, 0.0, 0.0
    for i in range(n - 1, -1, -1):
        x, v = xs[i], vs[i]
        # recompute the stages of step i
        k1v = (-k * x - c * v) / MASS
        x2, v2 = x + h2 * v, v + h2 * k1v
        k2v = (-k * x2 - c * v2) / MASS
        x3, v3 = x + h2 * v2, v + h2 * k2v
        k3v = (-k * x3 - c * v3) / MASS
        x4, v4 = x + h * v3, v + h * k3v
        # x_new = x + h6 (k1x + 2 k2x + 2 k3x + k4x), v_new likewise
        gk1x, gk2x, gk3x, gk4x = h6 * gx, 2 * h6 * gx, 2 * h6 * gx, h6 * gx
        gk1v, gk2v, gk3v, gk4v = h6 * gv, 2 * h6 * gv, 2 * h6 * gv, h6 * gv
        gxo, gvo = gx, gv
        # stage 4: k4x = v4, k4v = (-k x4 - c v4) / MASS
        ga = gk4v / MASS
        gk, gc = gk - ga * x4, gc - ga * v4
        gx4, gv4 = -ga * k, -ga * c + gk4x
        gxo, gvo, gk3x, gk3v = gxo + gx4, gvo + gv4, gk3x + h * gx4, gk3v + h * gv4
        ga = gk3v / MASS
        gk, gc = gk - ga * x3, gc - ga * v3
        gx3, gv3 = -ga * k, -ga * c + gk3x
        gxo, gvo, gk2x, gk2v = gxo + gx3, gvo + gv3, gk2x + h2 * gx3, gk2v + h2 * gv3
        ga = gk2v / MASS
        gk, gc = gk - ga * x2, gc - ga * v2
        gx2, gv2 = -ga * k, -ga * c + gk2x
        gxo, gvo, gk1x, gk1v = gxo + gx2, gvo + gv2, gk1x + h2 * gx2, gk1v + h2 * gv2
        ga = gk1v / MASS
        gk, gc = gk - ga * x, gc - ga * v
        gx, gv = gxo - ga * k, gvo - ga * c + gk1x
    return gk, gc


def make_rk4_inputs(n=1000):
    return 4.0, 0.3, 0.5, n


# ---------------------------------------------------------------------------
# Black-Scholes on Python floats
# ---------------------------------------------------------------------------

MATURITY = 0.75
STRIKES = [60.0 + 0.4 * i for i in range(200)]


def norm_cdf(z):
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def call_price(spot, strike, vol, rate):
    sq = vol * math.sqrt(MATURITY)
    d1 = (math.log(spot / strike) + (rate + 0.5 * vol * vol) * MATURITY) / sq
    d2 = d1 - sq
    return spot * norm_cdf(d1) - strike * math.exp(-rate * MATURITY) * norm_cdf(d2)


def book_value(spot, vol, rate):
    total = 0.0
    for strike in STRIKES:
        total = total + call_price(spot, strike, vol, rate)
    return total


def book_value_grad_hand(spot, vol, rate):
    """Delta, vega and rho of the book, summed over strikes (closed forms)."""
    sq = vol * math.sqrt(MATURITY)
    disc = math.exp(-rate * MATURITY)
    drift = (rate + 0.5 * vol * vol) * MATURITY
    inv_root = 1.0 / math.sqrt(2.0 * math.pi)
    gs = gv = gr = 0.0
    for strike in STRIKES:
        d1 = (math.log(spot / strike) + drift) / sq
        d2 = d1 - sq
        n1 = 0.5 * (1.0 + math.erf(d1 / math.sqrt(2.0)))
        gs += n1
        gv += spot * math.exp(-0.5 * d1 * d1) * inv_root * math.sqrt(MATURITY)
        gr += strike * MATURITY * disc * 0.5 * (1.0 + math.erf(d2 / math.sqrt(2.0)))
    return gs, gv, gr


def book_value_grad_adjoint(spot, vol, rate):
    """The same gradient as a careful person's reverse sweep, one pass over the strikes:
    each call's price adds to the book, so its adjoint is 1 whatever the others do and
    the reverse of a strike can run right after its forward (no tape)."""
    root_t = math.sqrt(MATURITY)
    sq = vol * root_t
    drift = (rate + 0.5 * vol * vol) * MATURITY
    disc = math.exp(-rate * MATURITY)
    pdf = 1.0 / math.sqrt(2.0 * math.pi)
    root2 = math.sqrt(2.0)
    gspot = gsq = gdrift = gdisc = 0.0
    for strike in STRIKES:
        d1 = (math.log(spot / strike) + drift) / sq
        d2 = d1 - sq
        gspot += 0.5 * (1.0 + math.erf(d1 / root2))
        gdisc -= strike * 0.5 * (1.0 + math.erf(d2 / root2))
        gd2 = -strike * disc * pdf * math.exp(-0.5 * d2 * d2)
        gd1 = spot * pdf * math.exp(-0.5 * d1 * d1) + gd2
        gsq -= gd2 + gd1 * d1 / sq
        gdrift += gd1 / sq
        gspot += gd1 / sq / spot
    grate = gdrift * MATURITY - gdisc * MATURITY * disc
    gvol = gdrift * MATURITY * vol + gsq * root_t
    return gspot, gvol, grate


def make_black_scholes_inputs():
    return 100.0, 0.25, 0.03


# ---------------------------------------------------------------------------
# Lorenz-96 with np.roll
# ---------------------------------------------------------------------------

STEP = 0.005


def lorenz96(x0, forcing, n):
    x = x0
    for _ in range(n):
        dx = (np.roll(x, -1) - np.roll(x, 2)) * np.roll(x, 1) - x + forcing
        x = x + STEP * dx
    return np.sum(x**2)


def lorenz96_grad_hand(x0, forcing, n):
    xs = [x0]
    x = x0
    for _ in range(n):
        x = x + STEP * ((np.roll(x, -1) - np.roll(x, 2)) * np.roll(x, 1) - x + forcing)
        xs.append(x)
    gx = 2.0 * x
    gf = 0.0
    for i in range(n - 1, -1, -1):
        x = xs[i]
        gd = STEP * gx
        gf += gd.sum()
        xp, xm1, xm2 = np.roll(x, -1), np.roll(x, 1), np.roll(x, 2)
        a = gd * xm1
        # d/dx of (x[j+1] - x[j-2]) * x[j-1] - x[j]
        gx = gx - gd + np.roll(a, 1) - np.roll(a, -2) + np.roll(gd * (xp - xm2), -1)
    return gx, gf


def make_lorenz96_inputs(n_vars=40, n=200, seed=0):
    rng = np.random.default_rng(seed)
    return 8.0 + rng.standard_normal(n_vars), 8.0, n


# ---------------------------------------------------------------------------
# Newton until converged
# ---------------------------------------------------------------------------

TOL = 1e-10


def newton(a, b):
    x = b / (1.0 + a)
    r = x**3 + a * x - b
    while np.max(np.abs(r)) > TOL:
        x = x - r / (3.0 * x**2 + a)
        r = x**3 + a * x - b
    return np.sum(x**2)


def newton_grad_hand(a, b):
    """Through the iterations, as the unrolled loop: each step keeps x."""
    x = b / (1.0 + a)
    r = x**3 + a * x - b
    xs = []
    while np.max(np.abs(r)) > TOL:
        xs.append(x)
        x = x - r / (3.0 * x**2 + a)
        r = x**3 + a * x - b
    gx = 2.0 * x
    ga = np.zeros_like(a)
    gb = np.zeros_like(b)
    for x in reversed(xs):
        # x1 = x - r / d with r = x^3 + a x - b, d = 3 x^2 + a
        d = 3.0 * x * x + a
        r = x * x * x + a * x - b
        q = gx / d
        gr = -q
        gd = q * r / d
        ga += gr * x + gd
        gb -= gr
        gx = gx + gr * d + gd * 6.0 * x
    # x0 = b / (1 + a)
    inv = 1.0 / (1.0 + a)
    gb += gx * inv
    ga -= gx * b * inv * inv
    return ga, gb


def make_newton_inputs(n=1000, seed=0):
    rng = np.random.default_rng(seed)
    return 1.0 + rng.random(n), 2.0 * rng.standard_normal(n)


# ---------------------------------------------------------------------------
# GRU language model with a softmax in the loop
# ---------------------------------------------------------------------------


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def softmax(z):
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


def gru_lm(Wz, Uz, Wr, Ur, Wh, Uh, Wo, xs, ys):
    """xs: (T, B, V) one-hot inputs, ys: (T, B, V) one-hot next tokens."""
    h = np.zeros((xs.shape[1], Uz.shape[0]))
    loss = 0.0
    for t in range(xs.shape[0]):
        x = xs[t]
        z = sigmoid(x @ Wz + h @ Uz)
        r = sigmoid(x @ Wr + h @ Ur)
        c = np.tanh(x @ Wh + (r * h) @ Uh)
        h = (1.0 - z) * h + z * c
        p = softmax(h @ Wo)
        loss = loss - np.sum(ys[t] * np.log(p))
    return loss / (xs.shape[0] * xs.shape[1])


def gru_lm_grad_hand(Wz, Uz, Wr, Ur, Wh, Uh, Wo, xs, ys):
    T, B, _ = xs.shape
    H = Uz.shape[0]
    hs, zs, rs, cs, ps = [np.zeros((B, H))], [], [], [], []
    for t in range(T):
        x, h = xs[t], hs[-1]
        z = 1.0 / (1.0 + np.exp(-(x @ Wz + h @ Uz)))
        r = 1.0 / (1.0 + np.exp(-(x @ Wr + h @ Ur)))
        c = np.tanh(x @ Wh + (r * h) @ Uh)
        h = (1.0 - z) * h + z * c
        logits = h @ Wo
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        zs.append(z)
        rs.append(r)
        cs.append(c)
        ps.append(e / e.sum(axis=1, keepdims=True))
        hs.append(h)
    scale = 1.0 / (T * B)
    grads = [np.zeros_like(W) for W in (Wz, Uz, Wr, Ur, Wh, Uh, Wo)]
    gWz, gUz, gWr, gUr, gWh, gUh, gWo = grads
    gh = np.zeros((B, H))
    for t in range(T - 1, -1, -1):
        x, hp, h, z, r, c = xs[t], hs[t], hs[t + 1], zs[t], rs[t], cs[t]
        glog = scale * (ps[t] * ys[t].sum(axis=1, keepdims=True) - ys[t])  # softmax cross-entropy
        gWo += h.T @ glog
        gh = gh + glog @ Wo.T
        gz = gh * (c - hp) * z * (1.0 - z)
        gc = gh * z * (1.0 - c * c)
        ghp = gh * (1.0 - z)
        gWh += x.T @ gc
        gUh += (r * hp).T @ gc
        grh = gc @ Uh.T
        gr = grh * hp * r * (1.0 - r)
        ghp += grh * r
        gWr += x.T @ gr
        gUr += hp.T @ gr
        gWz += x.T @ gz
        gUz += hp.T @ gz
        gh = ghp + gr @ Ur.T + gz @ Uz.T
    return tuple(grads)


def make_gru_inputs(steps=20, batch=16, vocab=30, hidden=48, seed=0):
    rng = np.random.default_rng(seed)

    def w(rows, cols):
        return rng.standard_normal((rows, cols)) / np.sqrt(rows)

    tokens = rng.integers(0, vocab, size=(steps + 1, batch))
    onehot = np.eye(vocab)[tokens]
    weights = (
        w(vocab, hidden),
        w(hidden, hidden),
        w(vocab, hidden),
        w(hidden, hidden),
        w(vocab, hidden),
        w(hidden, hidden),
        w(hidden, vocab),
    )
    return weights + (onehot[:-1], onehot[1:])


# ---------------------------------------------------------------------------
# A 2-D CNN: im2col convolution, ReLU, 2x2 max-pool, dense softmax classifier
# ---------------------------------------------------------------------------

KERNEL = 3
POOL = 2


def im2col(x, k=KERNEL):
    """(B, C, H, W) images -> (B * oh * ow, C * k * k) patches, oh = H - k + 1."""
    b, c, h, w = x.shape
    oh, ow = h - k + 1, w - k + 1
    patches = [x[:, :, i : i + oh, j : j + ow] for i in range(k) for j in range(k)]
    cols = np.stack(patches, axis=-1)  # (B, C, oh, ow, k * k)
    return cols.transpose(0, 2, 3, 1, 4).reshape(b * oh * ow, c * k * k)


def cnn_loss(W, Wd, images, labels):
    """W: (C * k * k, F) filters, Wd: (F * ph * pw, classes); labels one-hot."""
    b, _, h, w = images.shape
    oh, ow = h - KERNEL + 1, w - KERNEL + 1
    conv = (im2col(images) @ W).reshape(b, oh, ow, W.shape[1])
    act = np.maximum(conv, 0.0)
    pooled = act.reshape(b, oh // POOL, POOL, ow // POOL, POOL, W.shape[1]).max(axis=(2, 4))
    logits = pooled.reshape(b, -1) @ Wd
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return -np.sum(labels * log_p) / b


def cnn_loss_grad_hand(W, Wd, images, labels):
    b, _, h, w = images.shape
    oh, ow, f = h - KERNEL + 1, w - KERNEL + 1, W.shape[1]
    cols = im2col(images)
    conv = (cols @ W).reshape(b, oh, ow, f)
    act = np.maximum(conv, 0.0)
    windows = act.reshape(b, oh // POOL, POOL, ow // POOL, POOL, f)
    pooled = windows.max(axis=(2, 4))
    flat = pooled.reshape(b, -1)
    logits = flat @ Wd
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    glogits = (p * labels.sum(axis=1, keepdims=True) - labels) / b
    gWd = flat.T @ glogits
    gpooled = (glogits @ Wd.T).reshape(pooled.shape)
    # (ties inside a window are ReLU zeros, which the ReLU mask below discards)
    hit = windows == pooled[:, :, None, :, None, :]
    gact = (hit * gpooled[:, :, None, :, None, :]).reshape(b, oh, ow, f)
    gconv = np.where(conv > 0.0, gact, 0.0).reshape(b * oh * ow, f)
    gW = cols.T @ gconv
    return gW, gWd


def make_cnn_inputs(batch=32, channels=3, size=16, filters=8, classes=10, seed=0):
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((channels * KERNEL * KERNEL, filters)) / KERNEL
    pooled = (size - KERNEL + 1) // POOL
    Wd = rng.standard_normal((filters * pooled * pooled, classes)) / np.sqrt(filters * pooled * pooled)
    images = rng.standard_normal((batch, channels, size, size))
    labels = np.eye(classes)[rng.integers(0, classes, size=batch)]
    return W, Wd, images, labels


PROBLEMS = {
    "rk4": dict(
        label="RK4 on floats, helper rhs, n=1000", forward=rk4, hand=rk4_grad_hand, inputs=make_rk4_inputs, wrt=(0, 1)
    ),
    "black_scholes": dict(
        label="Black-Scholes book of 200 calls on floats",
        forward=book_value,
        hand=book_value_grad_hand,
        adjoint=book_value_grad_adjoint,  # (a second reference: a hand-written reverse sweep)
        inputs=make_black_scholes_inputs,
        wrt=(0, 1, 2),
    ),
    "lorenz96": dict(
        label="Lorenz-96, N=40, 200 Euler steps, np.roll",
        forward=lorenz96,
        hand=lorenz96_grad_hand,
        inputs=make_lorenz96_inputs,
        wrt=(0, 1),
    ),
    "newton": dict(
        label="Newton while-until-converged, N=1000",
        forward=newton,
        hand=newton_grad_hand,
        inputs=make_newton_inputs,
        wrt=(0, 1),
    ),
    "gru": dict(
        label="GRU language model, T=20, B=16, V=30, H=48, softmax in the loop",
        forward=gru_lm,
        hand=gru_lm_grad_hand,
        inputs=make_gru_inputs,
        wrt=(0, 1, 2, 3, 4, 5, 6),
    ),
    "cnn": dict(
        label="2-D CNN: im2col, ReLU, 2x2 max-pool, softmax",
        forward=cnn_loss,
        hand=cnn_loss_grad_hand,
        inputs=make_cnn_inputs,
        wrt=(0, 1),
    ),
}
