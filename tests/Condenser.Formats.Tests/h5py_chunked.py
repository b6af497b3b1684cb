"""Writes chunked, compressed HDF5 files with h5py as py4DSTEM and HyperSpy lay them out, for Hdf5ChunkedTests.

Usage: h5py_chunked.py SPEC.json. SPEC is a list of {path, layout, shape, chunks, dtype, filters, written}; the values
of element i (flat index in stored C order) are value(i) below, the same formula as the C# test's. `written` < 1
writes only that leading fraction of the first axis (the rest keeps the fill value 7). Prints nothing on success.
"""
import json
import sys

import h5py
import numpy as np


def values(shape, dtype):
    i = np.arange(int(np.prod(shape)), dtype=np.int64)
    v = (i * 7919 + (i >> 7)) % 65521
    return (v if np.dtype(dtype).kind in "iu" else v * 0.25).astype(dtype).reshape(shape)


for spec in json.load(open(sys.argv[1])):
    shape, chunks = tuple(spec["shape"]), tuple(spec["chunks"]) or None
    data = values(shape, spec["dtype"])
    filters = spec["filters"]
    kwargs = dict(chunks=chunks, fillvalue=7)  # chunks [] = contiguous
    if "gzip" in filters:
        kwargs.update(compression="gzip", compression_opts=4)
    if "shuffle" in filters:
        kwargs["shuffle"] = True
    if "fletcher32" in filters:
        kwargs["fletcher32"] = True
    with h5py.File(spec["path"], "w", libver=spec.get("libver", "earliest")) as f:
        if spec["layout"] == "py4dstem":
            g = f.create_group("4DSTEM_experiment/data/datacubes/datacube_0")
        else:
            g = f.create_group("signals/scan")
        g.attrs["emd_group_type"] = 1
        ds = g.create_dataset("data", shape, dtype=spec["dtype"], **kwargs)
        rows = int(round(shape[0] * spec.get("written", 1)))
        ds[:rows] = data[:rows]
        for k, n in enumerate(shape):
            g.create_dataset(f"dim{k + 1}", data=np.arange(n, dtype=float))
