"""Independent spectrum-image analyses with numpy, for comparison with Condenser.

Usage: /usr/bin/python3 numpy_spectra.py FILE.raw   (the raw array and its FILE.raw.json sidecar, as `condenser convert` writes them)
Prints JSON: singular values of the mean-centred positions × channels matrix (numpy.linalg.svd), the zero-loss peak
energy of every spectrum (maximum refined by a parabola through its neighbours), and the total.
"""
import json, sys
import numpy as np

path = sys.argv[1]
meta = json.load(open(path + ".json"))
data = np.fromfile(path, dtype=np.dtype(meta["dtype"]).newbyteorder("<")).astype(np.float64)
c = meta["shape"][-1]
x = data.reshape(-1, c)
s = np.linalg.svd(x - x.mean(axis=0), compute_uv=False)
axis = meta["axes"][-1]
zlp = []
for row in x:
    i = int(np.argmax(row))
    frac = 0.0
    if 0 < i < c - 1:
        a, b, d = row[i - 1], row[i], row[i + 1]
        den = a - 2 * b + d
        frac = float(np.clip(0.5 * (a - d) / den, -0.5, 0.5)) if den < 0 else 0.0
    zlp.append(axis["offset"] + (i + frac) * axis["scale"])
print(json.dumps({"singular_values": [float(v) for v in s], "zlp": zlp, "total": float(x.sum())}))
