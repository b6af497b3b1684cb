#!/usr/bin/python3
"""Few-shot segmentation, side by side: Condenser's `segment` against an ilastik-style baseline (the same filter
bank in scipy/numpy with scikit-learn's random forest), multi-Otsu thresholding and k-means on pixels.

Images: twin HAADF images with their ground-truth phase maps (`condenser twin acquire` / `twin truth`), and the real
images under bench/segmentation/ with the labels kept there. Shots: square patches (9×9 px, smaller where the class
is thinner) drawn at random inside each class of the ground truth, 1, 3 and 10 per class, three draws each.
Scores on the pixels no shot covers: accuracy and mean intersection over union (IoU) over the classes.
Otsu and k-means are unsupervised: their classes are matched to the true ones by the assignment of most overlap
(scipy's linear_sum_assignment), which favours them. Both run on the image smoothed at σ = 2 px.

Usage: /usr/bin/python3 bench/scripts/segment_bench.py [--quick] [--out DIR]   (from the repository root)
"""
import argparse, json, os, subprocess, sys, time
import numpy as np
import h5py, tifffile
from scipy import ndimage
from scipy.optimize import linear_sum_assignment
from skimage.filters import threshold_multiotsu
from sklearn.cluster import KMeans
from sklearn.ensemble import RandomForestClassifier

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONDENSER = os.path.join(ROOT, "condenser")
SCALES = [1.0, 2.0, 4.0, 8.0]

TWIN_SCENES = [
    # scene, centre (nm), field of view (nm), pixels
    ("nanoparticles", "250,250", 100, 512),
    ("polycrystal", "350,300", 100, 512),
    ("oxide-interface", "0,0", 30, 512),
]


def run(args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw)


def twin_image(work, scene, center, fov, pixels):
    img, truth = os.path.join(work, f"{scene}.tif"), os.path.join(work, f"{scene}.truth.emd")
    if not os.path.exists(img):
        run([CONDENSER, "twin", "acquire", "--mode", "haadf", "--scene", scene, "--center", center, "--fov", str(fov), "--pixels", str(pixels), "-o", img])
        run([CONDENSER, "twin", "truth", "--scene", scene, "--center", center, "--fov", str(fov), "--pixels", str(pixels), "-o", truth])
    image = tifffile.imread(img).astype(np.float32)
    group = h5py.File(truth, "r")["signals/phase"]
    phase = np.array(group["data"])
    if group["dim1"].attrs.get("name") in ("x", b"x"):
        phase = phase.T  # Berkeley EMD lists dim1 first: here the stored array runs x, then y
    values = np.unique(phase)
    gt = np.searchsorted(values, phase).astype(np.uint8) + 1
    return img, image, gt


# The filter bank of Condenser's FilterBank (version 1), written again with scipy: at each scale the Gaussian,
# gradient magnitude, Laplacian, Hessian and structure-tensor eigenvalues (outer scale σ/2), local standard
# deviation and the difference with the next finer Gaussian; derivatives are central differences.
def features(image):
    def shift(a, dy, dx):
        p = np.pad(a, 1, mode="symmetric")
        return p[1 + dy:1 + dy + a.shape[0], 1 + dx:1 + dx + a.shape[1]]

    def eig(a, b, c):
        m, h = (a + b) / 2, (a - b) / 2
        r = np.sqrt(h * h + c * c)
        return m + r, m - r

    out = [image]
    previous = image
    for s in SCALES:
        g = ndimage.gaussian_filter(image, s, mode="reflect", truncate=4.0)
        g2 = ndimage.gaussian_filter(image * image, s, mode="reflect", truncate=4.0)
        gx = (shift(g, 0, 1) - shift(g, 0, -1)) / 2
        gy = (shift(g, 1, 0) - shift(g, -1, 0)) / 2
        hxx = shift(g, 0, -1) - 2 * g + shift(g, 0, 1)
        hyy = shift(g, -1, 0) - 2 * g + shift(g, 1, 0)
        hxy = (shift(g, 1, 1) - shift(g, 1, -1) - shift(g, -1, 1) + shift(g, -1, -1)) / 4
        sm = lambda a: ndimage.gaussian_filter(a, s / 2, mode="reflect", truncate=4.0)
        h1, h2 = eig(hxx, hyy, hxy)
        s1, s2 = eig(sm(gx * gx), sm(gy * gy), sm(gx * gy))
        out += [g, np.hypot(gx, gy), hxx + hyy, h1, h2, s1, s2, np.sqrt(np.maximum(0, g2 - g * g)), previous - g]
        previous = g
    return np.stack(out, axis=-1).astype(np.float32)


def shots(gt, per_class, rng, size=9):
    labels = np.zeros_like(gt)
    for c in np.unique(gt):
        mask = gt == c
        for side in (size, 5, 3, 1):
            inner = ndimage.binary_erosion(mask, np.ones((side, side)), border_value=0) if side > 1 else mask
            where = np.argwhere(inner & (labels == 0))
            if len(where):
                break
        for _ in range(per_class):
            y, x = where[rng.integers(len(where))]
            r = side // 2
            labels[max(0, y - r):y + r + 1, max(0, x - r):x + r + 1] = c
    return labels


def scores(pred, gt, mask):
    p, t = pred[mask], gt[mask]
    k = int(gt.max())
    ious = []
    for c in range(1, k + 1):
        inter = np.sum((p == c) & (t == c))
        union = np.sum((p == c) | (t == c))
        ious.append(inter / union if union else 1.0)
    return float(np.mean(p == t)), float(np.mean(ious))


def matched(clusters, gt, k):
    overlap = np.zeros((k, k))
    for i in range(k):
        for j in range(k):
            overlap[i, j] = np.sum((clusters == i) & (gt == j + 1))
    rows, cols = linear_sum_assignment(-overlap)
    mapping = np.zeros(k, dtype=np.uint8)
    mapping[rows] = cols + 1
    return mapping[clusters]


def condenser_segment(work, image_path, labels, name):
    lab = os.path.join(work, f"{name}.labels.tif")
    seg = os.path.join(work, f"{name}.seg.tif")
    tifffile.imwrite(lab, labels)
    out = run([CONDENSER, "segment", image_path, "--labels", lab, "-o", seg, "--json"])
    summary = json.loads(out.stdout)
    return tifffile.imread(seg), summary["elapsed_s"]


def ilastik_style(feats, labels, seed):
    idx = labels > 0
    rf = RandomForestClassifier(n_estimators=100, n_jobs=2, random_state=seed)
    t0 = time.perf_counter()
    rf.fit(feats[idx], labels[idx])
    pred = rf.predict(feats.reshape(-1, feats.shape[-1])).reshape(labels.shape).astype(np.uint8)
    return pred, time.perf_counter() - t0


def unsupervised(image, gt, k, seed):
    smooth = ndimage.gaussian_filter(image, 2.0)
    otsu = np.digitize(smooth, threshold_multiotsu(smooth, classes=k)).astype(np.int64)
    km = KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(smooth.reshape(-1, 1)).reshape(gt.shape)
    return matched(otsu, gt, k), matched(km, gt, k)


def real_images():
    folder = os.path.join(ROOT, "bench", "segmentation")
    cases = []
    if os.path.isdir(folder):
        for meta in sorted(f for f in os.listdir(folder) if f.endswith(".json")):
            m = json.load(open(os.path.join(folder, meta)))
            path = os.path.normpath(os.path.join(ROOT, m["image"]))
            if os.path.exists(path):
                gt = tifffile.imread(os.path.join(folder, m["truth"])).astype(np.uint8)
                cases.append((m["name"], path, gt))
    return cases


def read_image(path):
    work = os.environ.get("TMPDIR", "/tmp")
    tif = os.path.join(work, "segment-bench-real.tif")
    run([CONDENSER, "convert", path, "-o", tif])
    return tifffile.imread(tif).astype(np.float32), tif


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="one draw per shot count")
    ap.add_argument("--out", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "segment-bench"))
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    draws = 1 if a.quick else 3
    cases = [(s,) + twin_image(a.out, s, c, f, p)[0:3] for s, c, f, p in TWIN_SCENES]
    for name, path, gt in real_images():
        image, tif = read_image(path)
        cases.append((name, tif, image, gt))
    rows = []
    for name, path, image, gt in cases:
        k = int(gt.max())
        t0 = time.perf_counter()
        feats = features(image)
        feature_s = time.perf_counter() - t0
        otsu, km = unsupervised(image, gt, k, 0)
        everywhere = np.ones_like(gt, dtype=bool)
        rows.append((name, "-", "Otsu (σ=2 px, matched)") + scores(otsu, gt, everywhere) + (None,))
        rows.append((name, "-", "k-means on pixels (σ=2 px, matched)") + scores(km, gt, everywhere) + (None,))
        for n in (1, 3, 10):
            acc = {"condenser": [], "ilastik-style": []}
            seconds = {"condenser": [], "ilastik-style": []}
            for d in range(draws):
                labels = shots(gt, n, np.random.default_rng(1000 * n + d))
                mask = labels == 0
                pred, t = condenser_segment(a.out, path, labels, f"{name}-{n}-{d}")
                acc["condenser"].append(scores(pred, gt, mask))
                seconds["condenser"].append(t)
                pred, t = ilastik_style(feats, labels, d)
                acc["ilastik-style"].append(scores(pred, gt, mask))
                seconds["ilastik-style"].append(t + feature_s)
            for method in acc:
                m = np.mean(acc[method], axis=0)
                rows.append((name, str(n), method, float(m[0]), float(m[1]), float(np.median(seconds[method]))))
    print("| image | shots/class | method | accuracy | mean IoU | s |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]:.3f} | {r[4]:.3f} | {'' if r[5] is None else f'{r[5]:.2f}'} |")
    json.dump(rows, open(os.path.join(a.out, "segment-bench.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
