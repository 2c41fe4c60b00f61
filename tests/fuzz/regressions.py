"""Minimised programs the fuzzer found, with the outcome each must have.

``expect`` lists the acceptable statuses ("pass": every oracle agrees;
"refused": an S2SGradError naming the line). ``open`` gives the reason a row
still fails (a strict xfail in tests/test_fuzz.py: when the bug is fixed the
row passes and the mark must go). Rows are written by ``python -m tests.fuzz``
(``--out``) minimisation and kept here by hand; an id starts with the family
(``inplace``, ``crash``, ``wrong``) and the finding's number (F1, F2, ...).
``second_order``: the row's ``hvp`` must not be refused either (rows ``hvp-...``:
programs whose second order was refused before the gradient it differentiates was
generated in its functional flavour, docs/internals.md).
"""

ROWS = [
    {
        "id": "crash-F1-module-constant-in-helper",
        "source": """\
import math
import numpy as np
W8 = [[0.7257, 0.3373, 0.4426], [0.5383, -0.8699, 0.1228], [-0.8643, 0.6999, -0.7282], [0.9187, 0.0789, 0.7243]]

def layer_0(p0, p1, p2, k=0.81):
    d1 = {'a': np.sum(W8, axis=0).copy(), 'b': math.atan(p0)}
    return d1['a']

def f(x, y):
    for i3 in range(1):
        o4 = layer_0(np.subtract(0.75, 1.16), 0.75, [0.1, 0.2, 0.3, 0.4], 1.5)
        y *= o4
    return np.mean(y ** 2)
""",
        "args": "(np.array([-0.0363, 1.0834, 1.1486]), np.array([0.4231, 0.9777, -1.0795]),)",
        "wrt": [0, 1],
        "expect": ("pass", "refused"),
        "open": None,
    },
    {
        "id": "crash-F2-min-in-nested-loop",
        "source": """\
import numpy as np

def f(x, y):
    for i8 in range(1, 3):
        for i9 in range(1):
            a11 = y
            y = np.min(a11)
    return y
""",
        "args": "(np.array([-0.4091, -0.748, 0.1136, -0.7796]), -0.3897,)",
        "wrt": [0, 1],
        "expect": ("pass", "refused"),
        "open": None,
    },
    {
        "id": "crash-F2-prod-in-loop",
        "source": """\
import numpy as np

def f(x):
    for i16 in range(2):
        x[x > 0.13] += np.prod(x + 1.5)
    return np.sum(x)
""",
        "args": "(np.array([1.1754, -0.766, 1.1207]),)",
        "wrt": [0],
        "expect": ("pass", "refused"),
        "open": None,
    },
    {
        "id": "crash-F2-var-axis-in-loop",
        "source": """\
import numpy as np

def f(x, y):
    h5 = np.array([-0.9005, -0.661])
    w6 = h5
    for i7 in range(1, 3):
        w6 = np.var(w6[:, None] * x[1], axis=1)
    return np.mean(w6 ** 2)
""",
        "args": "((-0.6975, np.array([0.3272, 0.7855, 0.5242])), (0.2061, np.array([0.5788, -0.2415, 0.3782])),)",
        "wrt": [0, 1],
        "expect": ("pass", "refused"),
        "open": None,
    },
    {
        "id": "crash-F2-einsum-in-loop",
        "source": """\
import numpy as np

def f(x, z):
    for i16 in range(len(x)):
        x = np.einsum('ij,j->i', z['w'], x)
    return np.mean(x ** 2)
""",
        "args": '(np.array([0.6691, 0.7676]), {"w": np.array([[0.5581, -0.135], [-0.0352, 1.0818]]), "b": np.array([0.5995, 0.3035])},)',
        "wrt": [0, 1],
        "expect": ("pass", "refused"),
        "open": None,
    },
    {
        "id": "crash-F3-self-assignment",
        "source": """\
import numpy as np

def f(x, y):
    a2 = y['w']
    x = x
    return np.sum(a2)
""",
        "args": '(np.array([0.7183, 1.1566, 1.1725]), {"w": np.array([[0.6686, 1.1072, -0.9781], [0.7812, -0.6501, -0.5643]]), "b": np.array([-0.2882, 0.6619])},)',
        "wrt": [0, 1],
        "expect": ("pass", "refused"),
        "open": None,
    },
    {
        "id": "crash-F4-jvp-list-concatenation",
        "source": """\
import numpy as np

def f(x, y):
    s7 = np.array([-0.1, x[0]] + [0.5])
    return np.mean(s7 ** 2) + np.sum(y)
""",
        "args": "((-1.0595, np.array([0.7856, 1.0323, 0.6207])), np.array([1.1346, 0.0569, 1.0322]),)",
        "wrt": [0, 1],
        "expect": ("pass", "refused"),
        "open": None,
    },
    {
        "id": "crash-F5-hvp-helper-without-return",
        "source": """\
import numpy as np
B8 = [-0.8929, 0.6823, -1.0332]

def mix_0(p0):
    p0[1] *= B8

def f(y, w):
    t12 = 0.5
    if t12 >= -0.73:
        pass
    else:
        o13, o14 = mix_0(w['w'])
    return np.mean(y ** 2)
""",
        "args": '(np.array([-1.0059, -1.086]), {"w": np.array([[0.6252, 1.147, 0.0511], [0.6221, 0.5226, 0.7595]]), "b": np.array([-1.177, 0.1383])},)',
        "wrt": [0, 1],
        "expect": ("pass", "refused"),
        "open": None,
    },
    {
        "id": "wrong-F6-std-of-equal-rows",
        "source": """\
import numpy as np

def f(w):
    s = np.std(np.tile(w[1], (2, 1)), axis=0)
    return np.sum(np.sin(s))
""",
        "args": "((-0.1547, np.array([-0.0141, 0.0114])),)",
        "wrt": [0],
        "expect": ("pass", "refused"),
        "open": None,
    },
    {
        "id": "inplace-F7-loop-over-rebound-name",
        "source": """\
import numpy as np

def f(z):
    z = 2 + z
    for r7 in z:
        z[z > 0.44] = r7
        z = z ** 2
    return np.sum(z)
""",
        "args": "(np.array([-0.5854, -0.4708]),)",
        "wrt": [0],
        "expect": ("pass", "refused"),
        "open": None,
    },
    {
        "id": "inplace-F7-loop-over-rolled-name",
        "source": """\
import numpy as np

def f(y):
    acc4 = []
    for r3 in y:
        y = np.roll(y, 1)
        acc4.append(r3)
    return sum(acc4)
""",
        "args": "(np.array([-1.0014, -0.7856]),)",
        "wrt": [0],
        "expect": ("pass", "refused"),
        "open": None,
    },
    {
        "id": "inplace-F8-list-of-one-array-written",
        "source": """\
import numpy as np

def f(x):
    a5 = [x[1]] * 4
    a5[0] -= 2.0
    return np.sum(np.sin(a5))
""",
        "args": "([np.array([-0.3904, 0.5738, 0.7979]), np.array([0.8881, 0.4374, 0.0302])],)",
        "wrt": [0],
        "expect": ("pass", "refused"),
        "open": None,
    },
    {
        "id": "inplace-F10-alias-write-in-untaken-branch",
        "source": """\
import numpy as np

def f(y):
    s9 = 0.5
    w10 = y
    if s9 < -0.69:
        y[y < 0.0] -= s9
    else:
        pass
    return np.sum(w10) + np.sum(y)
""",
        "args": "(np.array([[-0.2686, -0.0742], [-0.3497, 0.9624], [-0.2582, -0.0672]]),)",
        "wrt": [0],
        "expect": ("pass", "refused"),
        "open": None,
    },
    {
        "id": "inplace-F11-mask-write-vs-alias-rebinding",
        "source": """\
import numpy as np
ALPHA9 = 0.4538

def f(x, y):
    a11 = np.log(1.0 + np.log(np.cosh(y['w'][0])))
    if np.exp(-a11.sum()) <= 0.29:
        a11[a11 > -0.15] -= ALPHA9
    else:
        v15 = y['w']
        a11 = np.einsum('ij,j->i', y['w'] @ v15, a11)
    return np.sum(np.sin(a11))
""",
        "args": '(np.array([0.5193, -0.9702]), {"w": np.array([[0.9493, -1.065], [0.9226, 0.1392]]), "b": np.array([-0.7601, -0.9867])},)',
        "wrt": [0, 1],
        "expect": ("pass", "refused"),
        "open": None,
    },
    {
        "id": "inplace-F12-hvp-write-into-flipped",
        "source": """\
import numpy as np

def f(y):
    a3 = np.flip(np.sqrt(y + 0.5))
    a3[1] -= np.sum(np.tile(y, (4, 1)))
    return np.mean(a3 ** 2)
""",
        "args": "(np.array([-0.2884, 0.486, -0.4277]),)",
        "wrt": [0],
        "expect": ("pass", "refused"),
        "open": None,
    },
    {
        "id": "wrong-F13-list-repetition",
        "source": """\
import numpy as np

def f(p0):
    return np.sum(np.sin(np.stack([p0] * 3)[0]))
""",
        "args": "(np.array([0.3, 0.4]),)",
        "wrt": [0],
        "expect": ("pass", "refused"),
        "open": None,
    },
    {
        "id": "crash-F15-jvp-write-into-constant-sum",
        "source": """\
import numpy as np
W3 = [[-0.6475, -0.1836, -1.1778], [-0.0604, 0.9838, 1.1743], [-0.0842, 0.9662, 0.238], [-1.0819, 0.6265, 0.9634]]

def f(x):
    d1 = {'a': np.abs(x + x) ** 1.5, 'b': 1.26}
    s2 = W3 + np.exp(-d1['b'])
    s2[1] -= d1['a']
    return np.mean(s2 ** 2)
""",
        "args": "(np.array([0.5155, -1.105, -0.6704]),)",
        "wrt": [0],
        "expect": ("pass", "refused"),
        "open": None,
    },
    {
        "id": "inplace-F8-list-literal-floats",
        "source": """\
import numpy as np

def f(x, y):
    a = [x, 2.0 * x, y]
    a[0] += y
    a[2] *= x
    return a[0] * a[1] + a[2]
""",
        "args": "(0.7, 0.3)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "inplace-F8-list-of-fresh-arrays",
        "source": """\
import numpy as np

def f(x, y):
    hs = [x * 1.0, np.sin(x)]
    hs[0] += y
    return np.sum(hs[0] * hs[1])
""",
        "args": "(np.array([0.2, 0.5]), 0.3)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "inplace-F8-list-holds-argument",
        "source": """\
import numpy as np

def f(x, y):
    hs = [x, x * 2.0]
    hs[0] *= y
    return np.sum(hs[0]) + np.sum(x)
""",
        "args": "(np.array([0.2, 0.5]), 0.3)",
        "wrt": [0, 1],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "inplace-F8-repeat-name-count",
        "source": """\
import numpy as np

def f(x, y, n):
    a5 = [x * 1.0] * n
    a5[0] -= y
    return np.sum(np.sin(np.stack(a5)))
""",
        "args": "(np.array([0.2, 0.5]), 0.3, 3)",
        "wrt": [0, 1],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "inplace-F8-repeat-in-loop",
        "source": """\
import numpy as np

def f(x, y):
    a5 = [x * 1.0] * 3
    for i in range(2):
        a5[0] -= y
    return np.sum(np.sin(a5))
""",
        "args": "(np.array([0.2, 0.5]), 0.3)",
        "wrt": [0, 1],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "inplace-F8-item-read-out-before",
        "source": """\
import numpy as np

def f(x, y):
    a = [x * 2.0]
    b = [a[0]]
    a[0] += y
    return np.sum(b[0] ** 2)
""",
        "args": "(np.array([0.2, 0.5]), 0.3)",
        "wrt": [0, 1],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "inplace-F8-item-named-before-loop",
        "source": """\
import numpy as np

def f(x, y):
    hs = [x * 1.0, x * 2.0]
    r = hs[0]
    for i in range(2):
        hs[0] += y
    return np.sum(r * hs[1])
""",
        "args": "(np.array([0.2, 0.5]), 0.3)",
        "wrt": [0, 1],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "inplace-F8-same-array-twice",
        "source": """\
import numpy as np

def f(x, y):
    v = x * 2.0
    hs = [v, v]
    del v
    hs[1] *= y
    return np.sum(hs[0])
""",
        "args": "(np.array([0.2, 0.5]), 0.3)",
        "wrt": [0, 1],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "inplace-F8-dict-items",
        "source": """\
import numpy as np

def f(x, y):
    d = {"a": x * 1.0, "b": y}
    d["a"] *= y
    d["b"] += 1.0
    return np.sum(d["a"]) * d["b"]
""",
        "args": "(np.array([0.2, 0.5]), 0.3)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "inplace-F8-dict-holds-named-array",
        "source": """\
import numpy as np

def f(x, y):
    v = x * 2.0
    d = {"a": v}
    d["a"] += y
    return np.sum(v ** 2)
""",
        "args": "(np.array([0.2, 0.5]), 0.3)",
        "wrt": [0, 1],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "inplace-F8-loop-over-items",
        "source": """\
import numpy as np

def f(x, y):
    hs = [x * 1.0, x * 2.0, x * 3.0]
    for i in range(3):
        hs[i] += y * i
    return np.sum(np.sin(hs[0] + hs[1] * hs[2]))
""",
        "args": "(np.array([0.2, 0.5]), 0.3)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "inplace-F8-appended-then-written",
        "source": """\
import numpy as np

def f(x, y):
    hs = []
    for i in range(2):
        hs.append(x * (i + 1.0))
    hs[0] += y
    return np.sum(hs[0] * hs[1])
""",
        "args": "(np.array([0.2, 0.5]), 0.3)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "inplace-F8-appended-same-array",
        "source": """\
import numpy as np

def f(x, y):
    hs = []
    v = x * 2.0
    for i in range(2):
        hs.append(v)
    hs[0] += y
    return np.sum(hs[0] * hs[1])
""",
        "args": "(np.array([0.2, 0.5]), 0.3)",
        "wrt": [0, 1],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "inplace-F8-write-in-branch",
        "source": """\
import numpy as np

def f(x, y):
    hs = [x * 1.0, x * 2.0]
    if y > 0.0:
        hs[0] += y
    else:
        hs[1] -= y
    return np.sum(hs[0] * hs[1])
""",
        "args": "(np.array([0.2, 0.5]), 0.3)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "inplace-F8-numbers-of-an-array",
        "source": """\
import numpy as np

def f(x, y):
    a = [x[0], x[1]]
    a[0] += y
    return a[0] * a[1]
""",
        "args": "(np.array([0.2, 0.5]), 0.3)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "inplace-F8-zero-list",
        "source": """\
import numpy as np

N = 3

def f(x, y):
    a = [0.0] * N
    a[1] += y
    a[2] += np.sum(x)
    return a[1] * a[2] + a[0]
""",
        "args": "(np.array([0.2, 0.5]), 0.3)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "inplace-F8-helper-writes-item",
        "source": """\
import numpy as np

def bump(hs, k):
    hs[0] += k
    return hs

def f(x, y):
    hs = [x * 1.0, x * 3.0]
    hs = bump(hs, y)
    return np.sum(hs[0] * hs[1])
""",
        "args": "(np.array([0.2, 0.5]), 0.3)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "inplace-F8-list-argument-item",
        "source": """\
import numpy as np

def f(xs, y):
    xs[0] += y
    return np.sum(xs[0] * xs[1])
""",
        "args": "([np.array([0.2, 0.5]), np.array([0.1, 0.9])], 0.3)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "inplace-F8-list-argument-item-held",
        "source": """\
import numpy as np

def f(xs, y):
    zs = [xs[0], xs[1]]
    xs[0] += y
    return np.sum(zs[0] * xs[1])
""",
        "args": "([np.array([0.2, 0.5]), np.array([0.1, 0.9])], 0.3)",
        "wrt": [0, 1],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "inplace-F8-array-rows-still-written",
        "source": """\
import numpy as np

def f(x, y):
    u = np.outer(x, x)
    u[0] += y
    u[1] *= y
    return np.sum(u ** 2)
""",
        "args": "(np.array([0.2, 0.5]), 0.3)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "inplace-F23-write-into-array-a-list-holds",
        "source": """\
import numpy as np

def f(x, y):
    u = x * 1.0
    hs = [u, y * x]
    u[0] = 5.0 * y
    return np.sum(hs[0] * hs[1])
""",
        "args": "(np.array([0.2, 0.5]), 0.3)",
        "wrt": [0, 1],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "inplace-F23-write-into-appended-array",
        "source": """\
import numpy as np

def f(x, y):
    u = x * 1.0
    hs = []
    hs.append(u)
    u[1] = 5.0 * y
    return np.sum(hs[0] ** 2)
""",
        "args": "(np.array([0.2, 0.5]), 0.3)",
        "wrt": [0, 1],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "inplace-F23-list-built-after-write",
        "source": """\
import numpy as np

def f(x, y):
    u = x * 1.0
    u[0] = 5.0 * y
    hs = [u, y * x]
    return np.sum(hs[0] * hs[1])
""",
        "args": "(np.array([0.2, 0.5]), 0.3)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "inplace-F17-row-target-written-in-inner-loop",
        "source": """\
import numpy as np

def f(x, y, z):
    for k12, r11 in enumerate(x):
        for i14 in range(len(r11)):
            r11 -= k12
    c27 = x.copy()
    return np.sum(np.sin(c27))
""",
        "args": "(np.array([[-0.9752, 0.9643], [1.0255, -1.1297], [-1.0549, -0.4359]]), 0.3, 0.4)",
        "wrt": [0, 1, 2],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "inplace-F17-row-target-written-in-while",
        "source": """\
import numpy as np

def f(x, y):
    for r in x:
        k = 0
        while k < 2:
            r *= y
            k += 1
    return np.sum(np.sin(x))
""",
        "args": "(np.array([[0.2, 0.5], [0.1, -0.3]]), 0.9)",
        "wrt": [0, 1],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "inplace-F17-copied-row-written-in-inner-loop",
        "source": """\
import numpy as np

def f(x, y):
    out = 0.0
    for r in x:
        r = r.copy()
        for i in range(2):
            r *= y
        out = out + np.sum(r)
    return out
""",
        "args": "(np.array([[0.2, 0.5], [0.1, -0.3]]), 0.9)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "inplace-F18-self-assign-in-loop",
        "source": """\
import numpy as np

def f(x, y):
    for i6 in range(2):
        x[:] = x
    return np.sum(x)
""",
        "args": "(np.array([-0.6262, 0.9148]), 0.5)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "inplace-F18-self-assign-alias",
        "source": """\
import numpy as np

def f(x, y):
    u = x * y
    w = u
    u[:] = w
    return np.sum(u ** 2)
""",
        "args": "(np.array([-0.6262, 0.9148]), 0.5)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "inplace-F18-shifted-self-assign-in-loop",
        "source": """\
import numpy as np

def f(x, y):
    u = x * y
    for i in range(2):
        u[1:] = u[:-1]
    return np.sum(np.sin(u))
""",
        "args": "(np.array([-0.6262, 0.9148, 0.3]), 0.5)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "inplace-F19-helper-writes-argument-passed-twice",
        "source": """\
import numpy as np

def energy_1(p0, p1, p2):
    p2[2] = 0.5

def f(x, y, z, w):
    for r4 in x:
        o5 = energy_1(p0=w, p1=x, p2=z)
    return np.mean(z ** 2)
""",
        "args": "(np.array([[0.7197, 0.014, 0.3257], [1.1799, -0.8014, 0.1601]]), 1.0181, np.array([-0.992, -0.6561, 0.5326]), np.array([-0.847, 0.1588, -0.5195]))",
        "wrt": [0, 1, 2, 3],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "inplace-F19-helper-result-assigned-keywords",
        "source": """\
import numpy as np

def scale(p, k):
    p[0] = p[0] * k
    return k

def f(x, y):
    u = x * 1.0
    for i in range(2):
        s = scale(k=y, p=u)
    return np.sum(u ** 2) + s
""",
        "args": "(np.array([0.2, 0.5]), 0.3)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "inplace-F20-augmented-item-of-tuple-argument",
        "source": """\
import numpy as np

def f(x, y, z, w):
    y = x[1]
    y += w[1]
    y = x[1]
    return np.mean(y ** 2)
""",
        "args": "((-0.044, np.array([0.7976, -0.4056, -1.1702, 0.3446])), np.array([-0.4281, 1.0678, 1.1713, -0.3699]), np.array([-0.7438, -0.6708, 0.9014]), [np.array([1.0372, -1.0455, -0.6722, 0.6501]), np.array([-0.1875, 0.642, 0.056, -1.1991])])",
        "wrt": [0, 1, 2, 3],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "inplace-F20-augmented-item-of-dict-argument",
        "source": """\
import numpy as np

def f(p, y):
    w = p["w"]
    w *= y
    return np.sum(p["w"] ** 2)
""",
        "args": '({"w": np.array([0.2, 0.5]), "b": 0.1}, 0.3)',
        "wrt": [0, 1],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "inplace-F21-alias-of-argument-through-loop",
        "source": """\
import numpy as np

def f(x, y, z, w):
    w1 = w
    for r2 in w:
        if np.average(z['b']) > 0.49:
            continue
        w1 = x
    for i8 in range(3):
        w1 /= 1.5
    return np.sum(np.sin(w))
""",
        "args": '(np.array([0.9896, 0.3633, 1.0599]), 0.6701, {"w": np.array([[-0.5205, 0.5912, 0.3434], [0.2884, -0.9033, 1.0059], [0.9957, -0.8027, 1.1999]]), "b": np.array([0.5313, 0.3764, 1.1103])}, np.array([1.1701, 0.3223, 0.5388]))',
        "wrt": [0, 1, 2, 3],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "inplace-F22-fresh-array-written-in-while",
        "source": """\
import numpy as np

K4 = np.array([[-0.5947, 0.2792, -0.0257], [0.537, -0.8573, -0.6457], [1.1443, -0.2446, 1.0101]])
DT2 = np.array([-1.1254, 0.5486, -1.0709])

def f(x, y, z):
    it5 = 0
    while it5 < 2:
        it5 += 1
        x = 0.8 * K4
        x[:, 1] *= DT2
    return np.mean(x ** 2)
""",
        "args": "(np.array([[0.9969, -1.068, 0.6139], [0.0424, 1.0065, 0.3193], [-0.3787, -0.9582, 0.9159]]), 0.512, 0.3)",
        "wrt": [0, 1, 2],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "inplace-F22-invariant-array-written-in-for",
        "source": """\
import numpy as np

DT = 0.1

def f(x, y):
    acc = 0.0
    for i in range(3):
        v = DT * x
        v[0] += y
        acc = acc + np.sum(v ** 2)
    return acc
""",
        "args": "(np.array([0.2, 0.5]), 0.3)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "inplace-F22-invariant-array-written-through-view",
        "source": """\
import numpy as np

def f(x, y):
    acc = 0.0
    for i in range(3):
        v = -x
        row = v[0:1]
        row *= y
        acc = acc + np.sum(v ** 2) * i
    return acc
""",
        "args": "(np.array([0.2, 0.5]), 0.3)",
        "wrt": [0, 1],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "crash-F15-module-list-plus-module-array",
        "source": """\
import numpy as np

W3 = [[-0.6475, -0.1836, -1.1778], [-0.0604, 0.9838, 1.1743]]
B = np.array([0.1, 0.2, 0.3])

def f(x):
    s2 = W3 + B
    s2[1] -= x
    return np.mean(s2 ** 2)
""",
        "args": "(np.array([0.5155, -1.105, -0.6704]),)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "crash-F4-list-joined-in-loop",
        "source": """\
import numpy as np

def f(x, y):
    acc = []
    for i in range(3):
        acc = acc + [x * i]
    return np.sum(np.stack(acc) ** 2) + y
""",
        "args": "(np.array([0.5155, -1.105]), 0.4)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "crash-F4-list-argument-joined",
        "source": """\
import numpy as np

def f(x, y):
    z = [x, 1.08] + [0.5] + y
    return np.sum(np.array(z) ** 2)
""",
        "args": "(0.7, [0.2, 0.3])",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "crash-F4-repeat-by-argument",
        "source": """\
import numpy as np

def f(x, n):
    a = [x] * n
    return np.sum(np.sin(np.stack(a)[0]))
""",
        "args": "(np.array([0.3, 0.4]), 3)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "crash-F4-repeat-by-module-count",
        "source": """\
import numpy as np

N = 3

def f(x):
    a = [0.0] * N
    a[1] = x[0]
    return np.sum(np.array(a) ** 2)
""",
        "args": "(np.array([0.3, 0.4]),)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "inplace-F9-jvp-writes-the-given-tangent",
        "source": """\
import numpy as np

def f(y, z):
    z += 1.19
    if y[0] < -5.0:
        z -= 0.5
    z[0] = 0.3
    return np.sum(y) + np.mean(z ** 2)
""",
        "args": "(np.array([0.3235, -0.3899]), np.array([-0.8931, -0.2324]))",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "inplace-F9-jvp-tangent-through-branch-then-loop",
        "source": """\
import numpy as np

def f(y, z):
    if y[0] > 0.0:
        z = z * 1.0
    else:
        z = z
    for i in range(2):
        z[i] = z[i] * y[1]
    return np.sum(np.sin(z))
""",
        "args": "(np.array([-0.3235, -0.3899]), np.array([-0.8931, -0.2324]))",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "inplace-F9-jvp-tangent-of-alias-written",
        "source": """\
import numpy as np

def f(y, z):
    w = z
    if y[0] > 10.0:
        w = y * 2.0
    w[1] = y[0]
    return np.sum(w ** 2)
""",
        "args": "(np.array([0.3235, -0.3899]), np.array([-0.8931, -0.2324]))",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "wrong-F6-hvp-norm-of-zero",
        "source": """\
import numpy as np

def f(x, z):
    z = z - z
    return np.linalg.norm(z) + np.sum(x ** 2)
""",
        "args": "(np.array([0.3, -0.2]), np.array([0.8601, 0.8115, 0.7621]))",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "wrong-F6-hvp-norm-of-zero-in-loop",
        "source": """\
import numpy as np

def f(x, z):
    acc = 0.0
    for i in range(2):
        acc = acc + np.linalg.norm(z * i - z * i) * x[0]
    return acc + np.sum(x ** 2)
""",
        "args": "(np.array([0.3, -0.2]), np.array([0.8601, 0.8115, 0.7621]))",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "wrong-F6-hvp-std-of-equal-rows",
        "source": """\
import numpy as np

def f(w):
    s = np.std(np.tile(w, (2, 1)), axis=0)
    return np.sum(np.sin(s)) + np.sum(w ** 2)
""",
        "args": "(np.array([-0.0141, 0.0114]),)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "wrong-F6-hvp-power-of-zero-spread",
        "source": """\
import numpy as np

def f(v):
    d = np.tile(v, (2, 1)) - v
    return np.sum(np.abs(d) ** 1.5) + np.sum(np.cos(v))
""",
        "args": "(np.array([-0.0141, 0.0114]),)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "crash-F24-lambda-bound-in-loop-after-exit",
        "source": """\
import numpy as np

def f(x, c):
    s3 = 1.0
    for r9 in x:
        if c < -0.63:
            break
        g12 = lambda u: u * s3
    return s3 * x[0]
""",
        "args": "(np.array([0.2, 0.5]), 0.3)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "crash-F24-lambda-bound-in-loop-then-called",
        "source": """\
import numpy as np

ALPHA = 0.4

def f(x, c):
    acc = 0.0
    for r in x:
        if c > 5.0:
            continue
        g = lambda u: np.sin(u) + ALPHA * u
        acc = acc + g(r)
    return acc
""",
        "args": "(np.array([0.2, 0.5]), 0.3)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "crash-F24-lambda-in-while-with-early-return",
        "source": """\
import numpy as np

def f(x, c):
    k = 0
    while k < 2:
        k += 1
        if c > 5.0:
            return np.sum(x)
        h = lambda u: u ** 2 * c
        x = h(x)
    return np.sum(x)
""",
        "args": "(np.array([0.2, 0.5]), 0.3)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "wrong-F6-hvp-power-of-zero-scalar",
        "source": """\
import numpy as np

import math

def f(x):
    t7, t8 = (math.atan(x + x), np.subtract(x, x) ** 1.5)
    return t8 + t7
""",
        "args": "(0.7141,)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "hvp-list-append-items-read-after-loop",
        "source": """\
import numpy as np

def f(x, y):
    acc = []
    for i in range(3):
        acc.append(np.sin(x) * i + y)
    return np.sum(acc[0] * acc[2]) + sum(np.sum(a) for a in acc)
""",
        "args": "(np.array([0.2, 0.5]), 0.3)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "hvp-list-append-stacked-in-loop",
        "source": """\
import numpy as np

def f(x, y):
    hs = [x]
    for i in range(3):
        h = np.tanh(hs[-1] * y + 0.1 * i)
        hs.append(h)
        s = np.sum(np.stack(hs) ** 2)
    return s + np.sum(hs[1] * hs[-1])
""",
        "args": "(np.array([0.2, 0.5]), 0.3)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "hvp-list-append-len-read",
        "source": """\
import numpy as np

def f(x, y):
    acc = []
    total = 0.0
    for i in range(3):
        acc.append(x * y ** i)
        total = total + np.sum(acc[len(acc) - 1]) * len(acc)
    return total
""",
        "args": "(np.array([0.2, 0.5]), 0.3)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "hvp-list-append-then-item-written",
        "source": """\
import numpy as np

def f(x, y):
    acc = []
    for i in range(2):
        acc.append(x * (i + 1.0))
    acc[0] = acc[0] * y
    return np.sum(acc[0] * acc[1])
""",
        "args": "(np.array([0.2, 0.5]), 0.3)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "hvp-or-on-values",
        "source": """\
import numpy as np

def f(x, y):
    z = (x > 0.1 and y) or x
    return z * z * x
""",
        "args": "(0.3, 0.4)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "hvp-or-on-values-falls-through",
        "source": """\
import numpy as np

def f(x, y):
    z = (x > 5.0 and y) or x * 2.0
    w = y and x
    return z * w + (0.0 or y) * x
""",
        "args": "(0.3, 0.4)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "hvp-or-on-values-chain-in-loop",
        "source": """\
import numpy as np

def f(x, y):
    s = 0.0
    for i in range(3):
        s = s + (s > 0.5 and x * y or y * i or x)
    return s * x
""",
        "args": "(0.3, 0.4)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "hvp-or-with-array-operand",
        "source": """\
import numpy as np

def f(x, y):
    v = y < 0.0 or np.sin(x)
    return np.sum(v * x)
""",
        "args": "(np.array([0.3, 0.6]), 0.4)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "hvp-loop-exit-break-or-return",
        "source": """\
import numpy as np

def f(x, y):
    s = 0.0
    for i in range(4):
        if s > 2.0:
            break
        if y > 5.0:
            return s
        s = s + np.sum(x ** 2) * y
    return s
""",
        "args": "(np.array([0.2, 0.5]), 0.4)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "crash-F25-hvp-index-from-tape-of-moving-values",
        "source": """\
import numpy as np

A = np.array([1.0964, -0.0017])

def f(x):
    h5 = x * 2.0
    acc8 = []
    for k7, r6 in enumerate(h5):
        s9 = h5[k7]
        h5 = A
        acc8.append(np.deg2rad(0.7 >= -0.34 and s9 or s9))
    return sum(acc8)
""",
        "args": "(np.array([0.3, 0.5]),)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "callables-lambda-passed-to-helper-in-condition",
        "source": """\
import numpy as np

B4 = 0.7

def apply_fn(fn, v):
    return fn(v) + 0.5 * v

def f(x, y):
    if apply_fn(lambda u: np.cos(u) * B4, np.var(x)) <= -0.01:
        y = y * 2.0
    return np.sum(np.sin(x)) * y
""",
        "args": "(np.array([0.2, 0.5]), 0.3)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "inplace-F26-helper-in-condition-writes-argument",
        "source": """\
import numpy as np

def h(v, k=2.0):
    v[0] = 0.0
    return np.sum(v) * k

def f(x, y):
    u = x * y
    if h(u, k=y) > -10.0:
        y = y + 1.0
    return np.sum(np.sin(u)) * y
""",
        "args": "(np.array([0.2, 0.5]), 0.3)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "inplace-F26-helper-in-and-condition-writes-argument",
        "source": """\
import numpy as np

def h(v):
    v[1] = v[1] * 0.5
    return np.sum(v)

def f(x, y):
    u = x * y
    k = 0
    while k < 3 and h(u) > -10.0:
        k += 1
    return np.sum(u ** 2)
""",
        "args": "(np.array([0.2, 0.5]), 0.3)",
        "wrt": [0, 1],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "inplace-F26-helper-in-while-and-condition",
        "source": """\
import numpy as np

def h(v):
    v[1] = v[1] * 0.5
    return np.sum(v)

def f(x, y):
    u = x * y
    k = 0
    while h(u) > 0.1 and k < 5:
        k += 1
    return np.sum(u ** 2) + k
""",
        "args": "(np.array([0.2, 0.5]), 0.3)",
        "wrt": [0, 1],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "callables-pure-helper-in-and-condition",
        "source": """\
import numpy as np

def h(v, k=2.0):
    return np.sum(v ** 2) * k

def f(x, y):
    if y > 0.0 and h(x, k=y) < 10.0:
        x = x * y
    return np.sum(np.sin(x))
""",
        "args": "(np.array([0.2, 0.5]), 0.3)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "inplace-F26-helper-compared-in-while-test",
        "source": """\
import numpy as np

def h(v):
    v[1] = v[1] * 0.5
    return np.sum(v)

def f(x, y):
    u = x * y
    k = 0
    while h(u) > 0.1:
        k += 1
    return np.sum(u ** 2) + k
""",
        "args": "(np.array([0.2, 0.5]), 0.3)",
        "wrt": [0, 1],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "crash-F27-loop-over-name-in-loop-reads-it-after",
        "source": """\
import numpy as np

class Model:
    def __init__(self, scale):
        self.scale = scale

    def forward(self, v):
        return self.scale * v


MODEL = Model(1.08)
NSTEPS1 = 2

def f(z, w):
    w = np.tanh(w)
    for i5 in range(NSTEPS1):
        for r6 in w:
            z[:, -1] *= MODEL.forward(w)
    return np.sum(np.sin(z))
""",
        "args": "(np.array([[-0.4687, 1.0785, -0.8306], [-0.9777, 0.9566, 1.0123], [0.0293, 0.0937, -0.3894]]), np.array([-0.399, -0.8806, -0.8307]))",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "crash-F27-loop-over-rows-in-while",
        "source": """\
import numpy as np

def f(x, y):
    v = np.sin(x)
    k = 0
    s = 0.0
    while k < 2:
        for r in v:
            s = s + np.sum(r * y)
        k += 1
    return s + np.sum(v ** 2)
""",
        "args": "(np.array([[0.2, 0.5], [0.3, -0.1]]), 0.7)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "inplace-F28-flip-view-held-in-dict-then-argument-written",
        "source": """\
import numpy as np

def f(y, z):
    z4 = np.cumsum(y, axis=1).copy()
    d5 = {'a': np.flip(z), 'b': 1.5}
    z *= z
    z4[1] *= d5['a']
    return np.mean(z4 ** 2)
""",
        "args": "(np.array([[-1.0012, 0.9116], [0.0535, -0.7507], [-0.4221, 0.5085]]), np.array([0.1218, -0.8248]))",
        "wrt": [0, 1],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "inplace-F28-rot90-view-then-write",
        "source": """\
import numpy as np

def f(x):
    u = x * 2.0
    r = np.rot90(u)
    u[0, 0] = 0.0
    return np.sum(r * x.T)
""",
        "args": "(np.array([[0.2, 0.5], [0.3, -0.1]]),)",
        "wrt": [0],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "inplace-F28-flipud-copy-then-write",
        "source": """\
import numpy as np

def f(x):
    u = x * 2.0
    r = np.flipud(u).copy()
    u[0, 0] = 0.0
    return np.sum(r * x) + np.sum(u ** 2)
""",
        "args": "(np.array([[0.2, 0.5], [0.3, -0.1]]),)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "inplace-F29-branch-rebinds-name-reverse-reads",
        "source": """\
import numpy as np

B5 = np.array([1.1025, -0.4333, -1.1879, -0.3279])

def f(x, w, z):
    h9 = np.hypot(w * w, np.abs(B5) ** 1.5)
    c11 = h9.copy()
    if x < 0.28:
        h9 = np.copysign(B5[1] + x, z)
    else:
        h9[h9 > 0.34] -= x
    for i14 in range(3):
        h9[h9 > 0.19] *= np.max(c11)
    return np.sum(np.sin(c11))
""",
        "args": "(-0.7721, np.array([0.3836, 0.3417, 0.9439, -0.5332]), np.array([-1.1767, -0.6634, -1.0891, -0.4646]))",
        "wrt": [0, 1, 2],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "inplace-F29-branch-gives-argument",
        "source": """\
import numpy as np

def f(x, w, z):
    h = np.hypot(w * w, 0.5)
    c = h.copy()
    if x < 0.28:
        h = z
    else:
        h[0] -= x
    for i in range(2):
        h[h > 0.19] *= np.max(c)
    return np.sum(np.sin(c)) + x
""",
        "args": "(-0.7721, np.array([0.3836, 0.3417, 0.9439, -0.5332]), np.array([-1.1767, -0.6634, -1.0891, -0.4646]))",
        "wrt": [0, 1, 2],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "inplace-F29-else-arm-rebinds",
        "source": """\
import numpy as np

def f(x, w):
    h = np.sin(w)
    if x > 0.0:
        h[0] = x
    else:
        h = w * 3.0
    return np.sum(h ** 2) + np.sum(np.cos(h))
""",
        "args": "(-0.7721, np.array([0.3836, 0.3417, 0.9439]))",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "inplace-F30-helper-writes-argument-then-rebinds",
        "source": """\
import numpy as np

import math

B7 = np.array([[1.0551, 0.0496], [-0.2073, -1.1152], [-0.3502, -1.058]])

def energy_0(p0, p1, k=1.12):
    p1[0] += np.std(p1)
    p1 = [k, k]

def f(x, y, z):
    h8 = x[1]
    o9 = energy_0(np.clip(B7, -1.0, 1.0 + B7), h8, math.sin(z))
    return np.mean(h8 ** 2)
""",
        "args": "((0.5615, np.array([-0.5759, 0.1546])), np.array([-1.0854, 1.1987, 0.4875]), 1.1211)",
        "wrt": [0, 1, 2],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "inplace-F30-helper-writes-copy-then-rebinds",
        "source": """\
import numpy as np

def g(p, k):
    p = p.copy()
    p[0] = k
    p = p * 2.0
    return p

def f(x, y):
    u = g(x, y)
    return np.sum(u * x)
""",
        "args": "(np.array([-0.5759, 0.1546]), 0.4)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "crash-F31-augmented-argument-by-its-item-in-loop",
        "source": """\
import numpy as np

def f(x, y):
    for i15 in range(len(x)):
        x += x[i15]
    return np.sum(x)
""",
        "args": "(np.array([-0.4173, 0.7184, 1.099]), 0.5)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "crash-F32-hvp-solve-of-a-constant-matrix",
        "source": """\
import numpy as np

B5 = np.array([[-0.6908, -0.1256], [-0.0399, 0.7343]])

def f(x, y):
    x = np.linalg.solve((0.81 > B5) + np.eye(2), x)
    return np.sum(x)
""",
        "args": '(np.array([0.4026, 0.1912]), {"w": np.array([[-0.4905, -0.9921], [0.3765, 0.0759]]), "b": np.array([1.0806, -0.3272])})',
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "crash-F32-hvp-solve-neighbours",
        "source": """\
import numpy as np

A = np.array([[2.0, 0.3], [0.1, 1.5]])

def f(x, k):
    y = np.linalg.solve(A, x * k)
    z = np.linalg.solve(A + k * np.eye(2), np.sin(x))
    w = np.linalg.solve(A, np.outer(x, x))
    return np.sum(y ** 2) + np.sum(z * x) + np.sum(np.tanh(w))
""",
        "args": "(np.array([0.4, -0.7]), 0.8)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "crash-F31-neighbours-sum-reads-its-own-items",
        "source": """\
import numpy as np

DT = 0.1

def f(x, y):
    for i in range(len(x)):
        x = x + x[i]
        x = x + DT * x[i]
    m = np.outer(x, x)
    for j in range(2):
        m = m + y * m[j]
    return np.sum(m) + np.sum(x)
""",
        "args": "(np.array([-0.4173, 0.7184, 1.099]), 0.5)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "crash-F31-functional-form",
        "source": """\
import numpy as np

def f(x, y):
    for i in range(len(x)):
        x = x + x[i]
    return np.sum(x)
""",
        "args": "(np.array([-0.4173, 0.7184, 1.099]), 0.5)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "wrong-F33-write-into-the-next-pass-of-a-hoisted-value",
        "source": """\
import numpy as np

def f(x, w):
    for j in range(2):
        x[1] -= w[0]
        x = np.tanh(w[1])
    return np.sum(x)
""",
        "args": "(np.array([-1.0854, -0.6509, -0.5241]), [0.3, np.array([0.2, -0.5, 1.1])])",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "wrong-F33-nested-while-neighbour",
        "source": """\
import numpy as np

SCALE = 0.83

def f(x, w):
    it = 0
    while it < 3:
        it += 1
        k = 0
        while k < 2:
            k += 1
            x[1] -= np.sum(w[0]) * SCALE
            x = np.tanh(w[1]) * SCALE
    return np.sum(x ** 2)
""",
        "args": "(np.array([-1.0854, -0.6509, -0.5241]), [np.array([-1.1666, 0.7375, -0.0194]), np.array([0.2702, -0.5929, 1.1383])])",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "wrong-F33-helper-neighbour",
        "source": """\
import numpy as np

def bump(v, c):
    v[0] += c
    return v

def f(x, y):
    for j in range(3):
        x = bump(x, y)
        x = np.exp(0.1 * y) * np.ones(3)
    return np.sum(np.sin(x))
""",
        "args": "(np.array([0.4, -0.2, 0.9]), 0.7)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "crash-F34-hvp-of-a-function-of-constants-only",
        "source": """\
import numpy as np

X02 = np.array([-0.2162, 0.2605, 0.3025])

def f(x, y):
    s2 = X02.copy().copy()
    return np.sum(s2)
""",
        "args": "(1.1191, 1.0186)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "crash-F34-neighbour-array-arguments-unused",
        "source": """\
import numpy as np

W = np.array([[0.5, -0.2], [0.1, 0.3]])

def f(x, p):
    return np.sum(np.tanh(W @ W))
""",
        "args": "(np.array([0.3, -0.4]), {'a': np.array([1.0, 2.0]), 'b': 0.5})",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "wrong-F35-branch-binds-a-module-constant-to-a-written-name",
        "source": """\
from typing import NamedTuple
import numpy as np
K4 = np.array([0.5153, -1.0889])
W0 = np.array([-0.0471, 0.4499])

class Params(NamedTuple):
    w: np.ndarray
    b: float

def f(x, y, z):
    h1 = 1.0 + z.w
    h1[h1 > -0.15] = W0
    if np.mean(K4) < 0.18:
        h1 = W0
    elif z.b > -0.33:
        pass
    else:
        h1[0] = W0
    return np.mean(h1 ** 2)
""",
        "args": "((0.8259, np.array([0.5432, 0.8232])), np.array([[0.2799, -0.1431], [-0.1728, -0.2142], [-0.733, 0.9117]]), Params(w=np.array([0.7803, -0.8099]), b=0.7034),)",
        "wrt": [0, 1, 2],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "wrong-F36-write-through-a-view-of-a-dict-item",
        "source": """\
import numpy as np
ALPHA3 = 0.5172

def f(x, y):
    d5 = {'a': x, 'b': ALPHA3}
    y = d5['a'][::1]
    y[2] -= np.average(np.append(x[1:], ALPHA3))
    return np.mean(x ** 2)
""",
        "args": "(np.array([0.6568, -1.1903, 0.4914]), np.array([-0.4448, -0.6833, 0.0021]),)",
        "wrt": [0, 1],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "wrong-F36-neighbour-dict-item-written-in-place",
        "source": """\
import numpy as np

def f(x, c):
    d = {"a": x}
    y = d["a"]
    y *= c
    return np.mean(x ** 2)
""",
        "args": "(np.array([0.6568, -1.1903, 0.4914]), 0.3)",
        "wrt": [0, 1],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "wrong-F36-neighbour-view-of-a-list-item",
        "source": """\
import numpy as np

def f(x, z):
    ps = [x, z]
    w = ps[1][1:]
    w[0] -= x[2]
    return np.sum(ps[1] * x) + np.sum(z)
""",
        "args": "(np.array([0.6568, -1.1903, 0.4914]), np.array([0.3, 0.2, 0.1]))",
        "wrt": [0, 1],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "wrong-F36-neighbour-helper-writes-a-dict-item-keywords",
        "source": """\
import numpy as np
SCALE = 0.5

def step(state, rate=1.0):
    u = state["u"]
    u[0] = rate * u[1]
    return state

def f(x, z):
    s = step(state={"u": x, "v": z}, rate=SCALE)
    return np.sum(x * z)
""",
        "args": "(np.array([0.6568, -1.1903, 0.4914]), np.array([0.3, 0.2, 0.1]))",
        "wrt": [0, 1],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "wrong-F36-neighbour-dict-item-view-written-in-a-loop",
        "source": """\
import numpy as np
DT = 0.1

def f(x, z):
    state = {"u": x, "v": z}
    for k in range(3):
        u = state["u"][1:]
        u -= DT * state["v"][:2]
    return np.sum(x ** 2)
""",
        "args": "(np.array([0.6568, -1.1903, 0.4914]), np.array([0.3, 0.2, 0.1]))",
        "wrt": [0, 1],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "wrong-F36-neighbour-dict-item-view-written-in-a-branch",
        "source": """\
import numpy as np

def f(x, z):
    d = {"a": x}
    if np.sum(z) > 0.1:
        y = d["a"][:2]
        y *= z[:2]
    return np.sum(x ** 2)
""",
        "args": "(np.array([0.6568, -1.1903, 0.4914]), np.array([0.3, 0.2, 0.1]))",
        "wrt": [0, 1],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "wrong-F36-neighbour-new-array-from-an-item-written",
        "source": """\
import numpy as np

def f(x, z):
    d = {"a": x, "b": z}
    y = d["a"] * 2.0
    y[0] = z[1]
    lst = [x, z]
    v = lst[0][::2].copy()
    v[0] = z[1]
    return np.sum(y * x) + np.sum(d["b"]) + np.sum(v ** 2)
""",
        "args": "(np.array([0.6568, -1.1903, 0.4914]), np.array([0.3, 0.2, 0.1]))",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "wrong-F36-neighbour-tuple-unpacked-item-written",
        "source": """\
import numpy as np

def f(x, z):
    pair = (x, z)
    a, b = pair
    a[0] = b[1] * 2.0
    return np.sum(x ** 2)
""",
        "args": "(np.array([0.6568, -1.1903, 0.4914]), np.array([0.3, 0.2, 0.1]))",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "wrong-F37-helper-writes-its-argument-in-a-while-loop-then-rebinds",
        "source": """\
import numpy as np
ALPHA7 = np.array([[-1.1928, -1.0171], [0.3444, 0.3874]])
W0 = np.array([0.2962, -0.4586])

def update_0(p0):
    it1 = 0
    while it1 < 3:
        it1 += 1
        p0[1] += 1.02
    p0 = 0.5 * p0
    z4 = ALPHA7.min(axis=1)
    return (np.divide(np.logaddexp2(W0, z4), 1.5 + W0), p0)

def f(x, y):
    o5, o6 = update_0(p0=x)
    return np.sum(x) + np.sum(o6)
""",
        "args": "(np.array([0.446, 0.7702]), [np.array([-0.669, 0.3493]), np.array([1.1033, -0.76])],)",
        "wrt": [0, 1],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "wrong-F37-neighbour-helper-in-a-time-loop-writes-in-a-while-loop",
        "source": """\
import numpy as np
DT = 0.1

def update(p0, rate=1.0):
    k = 0
    while k < 2:
        k += 1
        p0[0] += DT * rate * p0[1]
    p0 = p0 * 0.5
    return p0

def f(x, y):
    s = 0.0
    for i in range(3):
        o = update(p0=x, rate=y)
        s = s + np.sum(o)
    return s + np.sum(x ** 2)
""",
        "args": "(np.array([0.446, 0.7702]), 0.3)",
        "wrt": [0, 1],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "wrong-F37-neighbour-helper-writes-in-a-for-loop-then-rebinds",
        "source": """\
import numpy as np

def update_0(p0):
    for i in range(3):
        p0[1] += 1.02 * p0[0]
    p0 = 0.5 * p0
    return p0

def f(x, y):
    o6 = update_0(x)
    return np.sum(x) + np.sum(o6)
""",
        "args": "(np.array([0.446, 0.7702]), 0.3)",
        "wrt": [0, 1],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "wrong-F37-neighbour-helper-augments-in-a-while-loop-then-rebinds",
        "source": """\
import numpy as np

def update(p0, c):
    k = 0
    while k < 2:
        p0 *= c
        k += 1
    p0 = p0 + 1.0
    return p0

def f(x, y):
    z = update(p0=x, c=y)
    return np.sum(x ** 2) + np.sum(z)
""",
        "args": "(np.array([0.446, 0.7702]), 0.3)",
        "wrt": [0, 1],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "wrong-F37-neighbour-helper-writes-in-a-loop-without-rebinding",
        "source": """\
import numpy as np

def update(p0, c):
    it = 0
    while it < 2:
        it += 1
        p0[1] -= c * p0[0]
    return p0 * c

def f(x, y):
    z = update(p0=x, c=y)
    return np.sum(x ** 2) + np.sum(z)
""",
        "args": "(np.array([0.446, 0.7702]), 0.3)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "wrong-F37-neighbour-helper-writes-a-copy-in-a-loop-then-rebinds",
        "source": """\
import numpy as np

def update(p0, c):
    p0 = p0.copy()
    for i in range(2):
        p0[1] -= c * p0[0]
    p0 = p0 * c
    return p0

def f(x, y):
    z = update(p0=x, c=y)
    return np.sum(x ** 2) + np.sum(z)
""",
        "args": "(np.array([0.446, 0.7702]), 0.3)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "crash-F38-reverse-loop-left-with-nothing-to-do",
        "source": """\
import numpy as np
import scipy.special
ALPHA4 = 0.2674

def f(x, y):
    s2 = np.std(scipy.special.xlogy(1.5, 1.0 + np.max(y['w'], axis=0)))
    z3 = np.prod(1.2 + y['w'], axis=0).copy() > 0.1
    for i4 in range(len(z3)):
        for k6, r5 in enumerate(z3):
            break
        for i7 in range(len(z3)):
            s2 -= ALPHA4
    return s2 + x
""",
        "args": "(-0.9307, {'w': np.array([[-1.0437, 0.0991, 1.065], [-0.674, -0.6428, -0.9175], [-0.8331, 0.4036, -0.3895], [0.1577, -0.5066, 0.7824]]), 'b': np.array([-0.7808, 0.4779, 0.4008, 0.9254])},)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "crash-F38-neighbour-constant-steps-in-a-while-in-a-for",
        "source": """\
import numpy as np
DT = 0.1

def f(x, c):
    s = np.sum(x ** 2) * c
    for i in range(3):
        k = 0
        while k < 2:
            s = s - DT
            k += 1
    return s
""",
        "args": "(np.array([0.3, -0.2, 0.5]), 0.7)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "crash-F38-neighbour-helper-with-keywords-shifts-by-a-constant",
        "source": """\
import numpy as np
SHIFT = 0.25

def shift(v, by=1.0):
    return v - by

def f(x, c):
    s = np.sum(np.sin(x)) * c
    for i in range(2):
        for j in range(2):
            s = shift(s, by=SHIFT)
    return s
""",
        "args": "(np.array([0.3, -0.2, 0.5]), 0.7)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "crash-F38-neighbour-loop-variable-read-after-the-loop",
        "source": """\
import numpy as np

def f(x, c):
    s = np.sum(x) * c
    for i in range(3):
        for r in x:
            s = s + 1.0
    return s * i
""",
        "args": "(np.array([0.3, -0.2, 0.5]), 0.7)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "impure-F39-helper-writes-a-module-constant-through-a-parameter",
        "source": """\
import math
import numpy as np
K6 = np.array([0.7843, -0.2661, 0.8119])

def mix_0(p0, p1):
    acc6 = []
    for r4, q5 in zip(p1, p0):
        p1[2] = math.erf(q5)
        acc6.append(p1 * p0)
    return sum(acc6)

def f(x, y, z):
    x = np.log(1.0 + K6 ** 2) + 0.5 * x
    o19 = mix_0(p0=z, p1=K6)
    return np.mean(o19 ** 2) + np.sum(np.sin(z)) + np.sum(y) + np.sum(x)
""",
        "args": "(np.array([1.0569, 0.8323, -0.3967]), np.array([[0.069, 1.0122, 0.7312], [-0.1666, 0.7576, 0.4001]]), np.array([0.5063, -0.1559, 0.5467]),)",
        "wrt": [0, 1, 2],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "impure-F39-neighbour-alias-of-a-module-constant-written-in-a-branch",
        "source": """\
import numpy as np
K6 = np.array([0.7843, -0.2661, 0.8119])

def f(z):
    k = K6
    if np.sum(z) > 0.0:
        k[1] = 0.5
    return np.sum(k * z)
""",
        "args": "(np.array([0.5063, -0.1559, 0.5467]),)",
        "wrt": [0],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "impure-F39-neighbour-view-of-a-module-constant-augmented",
        "source": """\
import numpy as np
K6 = np.array([0.7843, -0.2661, 0.8119])

def f(z):
    k = K6[1:]
    k *= 2.0
    return np.sum(K6 * z)
""",
        "args": "(np.array([0.5063, -0.1559, 0.5467]),)",
        "wrt": [0],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "impure-F39-neighbour-time-loop-helper-writes-module-state-keywords",
        "source": """\
import numpy as np
DT = 0.1
STATE = np.zeros(3)

def step(u, s, dt=1.0):
    s[:] = u
    return u + dt * s

def f(z):
    u = z
    for i in range(3):
        u = step(u, s=STATE, dt=DT)
    return np.sum(u ** 2)
""",
        "args": "(np.array([0.5063, -0.1559, 0.5467]),)",
        "wrt": [0],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "impure-F39-neighbour-item-of-a-module-list-or-a-local-dict-written",
        "source": """\
import numpy as np
L = [np.array([0.7843, -0.2661, 0.8119])]
K6 = np.array([0.7843, -0.2661, 0.8119])

def f(z):
    d = {"k": K6, "z": z}
    w = d["k"]
    w[0] = np.sum(z)
    a = L[0]
    a[1] = 0.0
    return np.sum(d["z"] * z) + np.sum(a * z)
""",
        "args": "(np.array([0.5063, -0.1559, 0.5467]),)",
        "wrt": [0],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "impure-F39-neighbour-model-attribute-written",
        "source": """\
import numpy as np

class M:
    def __init__(self):
        self.w = np.array([0.7843, -0.2661, 0.8119])

MODEL = M()

def f(z):
    w = MODEL.w
    w[0] = np.sum(z)
    return np.sum(w * z)
""",
        "args": "(np.array([0.5063, -0.1559, 0.5467]),)",
        "wrt": [0],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "impure-F39-neighbour-module-constants-read-only-and-copied",
        "source": """\
import numpy as np
K6 = np.array([0.7843, -0.2661, 0.8119])
WS = [np.array([0.1, 0.2, 0.3]), np.array([0.5, -0.5, 0.25])]

def layer(v, w=K6, scale=1.0):
    return np.tanh(w * v) * scale

def f(z):
    h = z
    for w in WS:
        h = layer(h, w=w, scale=0.5)
    k = K6 + 0.0
    k[0] = h[1]
    c = K6.copy()
    c[2] = h[0]
    acc = np.zeros(3)
    acc += layer(h, scale=2.0)
    return np.sum(k * h) + np.sum(acc) + np.sum(c * z)
""",
        "args": "(np.array([0.5063, -0.1559, 0.5467]),)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "impure-F39-neighbour-view-method-of-a-module-constant-written",
        "source": """\
import numpy as np
K6 = np.array([[-1.0726, -0.9734], [0.1338, 0.2275]])

def f(x, z):
    z9 = K6.ravel().reshape(2, 2)
    z9[1, -1] = K6[1, 0]
    z9[-1] *= z
    return np.sum(x) + np.sum(z9)
""",
        "args": "(np.array([-0.8006, 0.0523]), np.array([-0.647, 1.1034]),)",
        "wrt": [0, 1],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "wrong-F40-second-name-of-a-list-appended-in-a-loop",
        "source": """\
import numpy as np

def f(x, c):
    lst = []
    a = lst
    for i in range(2):
        lst.append(x * (i + c))
    return np.sum(sum(a))
""",
        "args": "(np.array([0.3, -0.2, 0.5]), 0.7)",
        "wrt": [0, 1],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "wrong-F40-neighbour-helper-appends-to-its-argument-in-a-loop",
        "source": """\
import numpy as np

def record(log, v):
    log.append(v ** 2)

def f(x, c):
    hist = []
    u = x
    for i in range(3):
        u = np.cos(u) * c
        record(hist, v=u)
    return np.sum(hist[0] + hist[-1])
""",
        "args": "(np.array([0.3, -0.2, 0.5]), 0.7)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "wrong-F40-neighbour-helper-appends-and-returns-the-list-keywords",
        "source": """\
import numpy as np
W = np.array([0.5, -0.3, 0.2])

def push(lst, v, scale=1.0):
    lst.append(v * scale)
    return lst

def f(x, c):
    out = []
    for i in range(2):
        out = push(out, v=np.exp(x * W), scale=c)
    return np.sum(out[0] * out[1]) + len(out)
""",
        "args": "(np.array([0.3, -0.2, 0.5]), 0.7)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "crash-F41-while-condition-and-hands-a-lambda-to-a-helper",
        "source": """\
import math
import numpy as np

def apply_fn(fn, v):
    return fn(v) + 0.5 * v

def f(x, y):
    it7 = 0
    while it7 < 4 and (math.tanh(apply_fn(lambda u: np.sinh(0.5 * u) * 0.9, -0.22)) > 0.5 and y.sum() < 0.51):
        it7 += 1
        x = x * 1.1
    return np.sum(x ** 2) + np.sum(y)
""",
        "args": "(np.array([0.3, 0.4]), np.array([0.1, 0.2]))",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "crash-F41-neighbour-while-and-taken-lambda-to-a-helper",
        "source": """\
import numpy as np

def apply_fn(fn, v):
    return fn(v) + 0.5 * v

def f(x):
    it = 0
    while it < 2 and (apply_fn(lambda u: u * 0.9, x[0]) > 0.1 and x[1] < 5.0):
        it += 1
        x = x * 1.1
    return np.sum(x ** 2)
""",
        "args": "(np.array([0.3, 0.4]),)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "crash-F41-neighbour-while-or-lambda-module-constant-keyword-break",
        "source": """\
import numpy as np
TOL = 0.5

def apply_fn(fn, v, scale=1.0):
    return fn(v) * scale

def f(x):
    k = 0
    s = x
    while k < 1 or apply_fn(lambda u: np.sum(u ** 2), s, scale=2.0) > TOL:
        s = 0.5 * s + 0.01 * np.sin(s)
        k += 1
        if k > 6:
            break
    return np.sum(s * x)
""",
        "args": "(np.array([0.3, 0.4]),)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "wrong-F42-hypot-at-the-apex",
        "source": """\
import numpy as np

def f(x, y, z):
    x[:] = np.heaviside(np.array([-0.5895, -0.89]) @ np.array([[-0.1074, 1.1606, 0.5884], [0.4066, -0.4418, 0.2159]]), 0.5)
    for i7 in range(len(x)):
        x[1:] -= y * x[:1]
    a10 = np.pad(x * np.tile(x, (2, 1)), 1)[1:-1, 1:-1]
    a10[:, -1] = np.hypot(a10[:, 1], np.einsum('ij,j->i', a10, x))
    return np.sum(np.sin(a10))
""",
        "args": "(np.array([-0.7861, 0.7537, -1.0556]), -0.3284, -1.1306,)",
        "wrt": [0, 1, 2],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "wrong-F43-std-of-values-equal-up-to-rounding",
        "source": """\
import numpy as np

def f(x, y):
    z = np.std(np.stack([y] * 3), axis=0)
    return np.sum(np.sin(z)) + np.sum(x * y)
""",
        "args": "(np.array([1.1184, 0.401, 0.9113]), np.array([0.1, 0.7, 2.3]),)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "wrong-F43-neighbour-std-of-tiled-rows-in-a-loop",
        "source": """\
import numpy as np

SCALE = 0.1

def f(x):
    s = 0.0
    for i in range(2):
        rows = np.tile(x * SCALE, (3, 1))
        s = s + np.sum(rows.std(axis=0)) + np.sum(x ** 2)
    return s
""",
        "args": "(np.array([0.1, 0.7, 2.3]),)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "crash-F44-sum-seed-read-twice-folded-to-a-number",
        "source": """\
import math
import numpy as np

def f(x, steps):
    x[x > 0.05] -= 0.06
    x += x
    return np.sum(x)
""",
        "args": "(np.array([0.7011, -1.0022]), 1,)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "crash-F44-neighbour-doubled-state-written-through-a-mask-in-a-loop",
        "source": """\
import numpy as np

CAP = 0.5

def clip_high(v, cap=CAP):
    v[v > cap] = cap
    return v

def f(x, y):
    for i in range(2):
        x = clip_high(x + x, cap=CAP) * y
    return np.sum(x + x)
""",
        "args": "(np.array([0.7011, -1.0022, 0.2]), 1.3,)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "crash-F45-checkpointed-step-reads-an-invariant-a-later-loop-rebinds",
        "source": """\
import numpy as np
import scipy.special

X08 = 0.6252

def rhs_0(p0, p1, k=0.53):
    s2 = p0
    s2[s2 > -0.42] -= k

def f(x, steps):
    s3 = X08
    for i4 in range(steps):
        s7 = 0.59
        o8 = x[1]
        if s3 > 0.15:
            pass
        else:
            o10 = rhs_0(np.arctan2(o8, 1.5 + o8), x[0] < 0.45 and s7 or s7)
    for i12 in range(3):
        s3 /= scipy.special.logsumexp(x[0])
        for i13 in range(1, 2):
            return s3
""",
        "args": "([np.array([-0.2536, 0.8037]), np.array([0.3501, 1.1836])], 3,)",
        "wrt": [0],
        "expect": ("pass", "refused"),
        "open": None,
    },
    {
        # F45 as a user writes it: a checkpointed loop reads a weight that a later
        # loop, which may return early, divides in place
        "id": "pass-F45-checkpointed-step-reads-a-weight-a-later-loop-divides",
        "source": """\
import numpy as np

def f(x, steps):
    w = 0.7
    for t in range(steps):
        if w > 0.5:
            x = x * w
        else:
            x = x - w
    for j in range(3):
        w /= np.sum(np.exp(x))
        if w < 0.01:
            return w
    return w + np.sum(x)
""",
        "args": "(np.array([0.3, -0.7, 0.2]), 4,)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "pass-F45-checkpointed-step-reads-a-rate-a-later-loop-carries",
        "source": """\
import numpy as np

DT = 0.05

def f(x, steps):
    k = DT
    for t in range(steps):
        x = x + k * np.sin(x)
    for j in range(3):
        k = k * 0.5 + np.sum(x) * 0.01
    return np.sum(x ** 2) + k
""",
        "args": "(np.array([0.3, -0.7, 0.2]), 4,)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "wrong-F46-checkpointed-while-writes-an-argument-then-rebinds-it",
        "source": """\
import numpy as np

X03 = np.array([[-0.6346, -1.1739], [-0.5933, -0.705]])

def f(x, y, steps):
    y -= np.max(x)
    it9 = 0
    while it9 < 1:
        it9 += 1
        for i10 in range(1):
            x[1] = 1.23
            x = X03.min(axis=1)
    return np.sum(np.sin(y))
""",
        "args": "(np.array([-1.0443, 1.1382]), np.array([-1.1465, -0.3647]), 1,)",
        "wrt": [0, 1],
        "expect": ("pass", "refused"),
        "open": None,
    },
    {
        # F46 in a for loop: the nested loop's write into the outer loop's state was
        # not seen as a change of the carried array, so the schedule did not put the
        # argument back before np.max(u) was differentiated
        "id": "wrong-F46-checkpointed-for-writes-an-argument-then-rebinds-it",
        "source": """\
import numpy as np

X0 = np.array([0.3, -0.2, 0.5])

def f(u, v, steps):
    v -= np.max(u)
    for t in range(steps):
        for j in range(1):
            u[0] = 1.5
            u = X0 * t
    return np.sum(np.sin(v)) + np.sum(u)
""",
        "args": "(np.array([0.3, -0.7, 0.2]), np.array([0.1, 0.4, -0.3]), 3,)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "pass-F46-checkpointed-sweep-writes-the-state-then-replaces-it",
        "source": """\
import numpy as np

DT = 0.1

def f(u, steps):
    total = np.max(u)
    for t in range(steps):
        for j in range(1, 3):
            u[j] = 0.5 * (u[j] + u[j - 1])
        u = np.tanh(u) + DT
    return total + np.sum(u ** 2)
""",
        "args": "(np.array([0.3, -0.7, 0.2]), 4,)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "crash-F47-loop-rebinds-a-slice-of-itself-then-a-write-hangs-the-module-check",
        "source": """\
import numpy as np

def f(x):
    for i in range(3):
        x = x[::-1][::-1]
    x[x > 0.14] -= 0.67
    return np.sum(np.sin(x))
""",
        "args": "(np.array([0.2004, -0.4879, 0.0647, 1.1548]),)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
    },
    {
        # F48: release_before wrote `del t` once the code seemed done with t, before the
        # reverse of a checkpointed loop in a branch, whose steps still read t
        "id": "crash-F48-checkpointed-step-in-a-branch-reads-a-released-name",
        "source": """\
import numpy as np

def f(x, y, z):
    if 1.2 > 0.14:
        it1 = 0
        while it1 < 4:
            it1 += 1
            x[:, 0] = y['b']
    else:
        pass
    for i4 in range(1, 3):
        pass
    u11 = z['w'][0]
    return np.sum(u11)
""",
        "args": (
            "(np.array([[-0.3514, 0.1204, 1.1794], [0.7527, -0.8422, -0.6659], [0.0775, 1.1025, 0.5837]]), "
            "{'w': np.array([[0.3354, -0.3342, 0.3558], [-0.6819, -0.5835, -0.0681], [0.1199, 1.154, 0.9302]]), "
            "'b': np.array([-0.6272, 0.1481, 0.6063])}, "
            "{'w': np.array([[-1.0045, 1.1571, 0.7723], [0.1972, -0.0238, 0.3644], [0.9358, -1.1992, 0.9589]]), "
            "'b': np.array([0.2194, -1.0712, -1.1071])},)"
        ),
        "wrt": [0, 1, 2],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "pass-F48-checkpointed-while-in-a-branch-reads-a-parameter-item",
        "source": """\
import numpy as np

def f(u, b, steps):
    total = 0.0
    if steps > 1:
        k = 0
        while k < steps:
            k += 1
            total = total + np.sum(b["w"] * np.sin(u))
            u = u * 0.9
    for i in range(2):
        u = u + 0.1
    return total + np.sum(u ** 2)
""",
        "args": "(np.array([0.3, -0.7, 0.2]), {'w': np.array([0.4, 1.1, -0.6])}, 3,)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        # F49: forward mode gave `t_dot = broadcast_like(y_dot, t)` (the same buffer when
        # the shapes agree), then wrote y_dot[:, 0] in place for y[:, 0] = W7: the
        # tangent of y + I changed with it (hvp silently wrong, campaign seed 700062)
        "id": "wrong-F49-hvp-tangent-shared-with-an-array-written-later",
        "source": """\
import numpy as np

W7 = np.array([0.1742, 0.5896, 0.2769])

def apply_fn(fn, v):
    return v

def f(x, y):
    t2, t3 = (np.linalg.det(y + np.eye(3)), apply_fn(lambda u: 0.9, x[0]))
    if t3 >= -0.51:
        return t3
    y[:, 0] = W7
    return t2
""",
        "args": (
            "((-0.8293, np.array([0.3453, -0.3221, 0.3514])), "
            "np.array([[0.4409, -0.4298, 0.1513], [0.7689, 0.7734, -0.3384], [0.7816, -0.6882, -0.4595]]),)"
        ),
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        # jvp of the user's own function: the same sharing (wrong on the old code)
        "id": "wrong-F49-jvp-log-det-then-reset-a-column",
        "source": """\
import numpy as np

W0 = np.array([0.1742, 0.5896, 0.2769])
EYE = np.eye(3)

def f(y):
    a = y + EYE
    y[:, 0] = W0
    return np.log(np.abs(np.linalg.det(a))) + np.sum(y ** 2)
""",
        "args": "(np.array([[0.44, -0.43, 0.15], [0.77, 0.77, -0.34], [0.78, -0.69, -0.46]]),)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "wrong-F49-jvp-transposed-reshape-then-write-a-row",
        "source": """\
import numpy as np

def f(y):
    a = y.reshape(3, 3) + 0.0
    b = a.T
    y[0] = 1.0
    return np.sum(np.sin(b)) * np.sum(y)
""",
        "args": "(np.array([[0.44, -0.43, 0.15], [0.77, 0.77, -0.34], [0.78, -0.69, -0.46]]),)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
    },
    {
        # F50: hoisting took `row ** 2` out of the loop as invariant, though `row` is a
        # view of u and the loop writes u[i]: value and gradient silently wrong (found
        # writing tests for the restores the sweep can skip); now refused with the line
        "id": "wrong-F50-hoisted-read-of-a-view-the-loop-writes-through",
        "source": """\
import numpy as np

DT = 0.1

def f(x, a):
    u = x * 1.0
    row = u[:2]
    total = 0.0
    for i in range(1, 3):
        u[i] = a * u[i - 1] + DT
        total = total + np.sum(row ** 2)
    return total
""",
        "args": "(np.array([0.3, -0.2, 0.5, 0.1]), 0.8,)",
        "wrt": [0, 1],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "pass-F50-invariant-of-an-array-the-loop-does-not-write-still-hoisted",
        "source": """\
import numpy as np

DT = 0.1

def f(x, a):
    u = x * 1.0
    w = x[:2]
    total = 0.0
    for i in range(1, 3):
        u[i] = a * u[i - 1] + DT
        total = total + np.sum(w ** 2) * u[i]
    return total
""",
        "args": "(np.array([0.3, -0.2, 0.5, 0.1]), 0.8,)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        # F51: a helper's `k -= ...` in a loop, on an argument the caller passed a number
        # in (s4 = np.vdot(...)), was followed as a change of the caller's array: the
        # caller's s4 became the helper's k (value_and_grad's value silently wrong,
        # campaign seed 711000). A number now only rebinds the helper's name; where the
        # code cannot tell, the caller takes `k if holds_array(s4) else s4`
        "id": "wrong-F51-helper-augments-a-number-argument-in-a-loop",
        "source": """\
import math
import numpy as np
import scipy.special
import scipy.stats

def step_0(p0, p1, p2, k=0.73):
    z1 = p1
    for i2 in range(len(z1)):
        k -= np.nansum(z1)
    return (np.stack([p1] * 4), np.where(4 > 0.1, np.array([[1.0852, 1.033, 0.0376], [0.7989, 0.694, -0.2256], [-0.7599, 0.5917, -0.3968], [-0.5377, -0.0559, -0.8686]]).ravel().reshape(4, 3), 0.5 * 4))

def f(x):
    s4 = np.vdot(np.log(np.sum(np.exp(x), axis=1)), x[:, 1])
    o5, o6 = step_0(np.var(x, axis=1), np.max(x, axis=0), np.reciprocal(1.5 + 0.02), s4)
    return s4""",
        "args": "(np.array([[1.1001, -1.1248, -0.5413], [-1.1361, -0.2855, 0.2162], [-0.6794, -0.0937, -0.816], [-0.1549, 0.8434, -0.8911]]),)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "wrong-F51-helper-settles-a-step-size-read-out-of-the-weights",
        "source": """\
import numpy as np

def settle(k, v, n=2):
    for _ in range(n):
        k -= 0.1 * np.sum(v)
    return k * v

def f(w):
    lr = w[0]
    step = settle(lr, w)
    return np.sum(step) + lr * 3.0
""",
        "args": "(np.array([0.3, -0.7, 0.4]),)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "wrong-F51-helper-settles-a-mean-step-size",
        "source": """\
import numpy as np

def settle(k, v, n=2):
    for _ in range(n):
        k -= 0.1 * np.sum(v)
    return k * v

def f(w):
    lr = np.mean(w)
    step = settle(lr, w)
    return np.sum(step ** 2) + lr
""",
        "args": "(np.array([0.3, -0.7, 0.4]),)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
    },
    {
        # an array: the helper's loop changes the caller's array in place, which the
        # caller reads after; refused, as the same write outside a loop is
        "id": "refused-F51-helper-augments-an-array-argument-in-a-loop",
        "source": """\
import numpy as np

def settle(k, v, n=2):
    for _ in range(n):
        k -= 0.1 * np.sum(v)
    return k * v

def f(w):
    r = w[0] * 1.0
    step = settle(r, w[1])
    return np.sum(step) + np.sum(r ** 2)
""",
        "args": "(np.array([[0.3, -0.7], [0.1, 0.2]]),)",
        "wrt": [0],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "hvp-heat-equation-step-writes-the-interior",
        "source": """\
import numpy as np

DT = 0.05

def f(u0, k):
    u = u0 * 1.0
    for _ in range(4):
        u[1:-1] += DT * k * (u[2:] - 2.0 * u[1:-1] + u[:-2])
    return np.sum(u ** 2) + np.sum(np.sin(u))
""",
        "args": "(np.array([0.0, 0.3, 0.9, 0.4, 0.1, 0.0]), 0.7,)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
        "second_order": True,
    },
    {
        "id": "hvp-loop-writes-a-slice-of-its-state",
        "source": """\
import numpy as np

def f(x, w):
    state = np.zeros(6)
    state[:3] = x
    for i in range(3):
        state[i + 1:i + 4] = np.tanh(w * state[i:i + 3]) + 0.1 * state[i + 1:i + 4]
    return np.sum(state ** 2)
""",
        "args": "(np.array([0.4, -0.2, 0.7]), 1.3,)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
        "second_order": True,
    },
    {
        "id": "hvp-softmax-in-a-loop-fills-rows",
        "source": """\
import numpy as np

def softmax(z):
    e = np.exp(z - np.max(z))
    return e / np.sum(e)

def f(h, W):
    probs = np.zeros((3, 4))
    for t in range(3):
        probs[t] = softmax(W @ h)
        h = np.tanh(h + probs[t])
    return np.sum(np.log(probs[:, 0])) + np.sum(h ** 2)
""",
        "args": "(np.array([0.2, -0.5, 0.9, 0.1]), np.array([[0.5, -0.3, 0.2, 0.1], [0.0, 0.4, -0.6, 0.3], [0.7, 0.1, 0.2, -0.4], [-0.2, 0.3, 0.5, 0.6]]),)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
        "second_order": True,
    },
    {
        "id": "hvp-helper-writes-into-its-argument",
        "source": """\
import numpy as np

DAMPING = 0.9

def damp(v, c=0.5):
    v[0] *= c
    v[-1] *= c

def f(x, c):
    y = np.sin(x) * c
    for _ in range(2):
        damp(y, c=DAMPING)
        y = y + 0.1 * np.cos(y)
    return np.sum(y ** 3)
""",
        "args": "(np.array([0.3, 1.1, -0.4, 0.8]), 1.2,)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
        "second_order": True,
    },
    {
        "id": "hvp-list-built-by-append-and-read-back",
        "source": """\
import numpy as np

def f(x):
    history = []
    y = x
    for i in range(4):
        y = np.tanh(y * (i + 1.0))
        history.append(y)
    return sum(np.sum(h ** 2) for h in history) + np.sum(history[-1] * history[0])
""",
        "args": "(np.array([0.3, -0.6, 0.9]),)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
        "second_order": True,
    },
    {
        # F52: np.diag of a 2-D array is a (read-only) view of its diagonal, which
        # sharing.py did not know: a write into w changed x = np.diag(w), read after it
        # (gradient silently wrong, campaign seed 731115); now refused with the line
        "id": "wrong-F52-write-into-an-array-whose-diag-is-read-after",
        "source": """\
import numpy as np

def f(x, w):
    for i7 in range(1, 3):
        x = np.diag(w)
    w[:, 2] *= x[::1]
    return np.sum(x)
""",
        "args": (
            "(np.array([0.52, 0.0823, -0.8123]), "
            "np.array([[0.9151, -0.9969, -1.1425], [-0.2928, 1.1461, -0.146], [-0.2387, -0.8975, -0.7735]]),)"
        ),
        "wrt": [0, 1],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "wrong-F52-diagonal-kept-then-a-corner-set",
        "source": """\
import numpy as np

def f(w, v):
    d = np.diag(w)
    w[0, 0] = v
    return np.sum(d ** 2)
""",
        "args": "(np.array([[0.9, -0.9, -1.1], [-0.3, 1.1, -0.1], [-0.2, -0.9, -0.7]]), 0.5,)",
        "wrt": [0, 1],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "wrong-F52-real-part-kept-then-a-row-scaled",
        "source": """\
import numpy as np

def f(w):
    d = np.real(w)
    w[1] *= 2.0
    return np.sum(d)
""",
        "args": "(np.array([[0.9, -0.9, -1.1], [-0.3, 1.1, -0.1]]),)",
        "wrt": [0],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "pass-F52-diag-of-a-vector-is-a-new-matrix",
        "source": """\
import numpy as np

def f(v, s):
    D = np.diag(v) + s
    D[0, 1] = s * 2.0
    return np.sum(np.tanh(D))
""",
        "args": "(np.array([0.3, -0.4, 0.8]), 0.7,)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        # F53: `s2 /= 1.5` on a value a loop carries: on the first pass a number, on the
        # next the argument x the pass handed on (`s2 = x`), which Python divides in
        # place; the check followed only the loop's initial value (value and gradient
        # silently wrong, campaign seed 733228); now refused with the line
        "id": "wrong-F53-augmented-assignment-on-a-carried-name-that-becomes-the-argument",
        "source": """\
import numpy as np

def f(x):
    s2 = 0.8
    for r3 in x:
        s2 /= 1.5
        s2 = x
    return np.mean(x ** 2)
""",
        "args": "(np.array([-1.0004, 0.8864, -0.1644]),)",
        "wrt": [0],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "wrong-F53-scale-a-carried-name-then-hand-on-the-weights",
        "source": """\
import numpy as np

def f(x):
    s = 0.8
    for i in range(3):
        s *= 2.0
        s = x
    return np.sum(x ** 2)
""",
        "args": "(np.array([-1.0004, 0.8864, -0.1644]),)",
        "wrt": [0],
        "expect": ("refused",),
        "open": None,
    },
    {
        "id": "pass-F53-rebinding-a-carried-name-to-the-argument",
        "source": """\
import numpy as np

def f(x):
    s = 0.8
    for i in range(3):
        s = s * 2.0
        s = x
    return np.sum(x ** 2) + np.sum(s)
""",
        "args": "(np.array([-1.0004, 0.8864, -0.1644]),)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
    },
    {
        # F54: clean-up merged the copy `a1_1_dot = a1_dot` of a tuple assignment whose
        # other item read a1_dot too (`a1_1_dot, w2_dot = (a1_dot, owned(a1_dot))`): raw
        # NameError in jvp and hvp (campaign seeds 802725, 802720)
        "id": "crash-F54-tuple-copy-merged-while-another-item-reads-the-source",
        "source": """\
import numpy as np

def f(x):
    a1 = np.stack([x[1]] * 3).reshape(2, 3).T.copy()
    w2 = a1
    for r3 in a1:
        if x[0] <= -0.65:
            a1 = w2[:, 1]
        else:
            w2 = 30.0
    return np.mean(a1 ** 2)
""",
        "args": "((-0.2553, np.array([0.565, 0.3651])),)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "crash-F63-checkpointed-while-rewinds-a-read-only-diagonal",
        "source": """\
import numpy as np

DT0 = 0.3558

class Model:
    def __init__(self, scale):
        self.scale = scale

    def energy(self, v, k=0.5):
        return k * self.scale

MODEL = Model(1.1)

def f(x, w, steps):
    s1 = np.diag(w[:, None] * w)
    it2 = 0
    while it2 < 3:
        it2 += 1
        if MODEL.energy(w, k=DT0) <= -0.56:
            s1[0] = 0.0
    return np.sum(s1) + np.sum(x)
""",
        "args": "(np.array([0.6769, -1.0382]), np.array([0.1767, -0.1056]), 3,)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
        # (campaign seed 2107388, checkpoints only, raw ValueError on d814a0f: the schedule put the
        # carried array back after the loop by writing into it, and np.diag gave a read-only view)
    },
    {
        "id": "wrong-F65-op-assign-on-a-branch-result-that-may-be-a-view",
        "source": """\
import numpy as np

def f(x, y, z, steps):
    row8 = y[1]
    if np.linalg.norm(z[0]) <= -0.0:
        for r9 in y:
            row8 = 0.09
    row8 *= 0.97
    return np.sum(np.sin(y))
""",
        "args": "([np.array([-0.0906, -0.2783]), np.array([0.4865, 0.5567])], np.array([[-0.7492, 1.0226], [-0.9328, -0.9034]]), [np.array([-0.4794, 0.9699]), np.array([-0.8485, 0.8937])], 2,)",
        "wrt": [0, 1, 2],
        "expect": ("pass", "refused"),
        "open": None,
        # (campaign seed 5002678, silently wrong value and gradient on 17ab097: a branch result that is a view of y on the path taken was written by row8 *= 0.97 as if it were a rebinding; now refused at run time on the path where it is a view)
    },
    {
        "id": "F65-neighbour-else-arm-keeps-the-view",
        "source": """\
import numpy as np

GAIN = 0.97

def f(y, c):
    row = y[1]
    if c > 0.0:
        row = 0.09
    row *= GAIN
    return np.sum(np.sin(y))
""",
        "args": "(np.array([[0.3, -0.2], [0.5, 0.8]]), -1.0)",
        "wrt": [0],
        "expect": ("pass", "refused"),
        "open": None,
        # (F65's neighbour: the arm not taken rebinds the view to a number)
    },
    {
        "id": "F65-neighbour-rebinding-arm-taken-passes",
        "source": """\
import numpy as np

def f(y, c):
    row = y[1]
    if c > 0.0:
        row = row * 2.0
    row *= 0.5
    return np.sum(np.sin(y)) + np.sum(row)
""",
        "args": "(np.array([[0.3, -0.2], [0.5, 0.8]]), 1.0)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
        # (F65's neighbour: the arm taken makes a new array, so the write changes no argument and the gradient is right)
    },
    {
        "id": "F65-neighbour-a-pass-leaves-a-view-for-the-next",
        "source": """\
import numpy as np

def f(y):
    row = np.ones(2)
    for i in range(2):
        row *= 0.5
        row = y[i]
    return np.sum(np.sin(y)) + np.sum(row)
""",
        "args": "(np.array([[0.3, -0.2], [0.5, 0.8]]),)",
        "wrt": [0],
        "expect": ("pass", "refused"),
        "open": None,
        # (F65's neighbour: the first pass leaves a row of y in the carried name, which the second pass's row *= 0.5 writes through)
    },
    {
        "id": "F65-neighbour-view-after-the-loop",
        "source": """\
import numpy as np

def f(y, w):
    row = w
    for i in range(2):
        if y[i, 0] > 0.0:
            row = y[i]
    row *= 2.0
    return np.sum(np.cos(y)) + np.sum(row * w)
""",
        "args": "(np.array([[0.3, -0.2], [0.5, 0.8]]), np.array([1.5, -0.5]))",
        "wrt": [0, 1],
        "expect": ("pass", "refused"),
        "open": None,
        # (F65's neighbour: a loop's result that is a row of y on the passes taken, written after the loop)
    },
    {
        "id": "F65-neighbour-helper-returns-a-row-in-one-arm",
        "source": """\
import numpy as np

def pick(a, k):
    return a[k]

def f(y, c):
    if c > 0.0:
        r = np.zeros(2)
    else:
        r = pick(y, k=0)
    r += 1.5
    return np.sum(y ** 2) + np.sum(r)
""",
        "args": "(np.array([[0.3, -0.2], [0.5, 0.8]]), -2.0)",
        "wrt": [0],
        "expect": ("pass", "refused"),
        "open": None,
        # (F65's neighbour: a helper's row of y on the path taken, written by +=)
    },
    {
        "id": "wrong-F64-loop-over-a-name-the-body-rebinds-and-zips-again",
        "source": """\
import numpy as np

def f(x):
    u1 = np.tile(x, (3, 1))
    u4 = u1.min(axis=1)
    for r8 in u4:
        for r9, q10 in zip(u4, u4):
            x[0] *= r9
        u4 = u4
        x -= r8
    return np.sum(x)
""",
        "args": "(np.array([-0.3829, -1.028, -1.1197, 0.0336]),)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
        # (campaign seed 2108962, silently wrong on 17ab097: the carried u4 shares the initial value's adjoint buffer, and the loop result's adjoint was a second name added to it after the loop)
    },
    {
        "id": "F64-neighbour-result-read-after-the-loop",
        "source": """\
import numpy as np

def f(x):
    u = np.sin(x) * 2.0
    acc = 0.0
    for r in u:
        acc = acc + r * np.sum(u)
        u = u
    return acc + np.sum(u ** 2)
""",
        "args": "(np.array([0.3, -0.7, 1.1]),)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
        # (F64's neighbour: the loop's result u is read after the loop, so its adjoint is not zero when the reversed loop starts)
    },
    {
        "id": "F64-neighbour-state-kept-in-a-branch",
        "source": """\
import numpy as np

SCALE = 0.5

def f(x, w):
    u = x * w
    total = 0.0
    for r in u:
        if r > 0.0:
            u = u
        else:
            total = total + SCALE * r
        total = total + np.dot(u, w) * r
    return total
""",
        "args": "(np.array([0.4, -0.9, 1.3]), np.array([1.2, 0.8, -0.6]))",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
        # (F64's neighbour: one arm hands the iterated array on unchanged, the other leaves it alone)
    },
    {
        "id": "F64-neighbour-while-over-indices-keeps-the-state",
        "source": """\
import numpy as np

def f(x):
    u = np.tanh(x)
    k = 0
    s = 0.0
    while k < 3:
        s = s + u[k] * np.max(u)
        u = u
        k += 1
    return s + np.sum(u)
""",
        "args": "(np.array([0.2, -0.5, 0.9, 0.1]),)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
        # (F64's neighbour: a while loop reads the carried array by index and hands it on unchanged)
    },
    {
        "id": "F64-neighbour-iterate-and-write-another-array",
        "source": """\
import numpy as np

def f(x, y):
    u = np.exp(x)
    for r in u:
        for a, b in zip(u, y):
            y = y + a * b * r
        u = u
    return np.sum(y) + np.sum(u)
""",
        "args": "(np.array([0.1, -0.4]), np.array([0.7, 0.2]))",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
        # (F64's neighbour: nested loops zip the iterated array with a second carried one)
    },
    {
        "id": "wrong-F62-loop-branch-rebinds-to-a-number-the-array-the-other-arm-writes",
        "source": """\
import numpy as np

def step_0(p0, p1):
    p1[:, 1] -= p1[:, 1]

def f(x):
    c6 = x.copy()
    for i11 in range(3):
        c6 = x * c6
        if np.average(np.array([-1.1048, 0.5285, 0.5184])) > 0.12:
            o12, o13 = step_0(c6, x)
        else:
            x = 1.0
    return np.sum(c6)
""",
        "args": "(np.array([[-0.4328, -0.003], [0.4107, 0.218], [-1.199, 0.8451]]),)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
        # (campaign seed 2009536, silently wrong on 0793603: the else arm's x = 1.0 took the name
        # of the carried x, which the pass's tape entry reads after the branch: every pass's
        # reverse read x as 1.0)
    },
    {
        "id": "wrong-F62-loop-state-written-in-place-on-even-passes-rebound-on-odd",
        "source": """\
import numpy as np

DT = 0.5

def f(x, w):
    h = x.copy()
    for t in range(4):
        y = np.tanh(w * h)
        if t % 2 == 0:
            h[0] += y[1]
        else:
            h = y * DT
    return np.sum(h ** 2)
""",
        "args": "(np.array([0.3, -0.7, 0.2]), np.array([0.9, 1.3, -0.4]),)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "wrong-F62-while-loop-state-reset-to-a-constant-or-damped-in-place",
        "source": """\
import numpy as np

X0 = np.array([0.1, 0.2, 0.3])

def damp(v, rate=0.5):
    v[1:] *= rate
    return v

def f(x):
    h = x * 1.0
    s = 0.0
    k = 0
    while k < 4:
        s = s + np.sum(h * x)
        if k == 2:
            h = X0 * 2.0
        else:
            h = damp(h, rate=0.5)
        k += 1
    return s
""",
        "args": "(np.array([0.4, -0.6, 1.1]),)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "wrong-F62-loop-arm-rebinds-the-written-array-to-a-number-when-taken",
        "source": """\
import numpy as np

def f(x, y):
    c = x.copy()
    for i in range(3):
        c = y * c
        if i == 0:
            y[0] -= y[1]
        else:
            y = 0.5
    return np.sum(c)
""",
        "args": "(np.array([0.4, -0.6, 1.1]), np.array([0.7, 0.2, -0.3]),)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "wrong-F60-checkpointed-loop-reads-an-array-written-after-it",
        "source": """\
import numpy as np

def f(x, y):
    while x >= 0.67:
        for k3, r2 in enumerate(y):
            x /= 1.5 + np.cos(float(np.copysign(r2, -0.77)))
    y[1:] += x
    return x
""",
        "args": "(0.8169, np.array([-0.4401, 1.0288]),)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
        # (campaign seed 1101030: checkpoints only; the schedule ran the loop again after
        # y[1:] += x had changed y, which nothing undid: the sweep read no old y by itself)
    },
    {
        "id": "wrong-F60-checkpointed-for-loop-over-rows-of-a-matrix-written-after",
        "source": """\
import numpy as np

DT = 0.1

def f(x, w, steps):
    for i in range(steps):
        for row in w:
            x = x * 0.9 + np.sum(row) * DT
    w[1:] += x
    return x + np.sum(w)
""",
        "args": "(0.3, np.array([[0.5, -0.1, 0.2], [0.3, 0.4, -0.6], [0.1, 0.2, 0.3]]), 4,)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "wrong-F60-checkpointed-loop-then-a-helper-writes-into-what-it-read",
        "source": """\
import numpy as np

def damp(v, rate=0.5):
    v[:] = v * rate
    return v

def f(x, y):
    for t in range(3):
        for k, r in enumerate(y):
            x = np.sin(x) + r * k
    damp(y, rate=0.25)
    return x
""",
        "args": "(0.7, np.array([0.2, -0.4, 0.9]),)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
        # (wrong on the old main: the helper's write after the loop was not undone before re-runs)
    },
    {
        "id": "crash-F59-loop-writes-into-a-fresh-constant-array-its-result-replaces",
        "source": """\
import numpy as np

W0 = np.array([[-0.6676, -1.1482], [-0.9907, 0.4871]])
W9 = 1.1628

def f(x, steps):
    z1 = x
    it2 = 0
    while it2 < 2:
        it2 += 1
        z1 = W0.sum(axis=1)
        z1[1:] += W9
    return np.sum(z1)
""",
        "args": "(np.array([[-0.9964, 0.6997], [-0.3279, 0.7017]]), 3,)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
        # (raw ValueError on the old main: the reverse of the write zeroed part of the loop's
        # adjoint, a read-only broadcast seed, though the array before the write is a constant)
    },
    {
        "id": "crash-F59-for-loop-resets-state-to-a-module-constant-then-writes-a-slice",
        "source": """\
import numpy as np

X0 = np.array([1.0, -0.5, 0.25])
DT = 0.1

def step(u, dt=DT):
    return u + dt * np.tanh(u)

def f(x, steps):
    u = step(x)
    for i in range(steps):
        u = X0 * 1.0
        u[0] -= DT
    return np.sum(u)
""",
        "args": "(np.array([0.3, -0.2, 0.9]), 3,)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
        # (raw ValueError on the old main)
    },
    {
        "id": "crash-F59-neighbour-constant-array-then-a-written-active-item",
        "source": """\
import numpy as np

W0 = np.array([[-0.6676, -1.1482], [-0.9907, 0.4871]])

def f(x, steps):
    z1 = x[0] * 2.0
    for i in range(steps):
        z1 = W0.sum(axis=1)
        z1[1:] = x[1, 1] * z1[0]
        z1 = z1 * x[0]
    return np.sum(z1 ** 2)
""",
        "args": "(np.array([[-0.9964, 0.6997], [-0.3279, 0.7017]]), 3,)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "refused-module-constant-written-by-a-helper-though-the-result-hides-it",
        "source": """\
import math
import numpy as np

DT6 = np.array([0.0152, 0.6787, -0.1167])

def energy(p0, p2):
    p0[0] += np.log(np.sum(np.exp(p0)))
    return np.clip(p2, -1.0, 1.0)

def f(x, y):
    s2 = np.dot(DT6, DT6)
    o6 = energy(DT6, p2=DT6)
    s2 += math.cos(np.exp(0.5 * s2)) + np.sum(x * o6)
    s2 -= s2
    return s2
""",
        "args": "(np.array([0.2, 0.4, 0.1]), 1.5,)",
        "wrt": [0, 1],
        "expect": ("refused",),
        "open": None,
        # (campaign seed 816572: the result is always 0, so only the module's own arrays show that
        # the program changes DT6; the oracle's differences then overflowed: a false failure)
    },
    {
        "id": "discarded-program-fails-at-a-shifted-point",
        "source": """\
import math

def f(x):
    return math.sqrt(x - 1.0) + x
""",
        "args": "(1.0 + 1e-9,)",
        "wrt": [0],
        "expect": ("discarded",),
        "open": None,
    },
    {
        # F55 and F57: the reversed loop binds a carried array pass by pass from the tape,
        # which kept only its shape when the loop's sweep reads no more; a first pass that
        # leaves the array alone (returns early, skips its write) handed that shape to the
        # sweep of the code before the loop. The tape now keeps the value of a carried name
        # its initial value shares (reverse_control.outer_names)
        "id": "crash-F55-hvp-loop-returns-early-after-a-masked-write",
        "source": """\
import numpy as np
import scipy.special

def f(x, y, z):
    h5 = np.reciprocal(1.5 + x[0])
    for i6 in range(3):
        if scipy.special.logsumexp(z) > -0.71:
            return np.sum(h5)
        h5[h5 > -0.18] -= y[0]
""",
        "args": (
            "([np.array([0.3089, -1.0763]), np.array([-0.41, 0.0282])], (0.3947, np.array([-1.109, -1.0297])), "
            "np.array([-0.8547, -1.0261]),)"
        ),
        "wrt": [0, 1, 2],
        "expect": ("pass",),
        "open": None,
        "second_order": True,
    },
    {
        "id": "wrong-F56-in-place-writes-through-a-view-a-helper-returns",
        "source": """\
import numpy as np

def rhs_0(p0, k=0.29):
    return p0[-1, :]

def f(x, y, z):
    o7 = rhs_0(z)
    o7 *= o7
    z += y[1].sum()
    return np.mean(o7 ** 2)
""",
        "args": (
            "(np.array([[0.6331, -1.0573, -0.1488], [0.6121, -1.0757, 0.3212], [0.4442, 0.8872, 0.8491]]), "
            "(0.1984, np.array([0.2778, -0.9942, -0.0637])), "
            "np.array([[0.1519, 0.259, -0.6505], [-0.8649, 1.0301, -1.1873], [-0.1653, 0.6544, 0.9624]]),)"
        ),
        "wrt": [0, 1, 2],
        "expect": ("pass", "refused"),
        "open": None,
    },
    {
        "id": "crash-F57-hvp-early-return-after-a-row-reduced-by-logsumexp",
        "source": """\
import numpy as np
import scipy.special

def f(x, y, z):
    for i5 in range(len(z)):
        a6 = scipy.special.logsumexp(np.tril(y['w']), axis=1)
        for i7 in range(2):
            if -0.2 < 0.16:
                return np.sum(a6)
            a6[i7] = y['w'] <= -0.23
""",
        "args": (
            "([np.array([-0.259, -0.2438]), np.array([-0.8989, 0.7798])], "
            "{'w': np.array([[-0.4426, -0.6752], [-0.3789, 0.4564], [0.7078, -0.9326]]), "
            "'b': np.array([-0.7557, 0.0407, -0.7947])}, np.array([0.4315, 0.9259]),)"
        ),
        "wrt": [0, 1, 2],
        "expect": ("pass",),
        "open": None,
        "second_order": True,
    },
    {
        # F55 neighbour (raw exception from hvp, hessian and jvp of grad on 9414a2e): the
        # first pass leaves the array alone; the reversed loop bound it to a taped shape
        "id": "crash-F55-hvp-while-loop-returns-early-after-a-masked-write",
        "source": """\
import numpy as np

def f(x, y):
    h = np.reciprocal(1.5 + x)
    k = 0
    while k < 3:
        if np.sum(y) > -1.0:
            return np.mean(h)
        h[h > 0.5] -= y[0]
        k += 1
    return np.sum(h)
""",
        "args": "(np.array([0.3, -0.8, 0.9]), np.array([0.4, -0.2, 0.1]),)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
        "second_order": True,
    },
    {
        # F55 neighbour (raw exception from hvp, hessian and jvp of grad on 9414a2e): the
        # first pass leaves the array alone; the reversed loop bound it to a taped shape
        "id": "crash-F55-hvp-logsumexp-rows-item-write-skipped-in-the-first-pass",
        "source": """\
import numpy as np
from scipy.special import logsumexp

def f(W, x):
    s = logsumexp(W * x, axis=1)
    total = 0.0
    for i in range(3):
        total = total + np.mean(s)
        if i > 0:
            s[i] = 0.5 * s[i] + np.sum(x)
    return total + np.sum(s ** 2)
""",
        "args": "(np.array([[0.2, -0.4, 0.5], [0.7, 0.1, -0.3], [-0.6, 0.9, 0.2]]), np.array([0.5, -1.2, 0.8]),)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
        "second_order": True,
    },
    {
        # F55 neighbour (raw exception from hvp, hessian and jvp of grad on 9414a2e): the
        # first pass leaves the array alone; the reversed loop bound it to a taped shape
        "id": "crash-F57-hvp-nested-loops-return-early-around-logsumexp-rows",
        "source": """\
import numpy as np
from scipy.special import logsumexp

def f(W, b):
    for epoch in range(2):
        r = logsumexp(W + b, axis=1)
        for j in range(3):
            if j == epoch:
                return np.sum(r)
            r[j] = r[j] - np.mean(b)
    return 0.0
""",
        "args": "(np.array([[0.2, -0.4, 0.5], [0.7, 0.1, -0.3], [-0.6, 0.9, 0.2]]), np.array([0.5, -1.2, 0.8]),)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
        "second_order": True,
    },
    {
        # F55 neighbour (raw exception from hvp, hessian and jvp of grad on 9414a2e): the
        # first pass leaves the array alone; the reversed loop bound it to a taped shape
        "id": "crash-F55-hvp-softmax-continue-before-a-masked-write",
        "source": """\
import numpy as np
from scipy.special import logsumexp

def softmax(z):
    return np.exp(z - logsumexp(z))

def f(x, w):
    p = softmax(w * x)
    loss = 0.0
    for step in range(3):
        norm = np.sum(p)
        if step == 0:
            continue
        p[p < 0.3] *= 1.5
        loss = loss + w * np.log(norm)
    return loss + np.sum(p * x)
""",
        "args": "(np.array([0.3, -0.8, 1.1, 0.2]), 1.3,)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
        "second_order": True,
    },
    {
        # F55 neighbour (raw exception from hvp, hessian and jvp of grad on 9414a2e): the
        # first pass leaves the array alone; the reversed loop bound it to a taped shape
        "id": "crash-F55-hvp-softmax-break-before-a-masked-write",
        "source": """\
import numpy as np

def f(x, t):
    z = np.exp(x - np.log(np.sum(np.exp(x))))
    acc = 0.0
    for i in range(3):
        acc = acc + t * np.sum(z)
        if t > 0.5:
            break
        z[z < 0.2] += t
    return acc + np.sum(z ** 2)
""",
        "args": "(np.array([0.3, -0.8, 1.1, 0.2]), 0.9,)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
        "second_order": True,
    },
    {
        # F55 neighbour (raw exception from hvp, hessian and jvp of grad on 9414a2e): the
        # first pass leaves the array alone; the reversed loop bound it to a taped shape
        "id": "crash-F55-hvp-row-softmax-returns-early-before-a-row-write",
        "source": """\
import numpy as np
from scipy.special import logsumexp

def f(logits, scale):
    z = logits * scale
    p = np.exp(z - logsumexp(z, axis=1, keepdims=True))
    for t in range(p.shape[0]):
        if scale > 1.0:
            return np.sum(np.mean(p, axis=0) ** 2)
        p[t] = p[t] ** 2
    return np.mean(p)
""",
        "args": "(np.array([[0.2, -0.4, 0.5], [0.7, 0.1, -3.3], [-0.6, 0.9, 0.2]]), 1.1,)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
        "second_order": True,
    },
    {
        # F55 neighbour (raw exception from hvp, hessian and jvp of grad on 9414a2e): the
        # first pass leaves the array alone; the reversed loop bound it to a taped shape
        "id": "crash-F55-hvp-helper-writes-from-the-second-pass-on",
        "source": """\
import numpy as np

SCALE = 0.5

def damp(v, c=SCALE):
    v[v > 0.4] *= c

def f(x, y):
    h = np.exp(x * y)
    energy = 0.0
    for i in range(3):
        energy = energy + y * np.sum(h)
        if i >= 1:
            damp(h, c=0.7)
    return energy + np.sum(h * x)
""",
        "args": "(np.array([0.3, -0.8, 0.9]), 1.2,)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
        "second_order": True,
    },
    {
        # F55 neighbour (raw exception from hvp, hessian and jvp of grad on 9414a2e): the
        # first pass leaves the array alone; the reversed loop bound it to a taped shape
        "id": "crash-F55-hvp-while-loop-writes-an-item-from-the-second-pass-on",
        "source": """\
import numpy as np

def f(x, w):
    h = np.tanh(w * x)
    k = 0
    total = 0.0
    while k < 3:
        total = total + np.sum(h)
        if k > 0:
            h[k] = h[k] * w
        k += 1
    return total * np.sum(h)
""",
        "args": "(np.array([0.3, -0.8, 0.9]), 1.2,)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
        "second_order": True,
    },
    {
        # F55 neighbour (raw exception from hvp on 3db72ed): the first pass leaves the array
        # alone; the reversed loop bound it to a taped shape
        "id": "crash-F55-hvp-branch-reads-the-shape-in-the-arm-that-skips-the-write",
        "source": """\
import numpy as np

def f(x, y):
    h = np.tanh(x * y[1])
    acc = 0.0
    for i in range(3):
        if y[0] > 0.0 and i == 0:
            acc = acc + np.mean(h)
        else:
            h[1] = h[1] * y[2]
            acc = acc + np.sum(h)
    return acc
""",
        "args": "(np.array([0.3, -0.8, 0.9]), np.array([0.4, -0.2, 0.1]),)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
        "second_order": True,
    },
    {
        # F55 neighbour (raw exception from hvp on 3db72ed): the first pass leaves the array
        # alone; the reversed loop bound it to a taped shape
        "id": "crash-F55-hvp-while-loop-returns-a-mean-of-logsumexp-rows",
        "source": """\
import numpy as np
from scipy.special import logsumexp

def f(W, x):
    r = logsumexp(W * x, axis=1)
    n = 0
    while n < 5:
        if np.sum(x) > 0.0:
            return np.mean(r)
        r[r > 0.9] -= 0.1 * x[0]
        n += 1
    return np.mean(r)
""",
        "args": "(np.array([[0.2, -0.4, 0.5], [0.7, 0.1, -0.3], [-0.6, 0.9, 0.2]]), np.array([0.5, -1.2, 0.8]),)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
        "second_order": True,
    },
    {
        # F55 neighbour (raw exception from hvp on 3db72ed): the first pass leaves the array
        # alone; the reversed loop bound it to a taped shape
        "id": "crash-F55-hvp-nested-loop-writes-on-its-second-pass",
        "source": """\
import numpy as np

def f(x, w):
    h = np.sqrt(1.0 + x * x)
    total = 0.0
    for i in range(2):
        for j in range(2):
            total = total + w * np.sum(h)
            if j == 1:
                h[j] = h[j] * w
    return total
""",
        "args": "(np.array([0.3, -0.8, 0.9]), 1.2,)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
        "second_order": True,
    },
    {
        # F55 neighbour (raw exception from hvp on 3db72ed): the first pass leaves the array
        # alone; the reversed loop bound it to a taped shape
        "id": "crash-F55-hvp-helper-step-writes-a-slice-from-the-second-pass-on",
        "source": """\
import numpy as np

DT = 0.1

def step(u, k):
    return u + DT * k * np.tanh(u), k

def f(u0, k):
    u = np.exp(u0)
    e = 0.0
    for n in range(3):
        e = e + np.sum(u)
        if n > 0:
            u[1:], k = step(u[1:], k=k)
    return e
""",
        "args": "(np.array([0.3, -0.8, 0.9]), 1.2,)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
        "second_order": True,
    },
    {
        # F55 neighbour (passed before): the arm's take-back restores the array
        "id": "crash-F55-hvp-write-after-the-shape-read-in-the-same-arm",
        "source": """\
import numpy as np

def f(x, y):
    h = np.reciprocal(1.5 + x)
    acc = 0.0
    for i in range(3):
        if i > 0:
            h[h > 0.5] -= y[0]
            acc = acc + np.sum(h)
    return acc
""",
        "args": "(np.array([0.3, -0.8, 0.9]), np.array([0.4, -0.2, 0.1]),)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
        "second_order": True,
    },
    {
        # F55 neighbour (passed before): a dict item rebound, not written in place
        "id": "crash-F55-hvp-dict-item-rebound-from-the-second-pass-on",
        "source": """\
import numpy as np

def f(x, w):
    state = {'h': np.exp(x * w), 'c': w}
    total = 0.0
    for i in range(3):
        total = total + np.sum(state['h'])
        if i >= 1:
            state['h'] = state['h'] * w
    return total
""",
        "args": "(np.array([0.3, -0.8, 0.9]), 1.2,)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
        "second_order": True,
    },
    {
        "id": "wrong-F58-loop-writes-an-item-of-an-argument-read-by-an-outer-product",
        "source": """\
import numpy as np

def f(x, y, z, w, steps):
    for i5 in range(steps):
        y[2] -= x
        w -= np.sum(np.outer(z[1], y))
    return w
""",
        "args": (
            "(-0.1681, np.array([0.4162, 0.3321, -0.4801]), "
            "[np.array([-0.1971, 0.8577, 0.2665]), np.array([-0.8226, 0.4483, 1.1242])], -0.8385, 2,)"
        ),
        "wrt": [0, 1, 2, 3],
        "expect": ("pass",),
        "open": None,
    },
    {
        # F56: a helper's result that is a view of its argument (`p[:, 1]`, `p.T`, `p.reshape(-1)`, `p[1:]`, a
        # chain of helpers, one item of a returned tuple) was not known as a view in the caller, so
        # `c *= s` there was taken for a rebinding while Python scaled the argument (value and gradient
        # silently wrong); now refused with the line like a view made in the caller
        "id": "wrong-F56-helper-returns-a-column-the-caller-scales",
        "source": """\
import numpy as np

def col(p):
    return p[:, 1]

def f(a, s):
    c = col(a)
    c *= s
    return np.sum(np.sin(a))
""",
        "args": "(np.array([[0.6, -1.05, -0.14], [0.61, -1.07, 0.32], [0.44, 0.88, 0.84]]), 0.37,)",
        "wrt": [0, 1],
        "expect": ("pass", "refused"),
        "open": None,
    },
    {
        "id": "wrong-F56-helper-returns-the-transpose-the-caller-shifts",
        "source": """\
import numpy as np

def tr(p):
    return p.T

def f(a, s):
    t = tr(a)
    t -= s * a[0, 1]
    return np.sum(a * a)
""",
        "args": "(np.array([[0.6, -1.05, -0.14], [0.61, -1.07, 0.32], [0.44, 0.88, 0.84]]), 0.37,)",
        "wrt": [0, 1],
        "expect": ("pass", "refused"),
        "open": None,
    },
    {
        "id": "wrong-F56-helper-returns-a-reshaped-view-the-caller-scales",
        "source": """\
import numpy as np

def flat(p):
    return p.reshape(-1)

def f(a, s):
    v = flat(a)
    v *= s
    return np.sum(np.tanh(a))
""",
        "args": "(np.array([[0.6, -1.05, -0.14], [0.61, -1.07, 0.32], [0.44, 0.88, 0.84]]), 0.37,)",
        "wrt": [0, 1],
        "expect": ("pass", "refused"),
        "open": None,
    },
    {
        "id": "wrong-F56-helper-returns-a-tail-slice-the-caller-shifts",
        "source": """\
import numpy as np

def tail(p):
    return p[1:]

def f(x, s):
    v = tail(x)
    v += s
    return np.sum(x ** 2)
""",
        "args": "(np.array([0.41, 0.33, -0.48]), 0.37,)",
        "wrt": [0, 1],
        "expect": ("pass", "refused"),
        "open": None,
    },
    {
        "id": "wrong-F56-chained-helpers-return-a-reversed-slice",
        "source": """\
import numpy as np

def inner(p):
    return p[::-1]

def outer(q):
    return inner(q)[1:]

def f(x, s):
    v = outer(x)
    v *= s
    return np.sum(np.exp(x))
""",
        "args": "(np.array([0.41, 0.33, -0.48]), 0.37,)",
        "wrt": [0, 1],
        "expect": ("pass", "refused"),
        "open": None,
    },
    {
        "id": "wrong-F56-helper-view-scaled-in-a-loop",
        "source": """\
import numpy as np

def tail(p):
    return p[1:]

def f(x, s):
    for i in range(2):
        v = tail(x)
        v *= s
    return np.sum(x ** 2)
""",
        "args": "(np.array([0.41, 0.33, -0.48]), 0.37,)",
        "wrt": [0, 1],
        "expect": ("pass", "refused"),
        "open": None,
    },
    {
        "id": "wrong-F56-helper-view-of-a-local-array",
        "source": """\
import numpy as np

def tail(p):
    return p[1:]

def f(x, s):
    u = x * 2.0
    v = tail(u)
    v *= s
    return np.sum(u ** 2)
""",
        "args": "(np.array([0.41, 0.33, -0.48]), 0.37,)",
        "wrt": [0, 1],
        "expect": ("pass", "refused"),
        "open": None,
    },
    {
        "id": "wrong-F56-helper-returns-a-number-and-a-view",
        "source": """\
import numpy as np

def split(p):
    return p[0], p[1:]

def f(x, s):
    a, b = split(x)
    b *= s
    return np.sum(x ** 2) + a
""",
        "args": "(np.array([0.41, 0.33, -0.48]), 0.37,)",
        "wrt": [0, 1],
        "expect": ("pass", "refused"),
        "open": None,
    },
    {
        "id": "pass-F56-helper-returns-a-copy-the-caller-scales",
        "source": """\
import numpy as np

def tail(p):
    return p[1:].copy()

def f(x, s):
    v = tail(x)
    v *= s
    return np.sum(x ** 2) + np.sum(v)
""",
        "args": "(np.array([0.41, 0.33, -0.48]), 0.37,)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "pass-F56-helper-returns-a-new-array-the-caller-scales",
        "source": """\
import numpy as np

def sq(p):
    return p * p

def f(x, s):
    v = sq(x)
    v *= s
    return np.sum(x ** 2) + np.sum(v)
""",
        "args": "(np.array([0.41, 0.33, -0.48]), 0.37,)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
    },
    {
        # F58: a loop writes into an array and the reverse sweep reads what the pass left (`y[2] -= x`
        # then np.dot / @ / einsum / outer of y): the tape held that array, which the next pass
        # writes again, so every pass read the last one's values (gradient silently wrong). What a
        # pass leaves is the next pass's carried value: its overwritten parts are now saved
        "id": "wrong-F58-loop-writes-an-item-then-dots-the-array",
        "source": """\
import numpy as np

def f(x, y, z, w, steps):
    for i in range(steps):
        y[2] -= x
        w = w + np.dot(z[1], y)
    return w
""",
        "args": (
            "(-0.1681, np.array([0.4162, 0.3321, -0.4801]), "
            "[np.array([-0.19, 0.85, 0.26]), np.array([-0.82, 0.44, 1.12])], -0.8385, 3,)"
        ),
        "wrt": [0, 1, 2, 3],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "wrong-F58-loop-scales-an-item-then-matmuls",
        "source": """\
import numpy as np

def f(x, y, z, w, steps):
    for i in range(steps):
        y[0] *= x
        w = w + z[0] @ y
    return w
""",
        "args": (
            "(-0.1681, np.array([0.4162, 0.3321, -0.4801]), "
            "[np.array([-0.19, 0.85, 0.26]), np.array([-0.82, 0.44, 1.12])], -0.8385, 3,)"
        ),
        "wrt": [0, 1, 2, 3],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "wrong-F58-loop-writes-an-item-then-einsum-outer",
        "source": """\
import numpy as np

def f(x, y, z, w, steps):
    for i in range(steps):
        y[1] += x * y[0]
        w -= np.sum(np.einsum('i,j->ij', z[1], y))
    return w
""",
        "args": (
            "(-0.1681, np.array([0.4162, 0.3321, -0.4801]), "
            "[np.array([-0.19, 0.85, 0.26]), np.array([-0.82, 0.44, 1.12])], -0.8385, 3,)"
        ),
        "wrt": [0, 1, 2, 3],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "wrong-F58-loop-writes-item-i-then-reads-the-whole-array",
        "source": """\
import numpy as np

def f(x, y, z, w, steps):
    for i in range(steps):
        y[i] = y[i] * x + 1.0
        w = w + np.sum(np.sin(y) * z[0])
    return w
""",
        "args": (
            "(-0.1681, np.array([0.4162, 0.3321, -0.4801]), "
            "[np.array([-0.19, 0.85, 0.26]), np.array([-0.82, 0.44, 1.12])], -0.8385, 3,)"
        ),
        "wrt": [0, 1, 2, 3],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "wrong-F58-loop-fills-a-local-array-and-dots-it",
        "source": """\
import numpy as np

def f(x, y, z, w, steps):
    u = np.zeros(3)
    for i in range(steps):
        u[i] = x * y[i]
        w = w + np.dot(u, z[1]) ** 2
    return w
""",
        "args": (
            "(-0.1681, np.array([0.4162, 0.3321, -0.4801]), "
            "[np.array([-0.19, 0.85, 0.26]), np.array([-0.82, 0.44, 1.12])], -0.8385, 3,)"
        ),
        "wrt": [0, 1, 2, 3],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "wrong-F58-while-loop-writes-an-item-read-by-outer",
        "source": """\
import numpy as np

def f(x, y, z, w, steps):
    k = 0
    while k < steps:
        y[2] -= x
        w -= np.sum(np.outer(z[1], y))
        k += 1
    return w
""",
        "args": (
            "(-0.1681, np.array([0.4162, 0.3321, -0.4801]), "
            "[np.array([-0.19, 0.85, 0.26]), np.array([-0.82, 0.44, 1.12])], -0.8385, 3,)"
        ),
        "wrt": [0, 1, 2, 3],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "wrong-F58-nested-loops-write-items-read-by-outer",
        "source": """\
import numpy as np

def f(x, y, z, w, steps):
    for i in range(steps):
        for j in range(2):
            y[j] -= x * y[2]
            w = w + np.sum(np.outer(z[j], y) ** 2)
    return w
""",
        "args": (
            "(-0.1681, np.array([0.4162, 0.3321, -0.4801]), "
            "[np.array([-0.19, 0.85, 0.26]), np.array([-0.82, 0.44, 1.12])], -0.8385, 3,)"
        ),
        "wrt": [0, 1, 2, 3],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "wrong-F58-loop-helper-writes-its-argument-read-by-outer",
        "source": """\
import numpy as np

def step(v, x):
    v[2] -= x
    return v

def f(x, y, z, w, steps):
    for i in range(steps):
        y = step(y, x)
        w -= np.sum(np.outer(z[1], y))
    return w
""",
        "args": (
            "(-0.1681, np.array([0.4162, 0.3321, -0.4801]), "
            "[np.array([-0.19, 0.85, 0.26]), np.array([-0.82, 0.44, 1.12])], -0.8385, 3,)"
        ),
        "wrt": [0, 1, 2, 3],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "wrong-F58-loop-writes-in-either-arm-then-reads",
        "source": """\
import numpy as np

def f(x, y, z, w, steps):
    for i in range(steps):
        if i % 2 == 0:
            y[2] -= x
        else:
            y[0] *= x
        w -= np.sum(np.outer(z[1], y) ** 2)
    return w
""",
        "args": (
            "(-0.1681, np.array([0.4162, 0.3321, -0.4801]), "
            "[np.array([-0.19, 0.85, 0.26]), np.array([-0.82, 0.44, 1.12])], -0.8385, 3,)"
        ),
        "wrt": [0, 1, 2, 3],
        "expect": ("pass",),
        "open": None,
    },
    {
        "id": "wrong-F58-loop-step-with-a-module-constant",
        "source": """\
import numpy as np

DT = 0.1

def f(x, y, z, w, steps):
    for i in range(steps):
        y[2] -= DT * x
        w = w + DT * np.tanh(np.sum(np.outer(z[1], y)))
    return w
""",
        "args": (
            "(-0.1681, np.array([0.4162, 0.3321, -0.4801]), "
            "[np.array([-0.19, 0.85, 0.26]), np.array([-0.82, 0.44, 1.12])], -0.8385, 3,)"
        ),
        "wrt": [0, 1, 2, 3],
        "expect": ("pass",),
        "open": None,
    },
    {
        # F56: a method of an object made in the function is not inlined; what `m.first()` returns
        # may be a view of an array the object holds (`self.w[0]`), so `r += s` on it now gets the
        # run-time view check (it changed `a` behind the derivative's back: value silently wrong)
        "id": "wrong-F56-method-of-an-object-made-here-returns-a-row",
        "source": """\
import numpy as np

class Model:
    def __init__(self, w):
        self.w = w

    def first(self):
        return self.w[0]

def f(a, s):
    m = Model(a)
    r = m.first()
    r += s
    return np.sum(a ** 2)
""",
        "args": "(np.array([[0.6, -1.05, -0.14], [0.61, -1.07, 0.32], [0.44, 0.88, 0.84]]), 0.37,)",
        "wrt": [0, 1],
        "expect": ("pass", "refused"),
        "open": None,
    },
    {
        # F61 (found hunting F55's neighbours; raw NameError in value_and_grad on 3db72ed): an
        # expression kept as written (a condition, `is`) read a name of an inlined helper bound
        # to a module-level object (`self` of MODEL.loss(x), a parameter given np.tanh), and
        # kept the helper's name for it; now spelled by the object's path (`MODEL.scale > 0.5`)
        "id": "crash-F61-method-of-a-module-level-object-reads-self-in-a-condition",
        "source": """\
import numpy as np

class Model:
    def __init__(self, scale):
        self.scale = scale

    def loss(self, x):
        if self.scale > 0.5:
            return np.sum(x)
        return np.sum(x * x)

MODEL = Model(0.9)

def f(x):
    return MODEL.loss(x)
""",
        "args": "(np.array([0.3, -0.8, 0.9]),)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
        "second_order": True,
    },
    {
        # F61 neighbour (raw NameError on 3db72ed)
        "id": "crash-F61-method-of-a-module-level-object-and-condition-in-a-loop",
        "source": """\
import numpy as np

class Model:
    def __init__(self, scale, steps):
        self.scale = scale
        self.steps = steps

    def loss(self, x):
        h = np.tanh(x)
        for epoch in range(self.steps):
            if epoch == 0 and self.scale > 0.5:
                h = h * self.scale
            h = np.sin(h) + x
        return np.sum(h ** 2)

MODEL = Model(0.9, 3)

def f(x):
    return MODEL.loss(x)
""",
        "args": "(np.array([0.3, -0.8, 0.9]),)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
        "second_order": True,
    },
    {
        # F61 neighbour (raw NameError on 3db72ed)
        "id": "crash-F61-method-of-a-module-level-object-while-condition",
        "source": """\
import numpy as np

class Damper:
    def __init__(self, limit):
        self.limit = limit

    def run(self, v, c):
        n = 0
        while n < 3 and self.limit > 0.1:
            v = v * c + 0.1 * np.cos(v)
            n += 1
        return np.sum(v)

DAMPER = Damper(0.5)

def f(x, c):
    return DAMPER.run(x, c=c)
""",
        "args": "(np.array([0.3, -0.8, 0.9]), 0.7,)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
        "second_order": True,
    },
    {
        # F61 neighbour (raw NameError on 3db72ed)
        "id": "crash-F61-helper-parameter-given-a-module-function-compared-with-is",
        "source": """\
import numpy as np

def layer(v, fn):
    if fn is np.tanh:
        return fn(v) * 2.0
    return fn(v)

def f(x):
    return np.sum(layer(x, np.tanh) * x)
""",
        "args": "(np.array([0.3, -0.8, 0.9]),)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
        "second_order": True,
    },
    {
        # F61 and F55 neighbour (raw NameError on 3db72ed)
        "id": "crash-F61-method-of-a-module-level-object-returns-early-after-a-masked-write",
        "source": """\
import numpy as np
from scipy.special import logsumexp

class Scorer:
    def __init__(self, temperature):
        self.temperature = temperature

    def score(self, W, x):
        lp = np.exp(W @ x / self.temperature - logsumexp(W @ x / self.temperature))
        for step in range(3):
            if step == 0 and self.temperature > 0.5:
                return np.mean(lp) + np.sum(lp * x)
            lp[lp < 0.2] *= 0.5
        return np.sum(lp)

SCORER = Scorer(0.9)

def f(W, x):
    return SCORER.score(W, x)
""",
        "args": "(np.array([[0.2, -0.4, 0.5], [0.7, 0.1, -0.3], [-0.6, 0.9, 0.2]]), np.array([0.5, -1.2, 0.8]),)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
        "second_order": True,
    },
    {
        # F61 neighbour (passed before: a number is a value, not a name)
        "id": "crash-F61-module-constant-passed-to-a-helper-condition",
        "source": """\
import numpy as np

LIMIT = 0.4

def clip_step(v, limit):
    if limit > 0.3:
        return np.tanh(v) * limit
    return v

def f(x):
    return np.sum(clip_step(x, LIMIT) ** 2)
""",
        "args": "(np.array([0.3, -0.8, 0.9]),)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
        "second_order": True,
    },
    {
        # F61 neighbour (passed before)
        "id": "crash-F61-module-constant-keyword-in-a-conditional-expression",
        "source": """\
import numpy as np

MODE = 2

def act(v, mode=1):
    return np.tanh(v) if mode == 2 else np.sin(v)

def f(x):
    return np.sum(act(x, mode=MODE) * x)
""",
        "args": "(np.array([0.3, -0.8, 0.9]),)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
        "second_order": True,
    },
    {
        # F61 neighbour (raw NameError on 3db72ed): a statement kept as written
        "id": "crash-F61-method-of-a-module-level-object-prints-self-in-a-branch",
        "source": """\
import numpy as np

class Model:
    def __init__(self, scale):
        self.scale = scale

    def loss(self, x):
        if self.scale > 2.0:
            print("scale", self.scale)
        return np.sum(np.sin(x) * self.scale)

MODEL = Model(0.9)

def f(x):
    return MODEL.loss(x)
""",
        "args": "(np.array([0.3, -0.8, 0.9]),)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
        "second_order": True,
    },
    {
        # F61 neighbour (raw NameError on 3db72ed)
        "id": "crash-F61-method-of-a-module-level-object-isinstance-of-self",
        "source": """\
import numpy as np

class Model:
    def __init__(self, scale):
        self.scale = scale

    def loss(self, x):
        if isinstance(self.scale, float) and not self.scale == 0.0:
            return np.sum(np.tanh(x) * self.scale)
        return np.sum(x)

MODEL = Model(0.9)

def f(x):
    return MODEL.loss(x)
""",
        "args": "(np.array([0.3, -0.8, 0.9]),)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
        "second_order": True,
    },
    {
        # F61 neighbour (raw NameError on 3db72ed)
        "id": "crash-F61-method-of-a-module-level-object-asserts-on-self",
        "source": """\
import numpy as np

class Model:
    def __init__(self, scale):
        self.scale = scale

    def loss(self, x):
        assert self.scale > 0.0, "scale must be positive"
        return np.sum(np.sin(x) * self.scale)

MODEL = Model(0.9)

def f(x):
    return MODEL.loss(x)
""",
        "args": "(np.array([0.3, -0.8, 0.9]),)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
        "second_order": True,
    },
    {
        # F61 neighbour (raw NameError on 3db72ed): a default bound to np.tanh
        "id": "crash-F61-helper-default-module-function-compared-with-is-not",
        "source": """\
import numpy as np

def layer(v, act=np.tanh):
    if act is not None:
        v = act(v)
    return v

def f(x):
    return np.sum(layer(x) * x) + np.sum(layer(x, act=np.sin))
""",
        "args": "(np.array([0.3, -0.8, 0.9]),)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
        "second_order": True,
    },
    {
        "id": "wrong-F66-op-assign-on-a-carried-array-a-branch-in-the-loop-hands-on",
        "source": """\
import numpy as np

ALPHA = np.array([-0.5621, 0.3649, 0.1905])
DT = 0.5752

def f(x, y):
    c = x.copy()
    for k in range(3):
        if DT ** 2 >= 0.57:
            return np.sum(c)
        c *= ALPHA[:, None]
        c = x
    return np.sum(x) + np.mean(c ** 2)
""",
        "args": "(np.array([[0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.7, 0.8], [0.9, 1.0, 1.1, 1.2]]), np.ones((3, 4)))",
        "wrt": [0, 1],
        "expect": ("refused",),
        "open": None,
        # (campaign seed 7000758, silently wrong value and gradient on 8e4e00d and 0b0101d: the loop's
        # early return made the pass hand `c` on through a branch whose arm is x, so from the second
        # pass on `c *= ...` wrote into x; the aliasing check followed only a value handed on as it
        # is, not one a branch in the body hands on. Now refused at the write's line.)
    },
    {
        "id": "F66-neighbour-branch-hands-on-the-argument-or-a-new-array",
        "source": """\
import numpy as np

def f(x, w):
    c = x * w
    for k in range(4):
        c *= 0.5
        if k % 2 == 0:
            c = x
        else:
            c = c + w
    return np.sum(c * x)
""",
        "args": "(np.array([0.3, -0.8, 0.9]), np.array([1.1, 0.4, -0.2]))",
        "wrt": [0, 1],
        "expect": ("refused",),
        "open": None,
        # (F66's neighbour without an early return: on the pass after an even k, `c *= 0.5` writes into x)
    },
    {
        "id": "F66-neighbour-branch-hands-on-a-copy-passes",
        "source": """\
import numpy as np

DT = 0.5752

def f(x, y):
    c = x.copy()
    for k in range(3):
        if DT ** 2 >= 0.57:
            return np.sum(c)
        c *= y
        c = x.copy()
    return np.sum(x) + np.mean(c ** 2)
""",
        "args": "(np.array([0.3, -0.8, 0.9]), np.array([1.1, 0.4, -0.2]))",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
        # (F66's neighbour: every pass hands on a copy, so the write changes no argument)
    },
    {
        "id": "F66-neighbour-helper-hands-on-its-argument-in-one-arm",
        "source": """\
import numpy as np

LIMIT = 10.0

def keep_or_shrink(v, x):
    if np.max(v) > LIMIT:
        return 0.5 * v
    return x

def f(x, y):
    c = x + y
    for k in range(3):
        c *= 1.1
        c = keep_or_shrink(c, x)
    return np.sum(c) + np.sum(x * y)
""",
        "args": "(np.array([0.3, -0.8, 0.9]), np.array([1.1, 0.4, -0.2]))",
        "wrt": [0, 1],
        "expect": ("refused",),
        "open": None,
        # (F66's neighbour: an inlined helper's branch hands x on to the next pass)
    },
    {
        "id": "wrong-F67-two-carried-names-handed-on-one-array-written-in-place",
        "source": """\
import numpy as np

K = np.array([0.3, -0.5, 0.8])

def f(z, w):
    z3 = K.copy()
    for i in range(2):
        z3[2] += (1.0 + z.sum() ** 2) * w
        z = z3
    z3 = 0.5 * z3
    return np.sum(z ** 2) + np.sum(z3 ** 2)
""",
        "args": "(np.array([0.37, -0.78, 0.03]), 0.6)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
        # (campaign seed 7204677, silently wrong gradient on 8e4e00d and cd066d7: a pass hands z3,
        # written in place, on as both z and z3; the adjoint of the array took z3's name and dropped
        # the one z's result had brought, `dz`, instead of adding it)
    },
    {
        "id": "F67-neighbour-two-names-one-array-module-constant-and-helper",
        "source": """\
import numpy as np

RATE = 0.25

def bump(v, w):
    v[0] += RATE * np.tanh(w * v[1])
    return v

def f(x, w):
    state = x.copy()
    prev = x
    for _ in range(3):
        prev = bump(state, w=w)
        state = prev
    return np.sum(prev * prev) + 2.0 * np.sum(np.sin(state))
""",
        "args": "(np.array([0.4, -0.3, 0.9]), 1.3)",
        "wrt": [0, 1],
        "expect": ("pass", "refused"),
        "open": None,
        # (F67's neighbour: a helper writes into the carried array and both names hand it on)
    },
    {
        "id": "F67-neighbour-two-names-one-new-array",
        "source": """\
import numpy as np

def f(z, w):
    z3 = z * 1.0
    for i in range(3):
        z3 = z3 + (1.0 + z.sum() ** 2) * w
        z = z3
    return np.sum(z ** 2) + np.sum((0.5 * z3) ** 2)
""",
        "args": "(np.array([0.37, -0.78, 0.03]), 0.6)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
        # (F67's neighbour without the in-place write: a new array each pass, both names hand it on)
    },
    {
        "id": "wrong-F68-item-of-a-dict-holding-the-argument-a-helper-writes",
        "source": """\
import math
from typing import NamedTuple

import numpy as np

X05 = np.array([0.2647, 0.9871, 0.7233, -0.736])
NSTEPS3 = 1


class Params(NamedTuple):
    w: np.ndarray
    b: float

def layer_0(p0, p1):
    p0[0] += np.array([[-1.0674, 1.036, 0.4446, -0.3134], [-0.1276, 0.5972, 0.1532, 0.3197], [-0.0698, 1.1002, 0.2025, -0.0488]]).mean()
    p0[:] += np.sqrt(np.tanh(X05) ** 2 + 0.5)
    d1 = {"a": np.sinh(0.5 * p1), "b": np.log1p(1.03 ** 2)}
    for i2 in range(NSTEPS3):
        g3 = lambda u: np.positive(u) + 0.6 * u
    return np.logaddexp2(d1["a"], np.roll(p0, 1))


def f(x, y, z):
    d4 = {"a": x, "b": y}
    if y < -0.44:
        return np.mean(x ** 2) + y
    if z.b >= -0.56:
        return np.sum(np.sin(x)) + y
    y = ((z.w @ X05) * d4["b"]) + 0.5 * y
    c5 = x.copy()
    o6 = layer_0(p0=x, p1=d4["a"])
    return np.mean(c5 ** 2) + np.sum(o6) + y
""",
        "args": "(np.array([-1.0723, -0.575, 0.9999, 0.8964]), 1.1583, Params(w=np.array([-1.0006, 0.7624, -0.9422, -0.7733]), b=-0.8747),)",
        "wrt": [0, 1, 2],
        "expect": ("refused",),
        "open": None,
        # (campaign seed 7501181, silently wrong gradient and hvp on 1a7b04e: `d4 = {"a": x, ...}`,
        # then `layer_0(p0=x, p1=d4["a"])` writes into p0, which is x, and reads p1, which is x too;
        # an item read out of a container holding the written array was not followed to it)
    },
    {
        "id": "wrong-F68-minimal-item-read-before-the-write",
        "source": """\
import numpy as np

def f(x):
    d = {"a": x}
    p1 = d["a"]
    x[:] += np.tanh(x)
    return np.sum(np.sinh(p1))
""",
        "args": "(np.array([-1.07, -0.57, 0.99, 0.89]),)",
        "wrt": [0],
        "expect": ("refused",),
        "open": None,
        # (F68 without the helper: silently wrong on 1a7b04e)
    },
    {
        "id": "wrong-F68-neighbour-list-item",
        "source": """\
import numpy as np

SCALE = 0.5

def f(x, w):
    pair = [x, w * x]
    first = pair[0]
    x[1:] += SCALE * np.cos(w * x[:-1])
    return np.sum(first * first) + w * np.sum(x)
""",
        "args": "(np.array([0.4, -0.3, 0.9]), 1.3)",
        "wrt": [0, 1],
        "expect": ("refused",),
        "open": None,
        # (F68 through a list: silently wrong on 1a7b04e)
    },
    {
        "id": "F68-neighbour-item-copied-before-the-write",
        "source": """\
import numpy as np

def f(x):
    d = {"a": x}
    p1 = d["a"].copy()
    x[:] += np.tanh(x)
    return np.sum(np.sinh(p1) * x)
""",
        "args": "(np.array([-1.07, -0.57, 0.99, 0.89]),)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
        # (F68's neighbour: a copy of the item is its own array)
    },
    {
        "id": "F68-neighbour-another-item-of-the-dict",
        "source": """\
import numpy as np

def f(x, w):
    params = {"x": x, "w": w * x, "n": 2}
    other, n = params["w"], params["n"]
    x[:] += np.tanh(x)
    return np.sum(np.sinh(other) * x) * n
""",
        "args": "(np.array([-1.07, -0.57, 0.99, 0.89]), 0.7)",
        "wrt": [0, 1],
        "expect": ("pass",),
        "open": None,
        # (F68's neighbour: the item read is certainly another array than the one written)
    },
    {
        "id": "wrong-F69-write-into-an-item-of-a-dict-whose-array-the-reverse-reads",
        "source": """\
import math

import numpy as np
import scipy.special
import scipy.stats

B8 = np.array([0.0281, -0.0996])
K2 = -0.3371

def rhs_0(p0, p1):
    p1[0] += K2
    p0[1] = np.sinh(0.5 * np.log10(2.0 + np.sin(p1)))
    acc2 = []
    for i1 in range(1, 3):
        p1 = np.tanh(np.nan_to_num(np.where(p1 > p1, p1, p1 * 0.5)))
        p1 = np.log(1.0 + p1 ** 2)
        acc2.append(p1)
    t3 = 0.5 * sum(acc2) + p1
    return scipy.special.softmax(p1)


def f(x, y, z):
    d4 = {"a": np.logaddexp2((y * y), (K2 - y)), "b": np.cosh(0.5 * np.fmax(0.85, 1.0))}
    x *= np.roll(x, 1, axis=1)
    v5 = d4["a"]
    v5[1] -= d4["b"]
    x = np.log2(0.5 + np.abs(x) ** 2) + 0.5 * x
    vt6 = x.T
    return np.mean(vt6 ** 2) + np.mean(v5 ** 2) + np.mean(z ** 2)
""",
        "args": "(np.array([[0.2741, -0.7102], [0.9359, -0.0256]]), np.array([-0.6153, -1.1496]), np.array([0.1159, -0.0994]),)",
        "wrt": [0, 1, 2],
        "expect": ("pass",),
        "open": None,
        # (campaign seed 7503507, silently wrong gradient on 1a7b04e: `v5 = d4["a"]; v5[1] -= ...`
        # writes into the array np.logaddexp2 made, whose reverse reads it; the in-place plan did
        # not see that the item read out of the dict is that array, and saved nothing)
    },
    {
        "id": "wrong-F69-minimal-item-written-the-reverse-reads-the-array",
        "source": """\
import numpy as np

def f(y):
    d = {"a": np.exp(y), "b": 1.5}
    v = d["a"]
    v[1] -= d["b"]
    return np.mean(v ** 2)
""",
        "args": "(np.array([-0.62, -1.15]),)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
        # (F69 without the rest: silently wrong on 1a7b04e, exp's adjoint read the written array)
    },
    {
        "id": "F69-neighbour-list-item-written-in-a-loop",
        "source": """\
import numpy as np

RATE = 0.3

def f(y, w):
    states = [np.tanh(w * y), y * 1.0]
    for k in range(2):
        s = states[0]
        s[k] += RATE * np.cos(states[1][k])
    return np.sum(states[0] ** 2)
""",
        "args": "(np.array([-0.62, -1.15]), 0.8)",
        "wrt": [0, 1],
        "expect": ("pass", "refused"),
        "open": None,
        # (F69's neighbour: a list's item written in a loop, tanh's adjoint reads the array)
    },
    {
        "id": "wrong-F70-a-loop-hands-an-array-written-in-place-on-unchanged",
        "source": """\
import math

import numpy as np
import scipy.special
import scipy.stats

X07 = -1.0404
NSTEPS9 = 1


class Model:
    def __init__(self, scale):
        self.scale = scale

    def forward(self, v):
        return np.tanh(self.scale * v) + 0.1 * v

    def energy(self, v, k=0.5):
        return k * np.sum(self.forward(v) ** 2)


MODEL = Model(0.49)

def step_0(p0):
    v1 = np.copysign(np.array([-0.413, 0.398, -1.142, -0.0901]), np.var(np.array([[-0.956, 0.6992, 1.0048], [-0.2071, -0.8998, -0.7291], [-0.0185, 0.0294, -0.6061], [-0.1345, 0.7677, -0.8686]]), axis=1))
    for i2 in range(1, 2):
        c3 = v1.copy()
        v1 = np.tanh(v1)
    h4 = np.var(np.array([[-0.8934, 0.1228, 1.1926], [-0.352, -0.9724, -0.6183], [-0.3058, 0.1348, -0.7866], [-0.2096, 1.0578, -0.703]]), axis=1)
    return np.linspace(0.0, p0, 3)


def rhs_1(p0, p1, p2):
    o5 = step_0(p0=(X07 if (np.add(X07, X07) / (2.0 + np.cos(X07))) > 0.58 else X07))
    v6 = np.float_power(1.0 + MODEL.forward((p2 * p2)) ** 2, 0.5)
    p2 = np.clip(np.convolve(o5, np.array([0.25, 0.5, 0.25]), mode='same'), -1.0, 1.0 + (np.concatenate([p2[:, 1:], p2[:, :1]], axis=1) - v6) ** 2)
    return np.vstack([p0[1:], p0[:1]]), np.stack([p1] * 4)


def rhs_2(p0, p1, p2):
    c7 = p1.copy()
    d8 = {"a": np.full(3, p2), "b": X07}
    return ((np.log10(2.0 + np.sin(np.add(d8["b"], X07))) > 0.73 and np.fmin(d8["b"], d8["b"]) < 0.58) and np.hypot(X07, p2) or scipy.special.logsumexp(d8["a"]))


def f(x):
    g9 = lambda u: np.abs(u) + X07 * u
    t10, t11 = 0.42, X07
    x[-1] *= np.copysign(np.amin(np.array([[0.4819, 1.0927, -0.0557], [0.6044, 0.1831, -1.1769], [0.356, 0.4942, -0.6286], [0.2546, 0.25, -0.2921]])), (-0.57))
    u12 = x
    d13 = {"a": scipy.special.erfc(np.arccosh(1.5 + np.array([0.9528, 0.5249, 0.2091]) ** 2)), "b": (np.hypot(t10, X07) if np.cbrt(2.0 + np.hypot(t10, t11)) < 0.14 else MODEL.energy(np.array([[-0.1715, -0.8668, -1.1697], [0.9357, -0.3553, -0.0989], [0.2571, 0.2786, 1.0832], [0.0436, 1.1493, -0.1087]]), k=X07))}
    it14 = 0
    while it14 < 2 and d13["b"] > -0.47:
        it14 += 1
        t10 = (scipy.special.logsumexp(d13["a"]) / (2.0 + np.cos(math.erf(t10)))) + 0.5 * t10
        v15 = np.var(np.array([[0.6219, 0.9075, 0.9053], [0.1173, 1.035, -0.6354], [1.1882, 0.1602, 0.2061], [-0.5391, -0.464, 0.3681]]).reshape(3, 4).T, axis=1)
        u12 = u12
    t10 = d13["b"]
    for i16 in range(1, 3):
        if g9(t11) > 0.1:
            x = u12
        else:
            v17 = (np.cumsum(np.stack([d13["a"]] * 4), axis=1) / (2.0 + np.cos(np.subtract((x[:, None] * d13["a"]), np.power(1.0 + (u12[:, None] * d13["a"]) ** 2, 0.5 * np.tanh(d13["a"]))))))
            o18 = step_0(p0=x[i16])
            o19, o20 = rhs_1(v17, np.prod(1.2 + np.sin(v17), axis=0), p2=v17)
        t11 = (np.tanh(X07) if t10 <= -0.75 else (d13["b"] if np.minimum(X07, d13["b"]) <= -0.3 else -0.3)) + 0.5 * t11
        if X07 < 0.25:
            return np.mean(u12 ** 2) + t11 + np.sum(x)
        h21 = np.std(np.arctan2(np.stack([d13["a"]] * 4), 1.5 + d13["a"] ** 2), axis=0)
    return np.sum(np.sin(x)) + t10 + np.sum(np.sin(u12))
""",
        "args": "(np.array([-0.8598, 0.5163, -1.191, -0.8198]),)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
        # (campaign seed 7701546, silently wrong on 1a7b04e and after: `x[-1] *= ...; u12 = x`, a
        # while loop rebinding `u12 = u12`, then both x and u12 read: the two values are one array,
        # their adjoints one buffer, and the second read's adjoint replaced the first's)
    },
    {
        "id": "wrong-F70-minimal-while",
        "source": """\
import numpy as np

def f(x, k):
    x[1] *= 0.5
    u = x
    while k > 1.0:
        u = u
    return np.sum(np.sin(x)) + np.sum(np.sin(u))
""",
        "args": "(np.array([-0.86, 0.52, -1.19, -0.82]), -1.0)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
        # (F70 without the rest: half the gradient on 1a7b04e)
    },
    {
        "id": "wrong-F70-neighbour-for-loop-local-copy",
        "source": """\
import numpy as np

SCALE = 0.5

def f(x, n):
    y = x * 1.0
    y[1] *= SCALE
    u = y
    for _ in range(n):
        u = u
    return np.sum(np.sin(y)) + np.sum(np.cos(u))
""",
        "args": "(np.array([-0.86, 0.52, -1.19, -0.82]), 2)",
        "wrt": [0],
        "expect": ("pass",),
        "open": None,
        # (F70 with a for loop and a local array: silently wrong on 1a7b04e)
    },
]
