"""A red-team corpus of machine-learning code, written the way users write plain NumPy.

Each function below is a small, realistic piece of ML / statistics code: losses
(MSE, cross-entropy with a stable log-softmax, hinge, Huber, logistic), MLPs over
a list or dict of parameters, layer and batch norm, attention, 1-D convolution,
RNN / GRU cells, embeddings, einsum / tensordot, Gaussian log-likelihoods with
solve / inv / det / slogdet, sorting and argmax-based selection, reductions over
axes, float32 and integer inputs, scalar Python float arguments.

``GRADS`` rows are compared with central finite differences in float64 through
``sg.grad`` and ``sg.value_and_grad`` (every leaf of a dict / list / tuple
argument); ``VJPS`` rows have array results and go through ``sg.vjp`` with a
random cotangent. ``REFUSED`` rows are code that s2sgrad cannot differentiate:
each must raise ``S2SGradError`` with the message pinned here, never return a
number. The finite differences evaluate every function on fresh copies of its
arguments, because some of them write into an argument (``np.add.at``).
"""
import copy
import math

import numpy as np
import pytest

import s2sgrad as sg
from s2sgrad import trees
from tests.numeric import assert_close, numeric_grad

def mse(w, X, y):
    pred = X @ w
    return np.mean((pred - y) ** 2)


def log_softmax_xent(W, X, y):
    logits = X @ W
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.mean(logp[np.arange(X.shape[0]), y])


def xent_onehot(W, X, y):
    logits = X @ W
    n, k = logits.shape
    Y = np.eye(k)[y]
    m = np.max(logits, axis=1, keepdims=True)
    lse = m + np.log(np.exp(logits - m).sum(axis=-1, keepdims=True))
    return -np.sum(Y * (logits - lse)) / n


def hinge(w, X, y):
    margins = 1.0 - y * (X @ w)
    return np.mean(np.maximum(0.0, margins)) + 0.01 * np.sum(w ** 2)


def huber(r, delta):
    a = np.abs(r)
    return np.sum(np.where(a <= delta, 0.5 * r ** 2, delta * (a - 0.5 * delta)))


def logistic(w, X, y):
    z = X @ w
    return np.mean(np.logaddexp(0.0, -y * z))


def mlp_list(params, x):
    h = x
    for i, (W, b) in enumerate(params):
        h = h @ W + b
        if i < len(params) - 1:
            h = np.tanh(h)
    return np.sum(h ** 2)


def mlp_dict(p, x):
    h = np.maximum(x @ p["W1"] + p["b1"], 0.0)
    out = h @ p["W2"] + p["b2"]
    reg = sum(np.sum(v ** 2) for v in p.values())
    return np.mean(out ** 2) + 1e-3 * reg


def layer_norm(x, g, b):
    mu = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    y = (x - mu) / np.sqrt(var + 1e-5) * g + b
    return np.sum(y * np.arange(y.size).reshape(y.shape))


def batch_norm(x, gamma, beta):
    mu = np.mean(x, axis=0)
    sd = np.std(x, axis=0)
    xh = (x - mu) / (sd + 1e-5)
    out = gamma * xh + beta
    return np.sum(np.sin(out))


def attention(q, k, v):
    d = q.shape[-1]
    s = q @ k.T / np.sqrt(d)
    s = s - s.max(axis=-1, keepdims=True)
    a = np.exp(s)
    a = a / a.sum(axis=-1, keepdims=True)
    return np.sum((a @ v) ** 2)


def conv1d_loop(x, w):
    n, k = len(x), len(w)
    out = np.zeros(n - k + 1)
    for i in range(n - k + 1):
        out[i] = np.sum(x[i:i + k] * w)
    return np.sum(out ** 2)


def conv1d_slices(x, w):
    k = w.shape[0]
    n = x.shape[0] - k + 1
    out = sum(w[j] * x[j:j + n] for j in range(k))
    return np.sum(np.tanh(out))


def rnn(Wx, Wh, xs, h0):
    hs = [h0]
    for t in range(xs.shape[0]):
        hs.append(np.tanh(Wx @ xs[t] + Wh @ hs[-1]))
    H = np.stack(hs[1:])
    return np.sum(H ** 2)


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def gru(p, xs):
    h = np.zeros(p["Uz"].shape[0])
    for x in xs:
        z = sigmoid(p["Wz"] @ x + p["Uz"] @ h)
        r = sigmoid(p["Wr"] @ x + p["Ur"] @ h)
        hh = np.tanh(p["Wh"] @ x + p["Uh"] @ (r * h))
        h = (1 - z) * h + z * hh
    return np.sum(h)


def embed(E, idx, w):
    e = E[idx]
    pooled = e.mean(axis=0)
    return np.dot(pooled, w)


def einsum_bilinear(A, x, y):
    return np.einsum("i,ij,j->", x, A, y) + np.einsum("ij,ij->", A, A)


def einsum_batch(A, B):
    C = np.einsum("bij,bjk->bik", A, B)
    return np.sum(np.einsum("bii->b", C) ** 2)


def tensordot_fn(A, B):
    return np.sum(np.tensordot(A, B, axes=([1, 2], [0, 1])) ** 2)


def gauss_loglik(mu, L, X):
    S = L @ L.T + np.eye(L.shape[0])
    d = X - mu
    sign, logdet = np.linalg.slogdet(S)
    sol = np.linalg.solve(S, d.T)
    n = X.shape[0]
    return -0.5 * (np.sum(d.T * sol) + n * logdet + n * S.shape[0] * np.log(2 * np.pi))


def inv_det(A):
    return np.sum(np.linalg.inv(A)) + np.log(np.abs(np.linalg.det(A)))


def topk_select(x, w):
    s = np.sort(x)
    j = np.argmax(x @ w)
    return np.sum(s[-2:]) + 2.0 * np.sum(x[j])


def maxmin_axis(x):
    return np.sum(np.max(x, axis=0)) - np.sum(np.min(x, axis=1)) + np.prod(x[0])


def mean_multi(x):
    return np.mean(x, axis=(0, 1)).sum() + np.var(x) + np.std(x, axis=(0, 2)).sum()


def elementwise(x, p):
    a = np.sqrt(np.abs(x) + 1.0)
    b = np.power(np.abs(x) + 1.0, p) + (np.abs(x) + 1.0) ** 2.5
    c = np.log1p(x ** 2) + np.expm1(0.1 * x)
    return np.sum(a * b + c)


def stacking(a, b):
    s = np.stack([a, b], axis=0)
    c = np.concatenate([a, b], axis=1)
    h = np.hstack([a, b])
    return np.sum(s ** 2) + np.sum(c * h) + np.sum(np.vstack([a, b])[1])


def reshaping(x):
    y = x.reshape(2, 3, 2).transpose(1, 0, 2)
    z = np.swapaxes(y, 0, 2)
    return np.sum(z * np.arange(z.size).reshape(z.shape)) + (x.T @ x).sum(axis=-1).sum()


def bias_broadcast(W, b, X):
    return np.sum(np.tanh(X @ W + b[None, :]) ** 2) + np.sum((X @ W).T + b[:, None])


def f32_loss(w, X):
    return np.sum((X @ w) ** 2)


def int_arg(w, n):
    return np.sum(w ** n) * n


def scalar_args(w, lam, temp):
    return np.sum(np.exp(w / temp)) + lam * np.sum(w ** 2)


def softplus_kl(mu, logvar):
    return -0.5 * np.sum(1 + logvar - mu ** 2 - np.exp(logvar))


def cosine_sim(a, b):
    na = np.linalg.norm(a, axis=1, keepdims=True)
    nb = np.linalg.norm(b, axis=1, keepdims=True)
    return np.sum((a / na) * (b / nb))


def dropout_mask(x, mask):
    return np.sum((x * mask / 0.5) ** 2)


def ridge_closed(X, y, lam):
    A = X.T @ X + lam * np.eye(X.shape[1])
    w = np.linalg.solve(A, X.T @ y)
    return np.sum((X @ w - y) ** 2)


def softmax_vec(z):
    e = np.exp(z - np.max(z))
    p = e / e.sum()
    return p


def mlp_array_out(W, x):
    return np.tanh(x @ W)


def clip_grad_norm(g):
    n = np.sqrt(np.sum(g ** 2))
    scale = np.minimum(1.0, 1.0 / n)
    return np.sum(g * scale)


def max_pool(x):
    r = x.reshape(-1, 2)
    return np.sum(r.max(axis=1) ** 2)


def argmax_accuracy_weighted(W, X, y):
    logits = X @ W
    pred = np.argmax(logits, axis=1)
    correct = (pred == y).astype(float)
    return np.sum(correct * logits.max(axis=1))


def relu(z):
    return np.maximum(z, 0)


ACTS = {"relu": relu, "tanh": np.tanh}


def take_along(W, X, y):
    z = X @ W
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return -np.take_along_axis(logp, y[:, None], axis=1).mean()


def bce_clip(w, X, y):
    p = 1.0 / (1.0 + np.exp(-(X @ w)))
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def leaky(x):
    return np.sum(np.where(x > 0, x, 0.01 * x) ** 2)


def causal_attn(q, k):
    n, d = q.shape
    s = q @ k.T / math.sqrt(d)
    mask = np.triu(np.ones((n, n)), k=1) * -1e9
    s = s + mask
    a = np.exp(s - s.max(axis=1, keepdims=True))
    a /= a.sum(axis=1, keepdims=True)
    return np.sum(a * np.arange(n * n).reshape(n, n))


def tril_param(P, x):
    L = np.tril(P)
    return np.sum((L @ x) ** 2) + np.sum(np.log(np.abs(np.diag(L))))


def chol_logdet(A):
    S = A @ A.T + 3.0 * np.eye(A.shape[0])
    L = np.linalg.cholesky(S)
    return 2.0 * np.sum(np.log(np.diag(L))) + np.trace(S)


def rbf_kernel(X, ls):
    diff = X[:, None, :] - X[None, :, :]
    D = np.sum(diff ** 2, axis=-1)
    K = np.exp(-D / (2 * ls ** 2))
    return np.sum(K * np.eye(X.shape[0])[::-1]) + np.sum(K)


def unrolled_gd(w, X, y, lr):
    for _ in range(5):
        w = w - lr * (X.T @ (X @ w - y)) / X.shape[0]
    return np.sum((X @ w - y) ** 2)


def bidir_rnn(W, xs):
    h = np.zeros(W.shape[0])
    outs = []
    for t in reversed(range(len(xs))):
        h = np.tanh(W @ h + xs[t])
        outs.append(h)
    return np.sum(np.array(outs) * np.arange(len(outs))[:, None])


def backward_range(W, xs):
    h = np.zeros(W.shape[0])
    for t in range(len(xs) - 1, -1, -1):
        h = np.tanh(W @ h + xs[t])
    return np.sum(h)


def zip_layers(Ws, bs, x):
    h = x
    for W, b in zip(Ws, bs):
        h = relu(h @ W + b)
    return np.sum(h)


def act_lookup(W, x):
    f = ACTS["tanh"]
    return np.sum(f(x @ W))


def lambda_act(W, x):
    act = lambda z: z / (1.0 + np.abs(z))
    return np.sum(act(x @ W) ** 2)


def nested_def(W, x):
    def layer(h):
        return np.tanh(h @ W)
    return np.sum(layer(layer(x)))


def tile_repeat(x):
    t = np.tile(x, (2, 1))
    r = np.repeat(x, 2, axis=0)
    return np.sum(t * np.arange(t.size).reshape(t.shape)) + np.sum(r ** 2 * np.arange(r.size).reshape(r.shape))


def roll_fn(x):
    return np.sum(x * np.roll(x, 1)) + np.sum(np.roll(x, -2) * np.arange(x.size))


def argsort_index(x):
    order = np.argsort(x)
    return np.sum(x[order] * np.arange(x.size))


def sort_axis(x):
    s = np.sort(x, axis=0)
    return np.sum(s * np.arange(s.size).reshape(s.shape))


def var_ddof(x):
    return np.sum(np.var(x, axis=0, ddof=1)) + x.std(ddof=1) + np.mean(x, axis=(0, 1), keepdims=True).sum()


def norms(W, x):
    return np.linalg.norm(W) + np.linalg.norm(W, "fro") + np.sum(np.linalg.norm(x, ord=2, axis=1)) + np.abs(x).max()


def scatter_add(E, idx, g):
    out = np.zeros((3, E.shape[1]))
    for i in range(len(idx)):
        out[idx[i]] += E[i] * g
    return np.sum(out ** 2)


def add_at(E, idx):
    out = np.zeros((3, E.shape[1]))
    np.add.at(out, idx, E)
    return np.sum(out ** 2)


def matmul_broadcast(A, W):
    return np.sum(np.matmul(A, W) ** 2) + np.sum(A @ W[None])


def einsum_implicit(A, B, C):
    return np.sum(np.einsum("ij,jk", A, B) ** 2) + np.einsum("...ij,...jk->...ik", C, C).sum()


def tensordot_int(A, B, v):
    return np.sum(np.tensordot(A, B, axes=1)) + np.sum(np.tensordot(v, v, axes=0))


def square_recip(x):
    return np.sum(np.square(x) + np.reciprocal(x ** 2 + 1.0) + np.sign(x) * x)


def gaussian_quad(mu, S, x):
    d = x - mu
    return np.exp(-0.5 * d @ np.linalg.inv(S) @ d) / np.sqrt(np.linalg.det(2 * np.pi * S))


def lstsq_fn(A, b):
    x = np.linalg.lstsq(A, b, rcond=None)[0]
    return np.sum(x ** 2)


def pinv_fn(A):
    return np.sum(np.linalg.pinv(A) ** 2)


def median_fn(x):
    return np.median(x)


def tuple_params(params, x):
    W, b = params
    return np.sum((x @ W + b) ** 2)


def nested_dict_layers(p, x):
    h = x
    for layer in p["layers"]:
        h = np.tanh(h @ layer["W"] + layer["b"])
    return np.sum(h)


def early_return(x, thresh):
    n = np.sum(x ** 2)
    if n > thresh:
        return np.sqrt(n)
    return n


def zeros_like_fill(x):
    out = np.zeros_like(x)
    for i in range(x.shape[0]):
        out[i] = x[i] * (i + 1)
    return np.sum(out ** 2)


def split_fn(x):
    a, b = np.split(x, 2, axis=1)
    return np.sum(a * b) + np.sum(np.array_split(x, 3)[0])


def prod_zero(x):
    return np.sum(x.prod(axis=0)) + np.prod(x)


def neg_step(x):
    return np.sum(x[:, ::-1] * np.arange(x.size).reshape(x.shape)) + np.sum(x[::-2])


def logsumexp_keep(x):
    m = x.max(axis=-1, keepdims=True)
    return np.sum(m.squeeze(-1) + np.log(np.exp(x - m).sum(axis=-1)))


def outer_diag(a, b):
    return np.sum(np.outer(a, b) ** 2) + np.sum(np.diag(np.outer(a, a)))


def astype_input(w, Xi):
    X = Xi.astype(np.float64)
    return np.sum((X @ w) ** 2)


def batch_det(A):
    return np.sum(np.linalg.det(A))


def maxpool2d(x):
    n, m = x.shape
    r = x.reshape(n // 2, 2, m // 2, 2)
    return np.sum(r.max(axis=(1, 3)) ** 2)


def np_float_scalar(w):
    return np.float64(0.5) * np.sum(w ** 2) + np.float32(2.0) * np.sum(w)


def mask_set(x):
    h = x.copy()
    h[h < 0] = 0.0
    return np.sum(h ** 2)


def std_eps(x):
    mu = x.mean(0)
    sd = np.sqrt(((x - mu) ** 2).mean(0) + 1e-8)
    return np.sum((x - mu) / sd * np.arange(x.size).reshape(x.shape))


def out_stmt(x):
    buf = np.zeros_like(x)
    np.exp(x, out=buf)
    return np.sum(buf)


def out_self(x, y):
    z = x * 1.0
    np.multiply(z, y, out=z)
    return np.sum(z ** 2)


def out_assign(x):
    buf = np.empty_like(x)
    z = np.tanh(x, out=buf)
    return np.sum(z * buf)


def max_at(x, idx):
    out = np.zeros(3)
    np.maximum.at(out, idx, x)
    return np.sum(out)


def ufunc_reduce(x):
    return np.add.reduce(x ** 2, axis=0).sum() + np.multiply.outer(x[0], x[1]).sum()


def ufunc_accumulate(x):
    return np.sum(np.maximum.accumulate(x))


def sum_out(x):
    buf = np.zeros(())
    np.sum(x ** 2, out=buf)
    return buf * 1.0


def fill_diag(A):
    B = A.copy()
    np.fill_diagonal(B, 0.0)
    return np.sum(B ** 2)


def mask_mutated_later(x):
    m = np.ones(3)
    y = x * m
    m[0] = 5.0
    return np.sum(y * m)


def copyto_mask(x):
    m = np.ones(3)
    y = x * m
    np.copyto(m, 2.0)
    return np.sum(y * m)


def inplace_op_stmt(x):
    m = np.ones(3)
    y = x * m
    np.add(m, 1.0, out=m)
    return np.sum(y * m)


def add_at_arg(a, E, idx):
    np.add.at(a, idx, E)
    return np.sum(a ** 2)


def add_at_2d(E, idx, W):
    out = np.zeros((3, 2))
    np.add.at(out, (idx, 1), E[:, 0])
    np.add.at(out, idx, E @ W)
    return np.sum(np.tanh(out) * np.arange(6).reshape(3, 2))


def add_at_loop(E, idx):
    out = np.zeros(3)
    for t in range(2):
        np.add.at(out, idx, E * out[idx] + 1.0)
    return np.sum(out ** 2)


def relu_clip(x, w):
    h = (x @ w).clip(0)
    return np.sum(h ** 2) + np.sum(x.clip(max=0.3)) + np.sum(x.clip(min=-0.2, max=0.5) ** 3)


def item_loss(x):
    loss = np.sum(x ** 2)
    return loss.item() * 0.5 + x[:1].item() + np.array(x[1]).item()


def positional_axes(x):
    return np.sum(x.sum(0) ** 2) + np.sum(np.sum(x, 1) ** 2) + x.mean(-1).sum() + np.max(x, 0).sum() + x.max(1).sum()


def clip_variants(x):
    return np.sum(x.clip(0) ** 2) + np.sum(np.clip(x, a_min=None, a_max=0.5)) + np.sum(np.clip(x, -0.5, None))


def sum_list(ws, x):
    return np.sum(sum([w * x for w in ws]) ** 2) + np.mean([np.sum(w) for w in ws])


def loss_loop(w, X, y):
    loss = 0.0
    for i in range(X.shape[0]):
        r = X[i] @ w - y[i]
        loss += r ** 2
    return loss / X.shape[0]


def dict_get(p, x):
    b = p.get("b", 0.0)
    return np.sum((x @ p["W"] + b) ** 2)


def reparam(mu, log_sigma):
    eps = np.random.default_rng(0).normal(size=mu.shape)
    z = mu + np.exp(log_sigma) * eps
    return np.sum(z ** 2)


def chained_dot(A, B, c):
    return np.sum(A.dot(B).dot(c) ** 2) + np.einsum("ij->", A) + np.einsum("ii", B @ B.T) + np.trace(A @ B)


def triu_vals(A):
    iu = np.triu_indices(3)
    return np.sum(A[iu] ** 2) + np.sum(A[np.diag_indices(3)])


def self_mask(x):
    return np.sum(x[x > 0] ** 2) + np.count_nonzero(x > 0) * np.sum(x)


def item_float(x):
    return math.log(float(x[0]) ** 2 + 1.0) + x.max().item() * 2.0


def sort_desc(x):
    s = np.sort(x)[::-1]
    return np.sum(s * np.arange(x.size))


def partition_fn(x):
    return np.sum(np.partition(x, 2)[:2])


def vstack_comp(W, xs):
    H = np.vstack([np.tanh(W @ x) for x in xs])
    return np.sum(H * np.arange(H.size).reshape(H.shape))


def shape_float(x):
    n = x.shape[0] * 1.0
    return np.sum(x) / n + np.sum(x ** 2) / len(x)


def keepdims_std(x):
    return np.sum((x - x.mean(axis=0, keepdims=True)) / np.std(x, axis=0, keepdims=True) * np.arange(x.size).reshape(x.shape))


def nll_gaussian(mu, log_var, y):
    return 0.5 * np.sum(log_var + (y - mu) ** 2 / np.exp(log_var) + np.log(2 * np.pi))


def f32_zeros_accumulate(w, X):
    acc = np.zeros(X.shape[1], dtype=np.float32)
    for row in X:
        acc = acc + row * w
    return np.sum(acc ** 2)


def maximum_sym(A):
    return np.sum(np.maximum(A, A.T) * np.arange(9).reshape(3, 3))


def minimum_scalar(x):
    return np.sum(np.minimum(x, 0.3) + np.maximum(0.0, x) ** 2)


def where_single(x):
    idx = np.where(x > 0)[0]
    return np.sum(x[idx] ** 3)


def mean_list_scalars(a, b):
    l1 = np.sum(a ** 2)
    l2 = np.sum(np.abs(b))
    return np.mean([l1, l2]) + np.sum(np.array([l1, l2]) * np.array([1.0, 2.0]))


def ones_mul_int(x, k):
    return np.sum(x * np.ones(3) * k) + np.sum(x ** k)


def float_pow(x):
    return np.sum(np.abs(x) ** 2.5 + np.power(2.0, x) + np.float_power(np.abs(x) + 1, 1.5))


def norm_squared_direct(W):
    return np.linalg.norm(W, ord=2) + np.linalg.norm(W, ord="nuc")


def softmax_temperature(z, T):
    p = np.exp(z / T)
    p = p / p.sum()
    return np.sum(p * np.log(p))


def batched_attn(Q, K, V):
    d = Q.shape[-1]
    S = Q @ np.swapaxes(K, -1, -2) / np.sqrt(d)
    S = S - S.max(axis=-1, keepdims=True)
    A = np.exp(S)
    A = A / A.sum(axis=-1, keepdims=True)
    return np.sum((A @ V) ** 2)


def conv2d_loops(x, w):
    H, W_ = x.shape
    k = w.shape[0]
    out = np.zeros((H - k + 1, W_ - k + 1))
    for i in range(H - k + 1):
        for j in range(W_ - k + 1):
            out[i, j] = np.sum(x[i:i + k, j:j + k] * w)
    return np.sum(np.maximum(out, 0) ** 2)



def lp_penalties(w, x):
    # integer exponents that share tuples with the weights (forward mode gave nan here:
    # 0 * log of a negative base for the exponent's zero tangent)
    total = 0.0
    for v, p in [(w, 2), (x, 3)]:
        total = total + np.sum(v ** p) / p
    return total + np.sum(np.power(w, 3)) + np.sum(np.float_power(x, 2))

# ---------------------------------------------------------------------------
# inputs
# ---------------------------------------------------------------------------

_rng = np.random.default_rng(20240611)


def R(*shape):
    return _rng.standard_normal(shape)


def spd(n):
    A = R(n, n)
    return A @ A.T + n * np.eye(n)


LABELS = np.array([0, 3, 1, 1, 2])
SIGNS = np.array([1.0, -1.0, 1.0, 1.0, -1.0])
INDEX = np.array([0, 2, 0, 1])

# (function, arguments, wrt): a scalar result, checked through grad and value_and_grad
GRADS = [
    (mse, (R(3), R(5, 3), R(5)), 0),
    (log_softmax_xent, (R(3, 4), R(5, 3), LABELS), 0),
    (xent_onehot, (R(3, 4), R(5, 3), LABELS), 0),
    (hinge, (R(3), R(5, 3), SIGNS), 0),
    (huber, (np.array([0.3, -2.0, 1.5, -0.2]), 1.0), 0),
    (logistic, (R(3), R(5, 3), SIGNS), 0),
    (mlp_list, ([(R(3, 4), R(4)), (R(4, 2), R(2))], R(5, 3)), 0),
    (mlp_dict, ({"W1": R(3, 4), "b1": R(4), "W2": R(4, 2), "b2": R(2)}, R(5, 3)), 0),
    (layer_norm, (R(2, 5), R(5), R(5)), (0, 1, 2)),
    (batch_norm, (R(6, 3), R(3), R(3)), (0, 1, 2)),
    (attention, (R(3, 4), R(5, 4), R(5, 2)), (0, 1, 2)),
    (conv1d_loop, (R(7), R(3)), (0, 1)),
    (conv1d_slices, (R(7), R(3)), (0, 1)),
    (rnn, (0.5 * R(3, 2), 0.5 * R(3, 3), R(4, 2), R(3)), (0, 1, 2, 3)),
    (gru, ({k: 0.5 * R(3, 2 if k[0] == "W" else 3) for k in ["Wz", "Uz", "Wr", "Ur", "Wh", "Uh"]}, R(4, 2)),
     (0, 1)),
    (embed, (R(6, 3), np.array([1, 4, 1, 0]), R(3)), (0, 2)),
    (einsum_bilinear, (R(3, 4), R(3), R(4)), (0, 1, 2)),
    (einsum_batch, (R(2, 3, 4), R(2, 4, 3)), (0, 1)),
    (tensordot_fn, (R(2, 3, 4), R(3, 4, 5)), (0, 1)),
    (gauss_loglik, (R(3), R(3, 3), R(6, 3)), (0, 1, 2)),
    (inv_det, (spd(3) + R(3, 3),), 0),
    (topk_select, (R(2, 4), R(4)), (0, 1)),
    (maxmin_axis, (R(3, 4),), 0),
    (mean_multi, (R(2, 3, 4),), 0),
    (elementwise, (R(2, 3), 1.7), (0, 1)),
    (stacking, (R(2, 3), R(2, 3)), (0, 1)),
    (reshaping, (R(4, 3),), 0),
    (bias_broadcast, (R(3, 4), R(4), R(5, 3)), (0, 1, 2)),
    (f32_loss, (R(3).astype(np.float32), R(4, 3).astype(np.float32)), (0, 1)),
    (int_arg, (R(3), 3), 0),
    (scalar_args, (R(3), 0.1, 2.0), (0, 1, 2)),
    (softplus_kl, (R(4), R(4)), (0, 1)),
    (cosine_sim, (R(3, 4), R(3, 4)), (0, 1)),
    (dropout_mask, (R(5), np.array([1.0, 0.0, 1.0, 1.0, 0.0])), 0),
    (ridge_closed, (R(6, 3), R(6), 0.5), (0, 1, 2)),
    (clip_grad_norm, (R(4),), 0),
    (max_pool, (R(6),), 0),
    (argmax_accuracy_weighted, (R(3, 4), R(5, 3), LABELS), 0),
    (take_along, (R(3, 4), R(5, 3), LABELS), 0),
    (bce_clip, (R(3), R(5, 3), np.array([1.0, 0, 1, 1, 0])), 0),
    (leaky, (R(6),), 0),
    (causal_attn, (R(3, 2), R(3, 2)), (0, 1)),
    (tril_param, (R(3, 3) + 3 * np.eye(3), R(3)), (0, 1)),
    (chol_logdet, (R(3, 3),), 0),
    (rbf_kernel, (R(4, 2), 1.3), (0, 1)),
    (unrolled_gd, (R(3), R(6, 3), R(6), 0.1), (0, 1, 2, 3)),
    (bidir_rnn, (0.5 * R(3, 3), R(4, 3)), (0, 1)),
    (backward_range, (0.5 * R(3, 3), R(4, 3)), (0, 1)),
    (zip_layers, ([R(3, 4), R(4, 2)], [R(4), R(2)], R(5, 3)), (0, 1)),
    (tile_repeat, (R(2, 3),), 0),
    (roll_fn, (R(5),), 0),
    (argsort_index, (R(5),), 0),
    (sort_axis, (R(3, 4),), 0),
    (var_ddof, (R(3, 4),), 0),
    (norms, (R(3, 4), R(3, 4)), (0, 1)),
    (scatter_add, (R(4, 2), INDEX, 1.5), (0, 2)),
    (matmul_broadcast, (R(2, 3, 4), R(4, 5)), (0, 1)),
    (einsum_implicit, (R(2, 3), R(3, 4), R(2, 3, 3)), (0, 1, 2)),
    (tensordot_int, (R(2, 3), R(3, 4), R(3)), (0, 1, 2)),
    (square_recip, (R(5),), 0),
    (gaussian_quad, (R(2), np.array([[2.0, 0.3], [0.3, 1.0]]), R(2)), (0, 1, 2)),
    (tuple_params, ((R(3, 2), R(2)), R(4, 3)), 0),
    (nested_dict_layers, ({"layers": [{"W": R(3, 3), "b": R(3)}, {"W": R(3, 2), "b": R(2)}]}, R(4, 3)), 0),
    (early_return, (R(3), 0.5), 0),
    (early_return, (0.1 * R(3), 0.5), 0),
    (zeros_like_fill, (R(3, 2),), 0),
    (split_fn, (R(3, 4),), 0),
    (prod_zero, (np.array([[1.0, 0.0, 2.0], [3.0, 4.0, 0.0]]),), 0),
    (neg_step, (R(3, 4),), 0),
    (logsumexp_keep, (R(3, 4),), 0),
    (outer_diag, (R(3), R(3)), (0, 1)),
    (astype_input, (R(3), np.arange(12).reshape(4, 3)), 0),
    (batch_det, (R(2, 3, 3),), 0),
    (maxpool2d, (R(4, 4),), 0),
    (np_float_scalar, (R(3),), 0),
    (mask_set, (R(6),), 0),
    (std_eps, (R(4, 3),), 0),
    (mask_mutated_later, (R(3),), 0),
    # np.add.at: a scatter-add whose repeated indices add up (it used to be a zero gradient)
    (add_at, (R(4, 2), INDEX), 0),
    (add_at_arg, (R(3), R(4), INDEX), (0, 1)),
    (add_at_2d, (R(4, 2), INDEX, R(2, 2)), (0, 2)),
    (add_at_loop, (R(4), INDEX), 0),
    # x.clip(0) (an optional bound, valid NumPy) and loss.item() used to be refused
    (relu_clip, (R(4, 3), R(3)), (0, 1)),
    (item_loss, (R(3),), 0),
    (positional_axes, (R(3, 4),), 0),
    (clip_variants, (R(6),), 0),
    (sum_list, ([R(3), R(3)], R(3)), (0, 1)),
    (loss_loop, (R(3), R(5, 3), R(5)), (0, 1, 2)),
    (dict_get, ({"W": R(3, 2), "b": R(2)}, R(4, 3)), 1),
    (dict_get, ({"W": R(3, 2), "b": R(2)}, R(4, 3)), 0),  # p.get("b", 0.0): the entry's adjoint
    (reparam, (R(3), R(3)), (0, 1)),
    (chained_dot, (R(3, 3), R(3, 3), R(3)), (0, 1, 2)),
    (triu_vals, (R(3, 3),), 0),
    (self_mask, (R(6),), 0),
    (item_float, (R(3),), 0),
    (sort_desc, (R(5),), 0),
    (partition_fn, (R(5),), 0),
    (vstack_comp, (R(3, 2), R(4, 2)), (0, 1)),
    (shape_float, (R(4),), 0),
    (keepdims_std, (R(4, 3),), 0),
    (nll_gaussian, (R(4), R(4), R(4)), (0, 1, 2)),
    (f32_zeros_accumulate, (R(3), R(4, 3)), (0, 1)),
    (maximum_sym, (R(3, 3),), 0),
    (minimum_scalar, (R(6),), 0),
    (where_single, (R(6),), 0),
    (mean_list_scalars, (R(3), R(3)), (0, 1)),
    (ones_mul_int, (R(3), 3), 0),
    (float_pow, (R(4),), 0),
    (norm_squared_direct, (R(3, 4),), 0),
    (softmax_temperature, (R(4), 1.5), (0, 1)),
    (batched_attn, (R(2, 3, 4), R(2, 5, 4), R(2, 5, 2)), (0, 1, 2)),
    (conv2d_loops, (R(5, 5), R(3, 3)), (0, 1)),
    (lp_penalties, (np.array([-0.7, 1.2, -1.5]), np.array([0.4, -0.9])), (0, 1)),
    # least squares, pseudo-inverse, median (refused before issue 13)
    (lstsq_fn, (R(5, 3), R(5)), (0, 1)),
    (pinv_fn, (R(4, 3),), 0),
    (median_fn, (R(5),), 0),
    (lambda_act, (R(3, 2), R(4, 3)), (0, 1)),  # a lambda and a nested def inside: inlined where called
    (nested_def, (R(3, 3), R(4, 3)), (0, 1)),
]

# (function, arguments, wrt): an array result, checked through vjp
VJPS = [
    (softmax_vec, (R(4),), 0),
    (mlp_array_out, (R(3, 2), R(4, 3)), (0, 1)),
]

# (function, arguments, wrt, what the message says)
REFUSED = [
    (int_arg, (R(3), 3), 1, "cannot differentiate int_arg with respect to 'n': it is (or holds) an integer"),
    (act_lookup, (R(3, 2), R(4, 3)), 0, "cannot call 'f', a value computed inside the function"),
    (ufunc_reduce, (R(2, 3),), 0, "no derivative rule for np.multiply.outer"),
    (ufunc_accumulate, (R(5),), 0, "no derivative rule for np.maximum.accumulate"),
    (fill_diag, (R(3, 3),), 0, "'np.fill_diagonal' writes into its argument in place"),
    (copyto_mask, (R(3),), 0, "'np.copyto' writes into its argument in place"),
    # writes into an array behind the derivative's back: these used to be silently wrong
    (out_stmt, (R(3),), 0, "'np.exp(..., out=...)' writes its result into an existing array in place"),
    (out_self, (R(3), R(3)), 0, "'np.multiply(..., out=...)' writes its result into an existing array"),
    (out_assign, (R(3),), 0, "'np.tanh(..., out=...)' writes its result into an existing array"),
    (sum_out, (R(3),), 0, "'np.sum(..., out=...)' writes its result into an existing array"),
    (inplace_op_stmt, (R(3),), 0, "'np.add(..., out=...)' writes its result into an existing array"),
    (max_at, (R(4), INDEX), 0, "'np.maximum.at' writes into its argument in place"),
]


def _id(row):
    wrt = row[2] if isinstance(row[2], tuple) else (row[2],)
    return f"{row[0].__name__}-wrt{''.join(map(str, wrt))}"


# ---------------------------------------------------------------------------
# finite differences leaf by leaf, each call on fresh copies of the arguments
# ---------------------------------------------------------------------------

def _float64(x):
    return x.astype(np.float64) if isinstance(x, np.ndarray) and x.dtype == np.float32 else x


def numeric(f, args, i):
    """Central differences of f w.r.t. every leaf of ``args[i]``, in float64, shaped like it."""
    args = [copy.deepcopy(_float64(a)) for a in args]
    out = args[i]
    for path, leaf in trees.leaves(args[i]):
        def at(v, path=path):
            fresh = copy.deepcopy(args)
            fresh[i] = trees.with_leaf(fresh[i], path, v)
            return f(*fresh)
        out = trees.with_leaf(out, path, numeric_grad(at, [leaf], 0))
    return out


def check_leaves(got, arg, want, rtol):
    """got has arg's structure, shapes and dtype, and want's values."""
    if isinstance(arg, (dict, list, tuple)):
        assert type(got) is type(arg)
        keys = list(arg) if isinstance(arg, dict) else range(len(arg))
        assert (set(got) if isinstance(arg, dict) else len(got)) == (set(arg) if isinstance(arg, dict) else len(arg))
        for k in keys:
            check_leaves(got[k], arg[k], want[k], rtol)
    elif isinstance(arg, np.ndarray):
        assert isinstance(got, np.ndarray) and got.shape == arg.shape and got.dtype == arg.dtype
        assert_close(got, want, rtol=rtol, atol=rtol)
    else:
        assert type(got) is float
        assert_close(got, want, rtol=rtol, atol=rtol)


def _rtol(args):
    return 1e-3 if any(getattr(a, "dtype", None) == np.float32 for a in args) else 1e-6


@pytest.mark.parametrize("f, args, wrt", GRADS, ids=[_id(r) for r in GRADS])
def test_grad_and_value_and_grad(f, args, wrt):
    indices = wrt if isinstance(wrt, tuple) else (wrt,)
    want = [numeric(f, args, i) for i in indices]
    grads = sg.grad(f, wrt=wrt)(*copy.deepcopy(args))
    value, grads2 = sg.value_and_grad(f, wrt=wrt)(*copy.deepcopy(args))
    assert_close(value, f(*copy.deepcopy(args)))
    for got in (grads, grads2):
        got = got if isinstance(wrt, tuple) else (got,)
        for g, i, w in zip(got, indices, want):
            check_leaves(g, args[i], w, _rtol(args))


@pytest.mark.parametrize("f, args, wrt", VJPS, ids=[_id(r) for r in VJPS])
def test_vjp(f, args, wrt):
    out = f(*copy.deepcopy(args))
    cotangent = np.random.default_rng(1).standard_normal(out.shape)
    value, pullback = sg.vjp(f, wrt=wrt)(*copy.deepcopy(args))
    assert_close(value, out)
    got = pullback(cotangent)
    got = got if isinstance(wrt, tuple) else (got,)
    indices = wrt if isinstance(wrt, tuple) else (wrt,)
    for g, i in zip(got, indices):
        check_leaves(g, args[i], numeric(lambda *a: np.sum(cotangent * f(*a)), args, i), 1e-6)


@pytest.mark.parametrize("f, args, wrt, message", REFUSED, ids=[_id(r) for r in REFUSED])
def test_refused(f, args, wrt, message):
    with pytest.raises(sg.S2SGradError, match=None) as info:
        sg.grad(f, wrt=wrt)(*copy.deepcopy(args))
    assert message in str(info.value)
    if "with respect to" not in message:        # a construct: the message names file and line
        assert "test_corpus_ml.py:" in str(info.value)
