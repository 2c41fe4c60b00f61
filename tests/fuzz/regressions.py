"""Minimised programs the fuzzer found, with the outcome each must have.

``expect`` lists the acceptable statuses ("pass": every oracle agrees;
"refused": an S2SGradError naming the line). ``open`` gives the reason a row
still fails (a strict xfail in tests/test_fuzz.py: when the bug is fixed the
row passes and the mark must go). Rows are written by ``python -m tests.fuzz``
(``--out``) minimisation and kept here by hand; an id starts with the family
(``inplace``, ``crash``, ``wrong``) and the finding's number (F1, F2, ...).
"""

ROWS = [
    {
        "id": 'crash-F1-module-constant-in-helper',
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
        "args": '(np.array([-0.0363, 1.0834, 1.1486]), np.array([0.4231, 0.9777, -1.0795]),)',
        "wrt": [0, 1],
        "expect": ("pass", "refused"),
        "open": None,
    },
    {
        "id": 'crash-F2-min-in-nested-loop',
        "source": """\
import numpy as np

def f(x, y):
    for i8 in range(1, 3):
        for i9 in range(1):
            a11 = y
            y = np.min(a11)
    return y
""",
        "args": '(np.array([-0.4091, -0.748, 0.1136, -0.7796]), -0.3897,)',
        "wrt": [0, 1],
        "expect": ("pass", "refused"),
        "open": None,
    },
    {
        "id": 'crash-F2-prod-in-loop',
        "source": """\
import numpy as np

def f(x):
    for i16 in range(2):
        x[x > 0.13] += np.prod(x + 1.5)
    return np.sum(x)
""",
        "args": '(np.array([1.1754, -0.766, 1.1207]),)',
        "wrt": [0],
        "expect": ("pass", "refused"),
        "open": None,
    },
    {
        "id": 'crash-F2-var-axis-in-loop',
        "source": """\
import numpy as np

def f(x, y):
    h5 = np.array([-0.9005, -0.661])
    w6 = h5
    for i7 in range(1, 3):
        w6 = np.var(w6[:, None] * x[1], axis=1)
    return np.mean(w6 ** 2)
""",
        "args": '((-0.6975, np.array([0.3272, 0.7855, 0.5242])), (0.2061, np.array([0.5788, -0.2415, 0.3782])),)',
        "wrt": [0, 1],
        "expect": ("pass", "refused"),
        "open": None,
    },
    {
        "id": 'crash-F2-einsum-in-loop',
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
        "id": 'crash-F3-self-assignment',
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
        "id": 'crash-F4-jvp-list-concatenation',
        "source": """\
import numpy as np

def f(x, y):
    s7 = np.array([-0.1, x[0]] + [0.5])
    return np.mean(s7 ** 2) + np.sum(y)
""",
        "args": '((-1.0595, np.array([0.7856, 1.0323, 0.6207])), np.array([1.1346, 0.0569, 1.0322]),)',
        "wrt": [0, 1],
        "expect": ("pass", "refused"),
        "open": None,
    },
    {
        "id": 'crash-F5-hvp-helper-without-return',
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
        "id": 'wrong-F6-std-of-equal-rows',
        "source": """\
import numpy as np

def f(w):
    s = np.std(np.tile(w[1], (2, 1)), axis=0)
    return np.sum(np.sin(s))
""",
        "args": '((-0.1547, np.array([-0.0141, 0.0114])),)',
        "wrt": [0],
        "expect": ("pass", "refused"),
        "open": None,
    },
    {
        "id": 'inplace-F7-loop-over-rebound-name',
        "source": """\
import numpy as np

def f(z):
    z = 2 + z
    for r7 in z:
        z[z > 0.44] = r7
        z = z ** 2
    return np.sum(z)
""",
        "args": '(np.array([-0.5854, -0.4708]),)',
        "wrt": [0],
        "expect": ("pass", "refused"),
        "open": None,
    },
    {
        "id": 'inplace-F7-loop-over-rolled-name',
        "source": """\
import numpy as np

def f(y):
    acc4 = []
    for r3 in y:
        y = np.roll(y, 1)
        acc4.append(r3)
    return sum(acc4)
""",
        "args": '(np.array([-1.0014, -0.7856]),)',
        "wrt": [0],
        "expect": ("pass", "refused"),
        "open": None,
    },
    {
        "id": 'inplace-F8-list-of-one-array-written',
        "source": """\
import numpy as np

def f(x):
    a5 = [x[1]] * 4
    a5[0] -= 2.0
    return np.sum(np.sin(a5))
""",
        "args": '([np.array([-0.3904, 0.5738, 0.7979]), np.array([0.8881, 0.4374, 0.0302])],)',
        "wrt": [0],
        "expect": ("pass", "refused"),
        "open": 'write through a list item that aliases an argument: wrong gradient [silently wrong in value_and_grad]',
    },
    {
        "id": 'inplace-F10-alias-write-in-untaken-branch',
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
        "args": '(np.array([[-0.2686, -0.0742], [-0.3497, 0.9624], [-0.2582, -0.0672]]),)',
        "wrt": [0],
        "expect": ("pass", "refused"),
        "open": None,
    },
    {
        "id": 'inplace-F11-mask-write-vs-alias-rebinding',
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
        "id": 'inplace-F12-hvp-write-into-flipped',
        "source": """\
import numpy as np

def f(y):
    a3 = np.flip(np.sqrt(y + 0.5))
    a3[1] -= np.sum(np.tile(y, (4, 1)))
    return np.mean(a3 ** 2)
""",
        "args": '(np.array([-0.2884, 0.486, -0.4277]),)',
        "wrt": [0],
        "expect": ("pass", "refused"),
        "open": None,
    },
    {
        "id": 'wrong-F13-list-repetition',
        "source": """\
import numpy as np

def f(p0):
    return np.sum(np.sin(np.stack([p0] * 3)[0]))
""",
        "args": '(np.array([0.3, 0.4]),)',
        "wrt": [0],
        "expect": ("pass", "refused"),
        "open": None,
    },
    {
        "id": 'crash-F15-jvp-write-into-constant-sum',
        "source": """\
import numpy as np
W3 = [[-0.6475, -0.1836, -1.1778], [-0.0604, 0.9838, 1.1743], [-0.0842, 0.9662, 0.238], [-1.0819, 0.6265, 0.9634]]

def f(x):
    d1 = {'a': np.abs(x + x) ** 1.5, 'b': 1.26}
    s2 = W3 + np.exp(-d1['b'])
    s2[1] -= d1['a']
    return np.mean(s2 ** 2)
""",
        "args": '(np.array([0.5155, -1.105, -0.6704]),)',
        "wrt": [0],
        "expect": ("pass", "refused"),
        "open": 'jvp: assignment destination is read-only (issue 11 item 8) [raw exception in jvp]',
    },
]
