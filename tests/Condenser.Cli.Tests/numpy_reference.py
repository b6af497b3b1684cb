"""Independent computation of an annular virtual image and the centre of mass of a Merlin MIB file with numpy.

Usage: /usr/bin/python3 numpy_reference.py FILE.mib SCAN_Y SCAN_X INNER OUTER CY CX
Reads the frames with numpy (header + big-endian counters), flips rows as HyperSpy presents Merlin frames, and
prints JSON: {"virtual": [...], "com_y": [...], "com_x": [...], "total": [...]} in scan C order.
"""
import json, sys
import numpy as np

path, sy, sx, inner, outer, cy, cx = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), *map(float, sys.argv[4:8])
head = open(path, "rb").read(768).decode("ascii", "replace").split(",")
header_bytes, width, height = int(head[2]), int(head[4]), int(head[5])
dtype = {"U08": "u1", "U16": ">u2", "U32": ">u4"}[head[6]]
frame = np.dtype([("h", f"S{header_bytes}"), ("d", dtype, (height, width))])
data = np.fromfile(path, dtype=frame, count=sy * sx)["d"].astype(np.float64)[:, ::-1, :]
yy, xx = np.mgrid[0:height, 0:width]
r = np.hypot(yy - cy, xx - cx)
mask = (r >= inner) & (r < outer)
virtual = (data * mask).sum(axis=(1, 2))
total = data.sum(axis=(1, 2))
with np.errstate(invalid="ignore", divide="ignore"):
    com_y = (data * yy).sum(axis=(1, 2)) / total - cy
    com_x = (data * xx).sum(axis=(1, 2)) / total - cx
clean = lambda a: [None if not np.isfinite(v) else float(v) for v in a]
print(json.dumps({"virtual": clean(virtual), "com_y": clean(com_y), "com_x": clean(com_x), "total": clean(total)}))
