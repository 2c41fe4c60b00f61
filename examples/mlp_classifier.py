"""A two-layer MLP classifier on two interleaved spirals, trained with SGD.

The parameters are a dict of arrays, {"W1", "b1", "W2", "b2", "W3", "b3"},
and the model is ordinary NumPy: tanh hidden layers and a softmax
cross-entropy loss written with a numerically stable log-sum-exp. sg.grad of
the loss returns a dict of gradients with the same keys and shapes, so the SGD
(with momentum) update is one line per parameter. The gradient is checked once
against central finite differences.

Run:  python examples/mlp_classifier.py
"""
import time

import numpy as np

import s2sgrad as sg

HIDDEN = 32
N_PER_CLASS = 200
LR = 0.05
MOMENTUM = 0.9
BATCH = 64
EPOCHS = 250


def forward(params, X):
    h = np.tanh(X @ params["W1"] + params["b1"])
    h = np.tanh(h @ params["W2"] + params["b2"])
    return h @ params["W3"] + params["b3"]


def cross_entropy(params, X, Y, weight_decay):
    """Mean softmax cross-entropy (Y one-hot) plus an L2 penalty on the weights."""
    logits = forward(params, X)
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    data = -np.mean(np.sum(Y * log_probs, axis=1))
    penalty = np.sum(params["W1"] ** 2) + np.sum(params["W2"] ** 2) + np.sum(params["W3"] ** 2)
    return data + weight_decay * penalty


def accuracy(params, X, labels):
    return np.mean(np.argmax(forward(params, X), axis=1) == labels)


def spirals(rng, n, noise=0.15):
    """Two interleaved spirals of 1.5 turns (labels 0 and 1), in about [-3, 3]^2."""
    t = np.sqrt(rng.uniform(0.0, 1.0, n)) * 3.0 * np.pi
    arm = np.column_stack([t * np.cos(t), t * np.sin(t)]) / np.pi
    X = np.concatenate([arm, -arm]) + noise / np.pi * rng.standard_normal((2 * n, 2))
    labels = np.concatenate([np.zeros(n, int), np.ones(n, int)])
    return X, labels


def init_params(rng):
    def glorot(n_in, n_out):
        return rng.normal(size=(n_in, n_out)) * np.sqrt(2.0 / (n_in + n_out))
    return {"W1": glorot(2, HIDDEN), "b1": np.zeros(HIDDEN),
            "W2": glorot(HIDDEN, HIDDEN), "b2": np.zeros(HIDDEN),
            "W3": glorot(HIDDEN, 2), "b3": np.zeros(2)}


def main():
    t_start = time.perf_counter()
    rng = np.random.default_rng(0)
    X, labels = spirals(rng, N_PER_CLASS)
    X_test, labels_test = spirals(np.random.default_rng(1), N_PER_CLASS)
    Y = np.eye(2)[labels]
    params = init_params(rng)
    weight_decay = 1e-5

    dloss = sg.grad(cross_entropy)

    # One gradient check against central finite differences, entry by entry,
    # on a few entries of every parameter array.
    g = dloss(params, X[:50], Y[:50], weight_decay)
    assert g.keys() == params.keys()
    eps = 1e-6
    worst = 0.0
    for name, p in params.items():
        assert g[name].shape == p.shape
        for flat in rng.choice(p.size, size=min(4, p.size), replace=False):
            index = np.unravel_index(flat, p.shape)
            saved = p[index]
            p[index] = saved + eps
            up = cross_entropy(params, X[:50], Y[:50], weight_decay)
            p[index] = saved - eps
            down = cross_entropy(params, X[:50], Y[:50], weight_decay)
            p[index] = saved
            fd = (up - down) / (2 * eps)
            worst = max(worst, abs(g[name][index] - fd) / max(abs(fd), 1e-6))
    print(f"gradient check against central finite differences: worst rel. error {worst:.1e}")
    assert worst < 1e-5

    print(f"initial: loss {cross_entropy(params, X, Y, weight_decay):.4f}  "
          f"train accuracy {accuracy(params, X, labels):.3f}")
    velocity = {name: np.zeros_like(p) for name, p in params.items()}
    n = X.shape[0]
    for epoch in range(1, EPOCHS + 1):
        order = rng.permutation(n)
        for start in range(0, n, BATCH):
            batch = order[start:start + BATCH]
            g = dloss(params, X[batch], Y[batch], weight_decay)
            for name in params:
                velocity[name] = MOMENTUM * velocity[name] - LR * g[name]
                params[name] = params[name] + velocity[name]
        if epoch % 50 == 0:
            print(f"epoch {epoch:4d}  loss {cross_entropy(params, X, Y, weight_decay):.4f}  "
                  f"train accuracy {accuracy(params, X, labels):.3f}")

    train_acc = accuracy(params, X, labels)
    test_acc = accuracy(params, X_test, labels_test)
    print(f"\ntrain accuracy {train_acc:.3f}, test accuracy {test_acc:.3f}")
    print(f"elapsed: {time.perf_counter() - t_start:.1f} s")
    assert train_acc > 0.9
    assert test_acc > 0.9


if __name__ == "__main__":
    main()
