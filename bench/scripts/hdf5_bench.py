#!/usr/bin/python3
"""Chunked and compressed HDF5 4D-STEM files, as py4DSTEM and HyperSpy lay them out, read by Condenser and by h5py.

Writes one 64 × 64 scan of 128 × 128 uint16 patterns (128 MiB decoded; a bright disk with Poisson noise) with h5py at
several chunk shapes, gzip level 4 and the shuffle filter, and contiguous. For each file: h5py reading the whole
dataset into memory (libhdf5 and zlib: the baseline, in the stored order only) and Condenser's `pattern-stats`, a
fresh process reading every frame (`pass_s`: the pass over the frames, the input's hash included; wall: the whole
command). Decoded MB/s = 128 MiB over the time. Run from the repository root:
    /usr/bin/python3 bench/scripts/hdf5_bench.py [--cli PATH] [--timeout S]
(--cli: another build of condenser, for a side-by-side; --timeout: seconds before a read is stopped, default 300)
"""
import json, os, subprocess, sys, tempfile, time
import numpy as np, h5py

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLI = sys.argv[sys.argv.index("--cli") + 1] if "--cli" in sys.argv else os.path.join(ROOT, "condenser")
TIMEOUT = float(sys.argv[sys.argv.index("--timeout") + 1]) if "--timeout" in sys.argv else 300
NY, NX, QY, QX = 64, 64, 128, 128
LAYOUTS = [
    ("py4DSTEM", (1, 1, QY, QX)), ("py4DSTEM", (4, 4, QY, QX)), ("py4DSTEM", (8, 8, 32, 32)), ("py4DSTEM", (NY, NX, 4, 4)),
    ("py4DSTEM", None),
    ("HyperSpy", (QX, QY, 1, 1)), ("HyperSpy", (QX, QY, 8, 8)), ("HyperSpy", (32, 32, 16, 16)), ("HyperSpy", None),
    ("EMD 1.0 stack", (1, QY, QX)),
]


def scan():
    rng = np.random.default_rng(1)
    yy, xx = np.mgrid[:QY, :QX]
    disk = ((yy - QY / 2) ** 2 + (xx - QX / 2) ** 2 < (QY / 6) ** 2) * 200.0
    lam = disk[None, None] * (1 + 0.3 * np.sin(np.arange(NY)[:, None, None, None] / 5)) + 2
    return rng.poisson(np.broadcast_to(lam, (NY, NX, QY, QX))).astype(np.uint16)


def write(path, layout, data, chunks):
    with h5py.File(path, "w") as f:
        if layout == "py4DSTEM":
            g = f.create_group("4DSTEM_experiment/data/datacubes/datacube_0")
        elif layout == "EMD 1.0 stack":
            g = f.create_group("stack")
            g.attrs["emd_group_type"] = "array"
            data = data.reshape(NY * NX, QY, QX)  # the positions as one stack of frames
            for k, n in enumerate(data.shape):
                g.create_dataset(f"dim{k}", data=np.arange(n, dtype=float))
            g.create_dataset("data", data=data, chunks=chunks, compression="gzip", compression_opts=4, shuffle=True)
            return g["data"].name
        else:
            g = f.create_group("signals/scan")
            data = np.ascontiguousarray(data.transpose())  # HyperSpy stores the axes reversed
        g.attrs["emd_group_type"] = 1
        extra = dict(compression="gzip", compression_opts=4, shuffle=True) if chunks else {}
        g.create_dataset("data", data=data, chunks=chunks, **extra)
        return g["data"].name


def h5py_read(path, name):
    best = 1e9
    for _ in range(2):
        with h5py.File(path, "r") as f:
            t = time.perf_counter()
            f[name][...]
            best = min(best, time.perf_counter() - t)
    return best


def condenser(path):
    out = os.path.join(os.path.dirname(path), "stats.emd")
    t = time.perf_counter()
    try:
        r = subprocess.run([CLI, "pattern-stats", path, "-o", out, "--json"], capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, TIMEOUT, f"stopped after {TIMEOUT:.0f} s"
    wall = time.perf_counter() - t
    if r.returncode != 0:
        return None, wall, "refused: " + r.stderr.strip().splitlines()[-1].split(": ", 2)[-1][:90]
    return json.loads(r.stdout)["pass_s"], wall, ""


def main():
    subprocess.run([CLI, "--version"], check=True, capture_output=True)
    work = tempfile.mkdtemp(prefix="hdf5-bench-")
    data = scan()
    mb = data.nbytes / 1e6
    print(f"{NY}x{NX} scan of {QY}x{QX} uint16, {mb:.0f} MB decoded; MB/s of decoded data\n")
    print("| layout | chunks | file MB | h5py read | Condenser pass | Condenser wall | pass / h5py |")
    print("|---|---|---|---|---|---|---|")
    for layout, chunks in LAYOUTS:
        path = os.path.join(work, "scan.emd")
        name = write(path, layout, data, chunks)
        size = os.path.getsize(path) / 1e6
        base = h5py_read(path, name)
        p, wall, err = condenser(path)  # the page cache and Condenser's hash cache warm
        if p is not None:
            p, wall, err = condenser(path)
        shape = "×".join(map(str, chunks)) if chunks else "contiguous"
        if p is None:
            print(f"| {layout} | {shape} | {size:.0f} | {mb / base:.0f} ({base:.2f} s) | {err} | {wall:.1f} s | |", flush=True)
        else:
            print(f"| {layout} | {shape} | {size:.0f} | {mb / base:.0f} ({base:.2f} s) | {mb / p:.0f} ({p:.2f} s) | {mb / wall:.0f} ({wall:.2f} s) | {base / p:.2f} |", flush=True)
        os.remove(path)


main()
