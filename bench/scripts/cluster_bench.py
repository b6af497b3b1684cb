#!/usr/bin/python3
"""Phase maps of twin 4D-STEM scans by clustering the patterns: Condenser's `classify` (k-means, Gaussian mixture,
mixture with the BIC's number of components) against scikit-learn on the same features, side by side.

Scored by the adjusted Rand index against the twin's phase map (`condenser twin truth`). Features on both sides:
every pattern binned to 16 × 16, square-rooted, scaled to unit length; the mixtures are fitted on the first 8
principal components. Run from the repository root: /usr/bin/python3 bench/scripts/cluster_bench.py
"""
import json, os, subprocess, sys, tempfile, time
import numpy as np, h5py
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_rand_score
from sklearn.mixture import GaussianMixture

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLI = os.path.join(ROOT, "condenser")
SCENES = [("polycrystal", "0,0", 200), ("oxide-interface", "0,0", 200), ("precipitates", "0,0", 1000)]
PIXELS, CAMERA = 64, 64


def run(*args):
    t = time.perf_counter()
    out = subprocess.run([CLI, *args], check=True, capture_output=True, text=True).stdout
    return out, time.perf_counter() - t


def features(raw, meta):

    data = np.fromfile(raw, dtype=np.uint16).reshape(PIXELS * PIXELS, CAMERA, CAMERA).astype(np.float64)
    f = CAMERA // 16
    v = np.sqrt(np.maximum(data.reshape(-1, 16, f, 16, f).sum(axis=(2, 4)).reshape(PIXELS * PIXELS, -1), 0))
    return v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-300)


def main():
    run("--version")
    work = tempfile.mkdtemp(prefix="cluster-bench-")
    rows = []
    for scene, centre, fov in SCENES:
        common = ["--scene", scene, "--center", centre, "--fov", str(fov), "--pixels", str(PIXELS)]
        scan = os.path.join(work, f"{scene}.raw")
        run("twin", "acquire", "--mode", "4dstem", "--camera-pixels", str(CAMERA), "--dwell-us", "100", *common, "-o", scan)
        run("twin", "truth", *common, "-o", os.path.join(work, f"{scene}-truth.emd"))
        truth = np.array(h5py.File(os.path.join(work, f"{scene}-truth.emd"), "r")["signals/phase/data"]).ravel()
        k = len(np.unique(truth))
        # EMD stores the axes reversed (HyperSpy's layout): in h5py's C order the map is (x, y); the raw scan's
        # positions run (y, x).
        truth_yx = truth.reshape(PIXELS, PIXELS).T.ravel()
        result = {"scene": scene, "phases": k, "positions": PIXELS * PIXELS}
        for name, args in [("kmeans", ["-k", str(k)]), ("gmm", ["--method", "gmm", "-k", str(k)]), ("gmm_bic", ["--method", "gmm", "-k", "auto"])]:
            out_file = os.path.join(work, f"{scene}-{name}.emd")
            out, wall = run("classify", scan, *args, "-o", out_file, "--json")
            labels = np.array(h5py.File(out_file, "r")["signals/class/data"]).ravel()
            result[f"condenser_{name}"] = {"ari": adjusted_rand_score(truth, labels), "clusters": json.loads(out)["clusters"], "wall_s": wall}
        t = time.perf_counter()
        x = features(scan, scan + ".json")
        t_features = time.perf_counter() - t
        t = time.perf_counter()
        km = KMeans(k, n_init=1, random_state=1).fit_predict(x)
        result["sklearn_kmeans"] = {"ari": adjusted_rand_score(truth_yx, km), "clusters": k, "s": t_features + time.perf_counter() - t}
        t = time.perf_counter()
        z = PCA(8).fit_transform(x)
        gm = GaussianMixture(k, random_state=1).fit(z)
        result["sklearn_gmm"] = {"ari": adjusted_rand_score(truth_yx, gm.predict(z)), "clusters": k, "s": t_features + time.perf_counter() - t}
        t = time.perf_counter()
        fits = [GaussianMixture(c, random_state=1).fit(z) for c in range(1, 9)]
        bic = [f.bic(z) for f in fits]
        best = fits[int(np.argmin(bic))]
        result["sklearn_gmm_bic"] = {"ari": adjusted_rand_score(truth_yx, best.predict(z)), "clusters": best.n_components, "s": t_features + time.perf_counter() - t}
        rows.append(result)
        print(json.dumps(result), flush=True)
    print()
    print("| scene | phases | method | Condenser ARI (k) | scikit-learn ARI (k) | Condenser wall s | scikit-learn s (features + fit) |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        for m in ["kmeans", "gmm", "gmm_bic"]:
            c, s = r[f"condenser_{m}"], r[f"sklearn_{m}"]
            print(f"| {r['scene']} | {r['phases']} | {m} | {c['ari']:.3f} ({c['clusters']}) | {s['ari']:.3f} ({s['clusters']}) | {c['wall_s']:.2f} | {s['s']:.2f} |")


if __name__ == "__main__":
    sys.exit(main())
