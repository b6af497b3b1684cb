"""Opens files with Debian's HyperSpy 1.7 (and TIFFs also with tifffile) and prints, as JSON, what each reader saw.

Usage: /usr/bin/python3 hyperspy_open.py LIST.json  (a JSON list of paths). For every path: the signals HyperSpy
returns (array shape, dtype, SHA-256 of the C-order little-endian values, axes by array index, normalised metadata),
and for .tif also tifffile's array; a reader's failure is reported as {"error": ...} rather than raised.
"""
import hashlib
import json
import sys
import warnings

import numpy as np

warnings.filterwarnings("ignore")
import logging

logging.disable(logging.WARNING)

import hyperspy.api as hs  # noqa: E402


def digest(a):
    a = np.asarray(a)
    if a.dtype.names:  # HyperSpy's RGB(A): a structured array of uint8 fields
        a = np.stack([a[n] for n in a.dtype.names], axis=-1)
    return hashlib.sha256(np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<")).tobytes()).hexdigest()


def text(v):
    if v is None:
        return ""
    s = str(v)
    return "" if s in ("<undefined>", "Undefined") else s


def number(v):
    try:
        f = float(v)
        return f if np.isfinite(f) else None
    except (TypeError, ValueError):
        return None


def metadata(s):
    md = s.metadata
    def get(path):
        return md.get_item(path) if md.has_item(path) else None
    def instrument(name):
        for microscope in ("TEM", "SEM"):
            v = get(f"Acquisition_instrument.{microscope}.{name}")
            if v is not None:
                return v
        return None
    return {
        "title": text(get("General.title")),
        "signal_type": text(get("Signal.signal_type")),
        "date": text(get("General.date")) or None,
        "time": text(get("General.time")) or None,
        "beam_energy_kev": number(instrument("beam_energy")),
        "magnification": number(instrument("magnification")),
        "camera_length_mm": number(instrument("camera_length")),
        "convergence_angle_mrad": number(instrument("convergence_angle")),
        "exposure_s": number(instrument("Detector.Camera.exposure")),
        "dwell_time_s": number(instrument("dwell_time")),
    }


def signal(s):
    axes = []
    for ax in s.axes_manager._axes:
        axes.append({
            "index_in_array": int(ax.index_in_array),
            "name": text(ax.name),
            "size": int(ax.size),
            "scale": number(ax.scale),
            "offset": number(ax.offset),
            "units": text(ax.units),
            "navigate": bool(ax.navigate),
        })
    data = np.asarray(s.data)
    return {"shape": list(data.shape), "dtype": str(data.dtype), "sha256": digest(data), "axes": axes, "metadata": metadata(s)}


def main():
    out = {}
    for path in json.load(open(sys.argv[1])):
        entry = {}
        try:
            # NeXus: the NXdata only (by default HyperSpy 1.7 also returns every axis vector as a signal of its own).
            extra = {"nxdata_only": True} if path.lower().endswith(".nxs") else {}
            loaded = hs.load(path, lazy=False, **extra)
            entry["hyperspy"] = [signal(x) for x in (loaded if isinstance(loaded, list) else [loaded])]
        except Exception as e:  # the reader failed: reported, not raised
            entry["hyperspy"] = {"error": f"{type(e).__name__}: {e}"}
        if path.lower().endswith((".tif", ".tiff")):
            try:
                import tifffile
                a = tifffile.imread(path)
                entry["tifffile"] = {"shape": list(a.shape), "dtype": str(a.dtype), "sha256": digest(a)}
            except Exception as e:
                entry["tifffile"] = {"error": f"{type(e).__name__}: {e}"}
        out[path] = entry
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
