// A calibrated image viewer on a canvas: float data, percentile contrast (optionally log), zoom (wheel), pan (drag),
// a scale bar from the calibration, a marker, and optionally a virtual detector drawn by dragging.
"use strict";

class ImageView {
  constructor(container, opts = {}) {
    this.opts = opts;
    this.size = opts.size || 420;
    this.root = document.createElement("div");
    this.root.className = "viewer";
    this.canvas = document.createElement("canvas");
    this.canvas.width = this.size; this.canvas.height = this.size;
    this.canvas.id = opts.id || "";
    this.controls = document.createElement("div");
    this.controls.className = "controls";
    this.controls.innerHTML =
      `<label>low <input type="range" min="0" max="50" step="0.5" value="0.5" data-k="low"></label>` +
      `<label>high <input type="range" min="50" max="100" step="0.5" value="99.5" data-k="high"></label>` +
      `<label><input type="checkbox" data-k="log" ${opts.log ? "checked" : ""}> log</label>` +
      `<button type="button" class="btn" data-k="reset">fit</button>` +
      `<button type="button" class="btn" data-k="window" title="as large as the window allows">fit to window</button>` +
      `<button type="button" class="btn" data-k="fullscreen">full screen</button>`;
    this.caption = document.createElement("div");
    this.caption.className = "caption";
    if (opts.id) this.caption.id = opts.id + "-caption";
    // The contrast limits as a grey ramp with their values, and what is under the cursor.
    this.colorbar = document.createElement("canvas"); this.colorbar.className = "colorbar"; this.colorbar.width = 18; this.colorbar.height = this.size;
    if (opts.id) this.colorbar.id = opts.id + "-colorbar";
    this.barLabels = document.createElement("div"); this.barLabels.className = "colorbar-labels";
    const picture = document.createElement("div"); picture.className = "picture";
    picture.append(this.canvas, this.colorbar, this.barLabels);
    this.readout = document.createElement("div"); this.readout.className = "readout";
    if (opts.id) this.readout.id = opts.id + "-readout";
    this.root.append(this.controls, picture, this.caption, this.readout);
    container.append(this.root);
    this.low = 0.5; this.high = 99.5; this.log = !!opts.log;
    this.zoom = 1; this.panX = 0; this.panY = 0;
    this.marker = null; this.detector = null;
    this.controls.addEventListener("input", e => {
      const k = e.target.dataset.k;
      if (k === "low") this.low = +e.target.value;
      if (k === "high") this.high = +e.target.value;
      if (k === "log") this.log = e.target.checked;
      this.render();
    });
    this.controls.querySelector("[data-k=reset]").addEventListener("click", () => { this.fit(); this.draw(); });
    this.controls.querySelector("[data-k=window]").addEventListener("click", () => {
      this.resize(this.canvas.width > this.size ? this.size : Math.max(this.size, Math.min(window.innerWidth - 120, window.innerHeight - 180)));
    });
    this.controls.querySelector("[data-k=fullscreen]").addEventListener("click", () => this.root.requestFullscreen?.().catch(() => { }));
    document.addEventListener("fullscreenchange", () => {
      if (document.fullscreenElement === this.root) this.resize(Math.min(screen.width - 120, screen.height - 140));
      else if (this.canvas.width !== this.size) this.resize(this.size);
    });
    this.canvas.addEventListener("mousemove", e => this.read(e));
    this.canvas.addEventListener("wheel", e => {
      e.preventDefault();
      const [px, py] = this.canvasPoint(e);
      const f = e.deltaY < 0 ? 1.25 : 0.8;
      this.panX = px - (px - this.panX) * f; this.panY = py - (py - this.panY) * f;
      this.zoom *= f; this.draw();
    }, { passive: false });
    this.canvas.addEventListener("mousedown", e => this.down(e));
    window.addEventListener("mousemove", e => this.move(e));
    window.addEventListener("mouseup", e => this.up(e));
  }

  canvasPoint(e) {
    const r = this.canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * this.canvas.width / r.width, (e.clientY - r.top) * this.canvas.height / r.height];
  }

  dataPoint(e) {
    const [px, py] = this.canvasPoint(e);
    return [(py - this.panY) / this.zoom, (px - this.panX) / this.zoom];
  }

  down(e) {
    if (!this.data) return;
    const [y, x] = this.dataPoint(e);
    const drawDetector = this.opts.onDetector && !e.altKey && e.button === 0;
    this.drag = { startX: e.clientX, startY: e.clientY, panX: this.panX, panY: this.panY, y, x, moved: false, detector: drawDetector };
  }

  move(e) {
    if (!this.drag) return;
    const dx = e.clientX - this.drag.startX, dy = e.clientY - this.drag.startY;
    if (Math.abs(dx) + Math.abs(dy) > 3) this.drag.moved = true;
    if (!this.drag.moved) return;
    if (this.drag.detector) {
      const [y, x] = this.dataPoint(e);
      const shape = this.opts.shape ? this.opts.shape() : "annulus";
      const r = Math.hypot(y - this.drag.y, x - this.drag.x);
      const ratio = shape === "annulus" && this.opts.innerRatio ? this.opts.innerRatio() : 0;
      this.detector = shape === "rectangle"
        ? { shape, cy: this.drag.y, cx: this.drag.x, height: 2 * Math.abs(y - this.drag.y), width: 2 * Math.abs(x - this.drag.x) }
        : { shape: shape === "annulus" || shape === "disk" ? shape : "disk", cy: this.drag.y, cx: this.drag.x, rOut: r, rIn: r * ratio };
    } else {
      const s = this.canvas.width / this.canvas.getBoundingClientRect().width;
      this.panX = this.drag.panX + dx * s; this.panY = this.drag.panY + dy * s;
    }
    this.draw();
  }

  up(e) {
    if (!this.drag) return;
    const d = this.drag; this.drag = null;
    const shape = this.opts.shape ? this.opts.shape() : "annulus";
    if (!d.moved && d.detector && (shape === "point" || shape === "com")) {
      // A click places a point detector, or the reference centre of the centre-of-mass view.
      this.detector = { shape, cy: Math.floor(d.y), cx: Math.floor(d.x) }; // the pixel clicked
      this.draw(); this.opts.onDetector(this.detector);
    } else if (!d.moved) {
      const y = Math.floor(d.y), x = Math.floor(d.x);
      if (y >= 0 && x >= 0 && y < this.rows && x < this.cols && this.opts.onPick) {
        this.marker = [y, x]; this.draw(); this.opts.onPick(y, x);
      }
    } else if (d.detector && this.detector && (this.detector.rOut > 0.5 || (this.detector.height >= 1 && this.detector.width >= 1))) {
      this.opts.onDetector(this.detector);
    }
  }

  resize(size) {
    this.canvas.width = this.canvas.height = this.colorbar.height = Math.round(size);
    this.canvas.style.width = this.canvas.style.height = `${Math.round(size)}px`;
    if (this.data) { this.fit(); this.draw(); this.drawColorbar(); }
  }

  // The pixel under the cursor: its indices, its position from the first pixel in the calibration's units, its value.
  read(e) {
    if (!this.data) return;
    const [y, x] = this.dataPoint(e).map(Math.floor);
    if (y < 0 || x < 0 || y >= this.rows || x >= this.cols) { this.readout.textContent = ""; return; }
    const v = this.data[y * this.cols + x], b = this.binning;
    const where = this.units && this.scale > 0 ? ` (x ${formatQuantity(x * this.scale, this.units)}, y ${formatQuantity(y * this.scale, this.units)})` : "";
    this.readout.textContent = `row ${y * b}, column ${x * b}${where}: ${+v.toPrecision(6)}`;
    this.readout.dataset.value = v;
  }

  // data: Float32Array; info: {rows, cols, scale, units, caption}
  show(data, info, keepView) {
    this.data = data; this.rows = info.rows; this.cols = info.cols;
    this.scale = info.scale; this.units = info.units;
    this.binning = info.binning || 1; // a large picture comes binned: its pixel (y, x) is the data's (y·b, x·b)
    this.caption.textContent = info.caption || "";
    if (!keepView || !this.bitmap) this.fit();
    this.render();
  }

  fit() {
    const s = Math.min(this.canvas.width / (this.cols || 1), this.canvas.height / (this.rows || 1));
    this.zoom = s; this.panX = (this.canvas.width - this.cols * s) / 2; this.panY = (this.canvas.height - this.rows * s) / 2;
  }

  render() {
    if (!this.data) return;
    const n = this.data.length, v = new Float32Array(n);
    let min = Infinity;
    for (let i = 0; i < n; i++) if (isFinite(this.data[i]) && this.data[i] < min) min = this.data[i];
    for (let i = 0; i < n; i++) {
      const x = isFinite(this.data[i]) ? this.data[i] : min;
      v[i] = this.log ? Math.log1p(Math.max(0, x - min)) : x;
    }
    const sorted = Float32Array.from(v).sort();
    const lo = sorted[Math.floor(this.low / 100 * (n - 1))], hi0 = sorted[Math.floor(this.high / 100 * (n - 1))];
    const hi = hi0 > lo ? hi0 : lo + 1e-12;
    const img = new ImageData(this.cols, this.rows);
    for (let i = 0; i < n; i++) {
      const g = Math.max(0, Math.min(255, Math.round((v[i] - lo) / (hi - lo) * 255)));
      img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = g; img.data[4 * i + 3] = 255;
    }
    this.bitmap = document.createElement("canvas");
    this.bitmap.width = this.cols; this.bitmap.height = this.rows;
    this.bitmap.getContext("2d").putImageData(img, 0, 0);
    // The limits in the data's own values (the log scale undone).
    this.limits = this.log ? [Math.expm1(lo) + min, Math.expm1(hi) + min] : [lo, hi];
    this.draw();
    this.drawColorbar();
  }

  drawColorbar() {
    const c = this.colorbar.getContext("2d"), h = this.colorbar.height;
    const g = c.createLinearGradient(0, h, 0, 0); g.addColorStop(0, "#000"); g.addColorStop(1, "#fff");
    c.fillStyle = g; c.fillRect(0, 0, this.colorbar.width, h);
    const [lo, hi] = this.limits, f = v => String(+v.toPrecision(4));
    this.barLabels.style.height = `${h}px`;
    this.barLabels.innerHTML = `<span>${f(hi)}</span><span>${this.log ? "log" : ""}</span><span>${f(lo)}</span>`;
    this.colorbar.dataset.low = lo; this.colorbar.dataset.high = hi;
  }

  draw() {
    const c = this.canvas.getContext("2d");
    c.setTransform(1, 0, 0, 1, 0, 0);
    c.fillStyle = "#000"; c.fillRect(0, 0, this.canvas.width, this.canvas.height);
    if (!this.bitmap) return;
    c.imageSmoothingEnabled = false;
    c.setTransform(this.zoom, 0, 0, this.zoom, this.panX, this.panY);
    c.drawImage(this.bitmap, 0, 0);
    c.lineWidth = 1.5 / this.zoom;
    if (this.marker) {
      c.strokeStyle = "#ff4040";
      c.strokeRect(this.marker[1], this.marker[0], 1, 1);
    }
    const det = this.detector;
    if (det) {
      c.strokeStyle = "#40c0ff";
      if (det.shape === "rectangle") c.strokeRect(det.cx - det.width / 2, det.cy - det.height / 2, det.width, det.height);
      else if (det.shape === "point" || det.shape === "com") {
        // The pixel clicked, and a cross on its middle.
        const a = 4 / this.zoom, my = det.cy + 0.5, mx = det.cx + 0.5;
        c.beginPath(); c.moveTo(mx - a, my); c.lineTo(mx + a, my); c.moveTo(mx, my - a); c.lineTo(mx, my + a); c.stroke();
        if (det.shape === "point") c.strokeRect(det.cx, det.cy, 1, 1);
      } else {
        c.beginPath(); c.arc(det.cx, det.cy, det.rOut, 0, 2 * Math.PI); c.stroke();
        if (det.rIn > 0) { c.beginPath(); c.arc(det.cx, det.cy, det.rIn, 0, 2 * Math.PI); c.stroke(); }
      }
    }
    c.setTransform(1, 0, 0, 1, 0, 0);
    this.drawScaleBar(c);
  }

  drawScaleBar(c) {
    this.canvas.dataset.scaleBar = "";
    if (!this.units || !(this.scale > 0)) return;
    const fov = this.canvas.width / this.zoom * this.scale;
    const target = fov / 5, p = Math.pow(10, Math.floor(Math.log10(target)));
    const len = [5, 2, 1].map(m => m * p).find(l => l <= target) || p;
    const px = len / this.scale * this.zoom;
    const x0 = this.canvas.width - 16 - px, y0 = this.canvas.height - 18;
    c.fillStyle = "rgba(0,0,0,.55)"; c.fillRect(x0 - 8, y0 - 22, px + 16, 34);
    c.fillStyle = "#fff"; c.fillRect(x0, y0, px, 5);
    c.font = "12px sans-serif"; c.textAlign = "center";
    const label = formatQuantity(len, this.units);
    c.fillText(label, x0 + px / 2, y0 - 6);
    this.canvas.dataset.scaleBar = label;
  }
}

// A length, reciprocal length or angle in the unit that puts the number between 1 and 999 (as the CLI's figures:
// Condenser.Rendering.Units): 500 pm, not 0.0005 µm; 5 µm, not 5000 nm.
function formatQuantity(value, unit) {
  const lengths = ["pm", "nm", "µm", "mm", "m"], angles = ["µrad", "mrad", "rad"];
  let u = { um: "µm", micron: "µm", A: "Å", angstrom: "Å" }[unit] || unit, v = value, ladder = null, dir = 1, k = -1;
  if (u === "Å") { v *= 0.1; u = "nm"; } else if (u === "1/Å" || u === "1/A") { v *= 10; u = "1/nm"; }
  if (lengths.includes(u)) { ladder = lengths; k = lengths.indexOf(u); }
  else if (u.startsWith("1/") && lengths.includes(u.slice(2))) { ladder = lengths; k = lengths.indexOf(u.slice(2)); dir = -1; }
  else if (angles.includes(u)) { ladder = angles; k = angles.indexOf(u); }
  if (ladder && v !== 0 && isFinite(v)) {
    while (Math.abs(+v.toFixed(9)) >= 1000 && ladder[k + dir] !== undefined) { v /= 1000; k += dir; }
    while (Math.abs(+v.toFixed(9)) < 1 && ladder[k - dir] !== undefined) { v *= 1000; k -= dir; }
    u = (dir < 0 ? "1/" : "") + ladder[k];
  }
  return `${+v.toPrecision(3)}${u ? " " + u : ""}`;
}

// Ticks at 1, 2 or 5 × 10^k covering [lo, hi] with about n of them.
function niceTicks(lo, hi, n = 6) {
  const raw = (hi - lo) / n, p = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map(m => m * p).find(s => s >= raw) || p;
  const ticks = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(+t.toPrecision(12));
  return ticks;
}

// A spectrum as a line plot with calibrated axes (ticks in the axis' units, intensity), a read-out of the energy and
// value under the cursor, and zoom: drag across a range to zoom into it, double-click to see it all again. The canvas
// is drawn at the size it is shown, so the layout never stretches it.
class SpectrumPlot {
  constructor(parent, id) {
    this.canvas = document.createElement("canvas"); this.canvas.id = id; this.canvas.className = "spectrum";
    this.readout = document.createElement("div"); this.readout.className = "readout"; this.readout.id = id + "-readout";
    const tools = document.createElement("div"); tools.className = "controls spectrum-tools";
    tools.innerHTML = `<label><input type="checkbox" id="${id}-log"> log counts</label>`;
    tools.querySelector("input").addEventListener("change", e => { this.log = e.target.checked; if (this.data) this.draw(); });
    this.log = false; this.reference = null;
    parent.append(tools, this.canvas, this.readout);
    this.margin = { l: 64, r: 12, t: 20, b: 40 };
    this.canvas.addEventListener("mousedown", e => { this.dragFrom = this.channelAt(e); });
    this.canvas.addEventListener("mouseup", e => {
      const to = this.channelAt(e);
      if (this.dragFrom !== undefined && Math.abs(to - this.dragFrom) >= 2) this.zoomTo(Math.min(to, this.dragFrom), Math.max(to, this.dragFrom));
      this.dragFrom = undefined;
    });
    this.canvas.addEventListener("dblclick", () => this.zoomTo(0, this.data.length - 1));
    this.canvas.addEventListener("mousemove", e => this.read(e));
    new ResizeObserver(() => this.data && this.draw()).observe(this.canvas);
  }

  show(data, info, caption) {
    this.data = data; this.scale = info.scale || 1; this.offset = info.offset || 0; this.units = info.units || "";
    this.name = info.axisName || (info.units === "eV" || info.units === "keV" ? "energy" : "channel");
    this.caption = caption ?? info.caption;
    this.range = [0, data.length - 1];
    this.reference = null;
    this.draw();
  }

  // A second spectrum drawn in grey behind the first on the same axes (e.g. the mean over a spectrum image).
  overlay(data, label) { this.reference = data && data.length === this.data.length ? { data, label } : null; this.draw(); }

  energy(i) { return this.offset + this.scale * i; }
  zoomTo(i0, i1) { this.range = [Math.max(0, Math.round(i0)), Math.min(this.data.length - 1, Math.round(i1))]; this.draw(); }

  channelAt(e) {
    const r = this.canvas.getBoundingClientRect(), m = this.margin, [i0, i1] = this.range;
    const f = (e.clientX - r.left - m.l) / (r.width - m.l - m.r);
    return Math.max(i0, Math.min(i1, i0 + f * (i1 - i0)));
  }

  read(e) {
    if (!this.data) return;
    const i = Math.round(this.channelAt(e));
    this.readout.textContent = `${this.name} ${+this.energy(i).toPrecision(6)} ${this.units}, channel ${i}: ${+this.data[i].toPrecision(6)}`;
    this.readout.dataset.channel = i;
  }

  draw() {
    const cv = this.canvas, w = Math.max(200, Math.round(cv.clientWidth || 640)), h = Math.round(w * 0.45);
    cv.width = w; cv.height = h;
    const c = cv.getContext("2d"), m = this.margin, [i0, i1] = this.range;
    c.fillStyle = "#fff"; c.fillRect(0, 0, w, h);
    // On a log scale the counts below the smallest positive one in view sit at that floor.
    const series = [this.data, ...(this.reference ? [this.reference.data] : [])];
    let floor = Infinity;
    if (this.log) for (const d of series) for (let i = i0; i <= i1; i++) if (d[i] > 0) floor = Math.min(floor, d[i]);
    if (!isFinite(floor)) floor = 1;
    const f = v => this.log ? Math.log10(Math.max(v, floor)) : v;
    let lo = Infinity, hi = -Infinity;
    for (const d of series) for (let i = i0; i <= i1; i++) if (isFinite(d[i])) { lo = Math.min(lo, f(d[i])); hi = Math.max(hi, f(d[i])); }
    if (!(hi > lo)) { hi = (isFinite(lo) ? lo : 0) + 1; lo = hi - 2; }
    const e0 = this.energy(i0), e1 = this.energy(Math.max(i1, i0 + 1));
    const px = e => m.l + (w - m.l - m.r) * (e - e0) / (e1 - e0), py = v => h - m.b - (h - m.t - m.b) * (v - lo) / (hi - lo);
    const xt = niceTicks(Math.min(e0, e1), Math.max(e0, e1));
    // Log ticks at whole decades (at least two: else the nice ticks of the exponent).
    let yt = niceTicks(lo, hi, 5);
    if (this.log) { const decades = []; for (let k = Math.ceil(lo); k <= Math.floor(hi); k++) decades.push(k); if (decades.length >= 2) yt = decades; }
    const label = t => this.log ? (Number.isInteger(t) ? `1e${t}` : String(+Math.pow(10, t).toPrecision(3))) : String(+t.toPrecision(6));
    c.strokeStyle = "#e3e3e3"; c.fillStyle = "#333"; c.font = "11px sans-serif";
    c.textAlign = "center";
    for (const t of xt) { c.beginPath(); c.moveTo(px(t), m.t); c.lineTo(px(t), h - m.b); c.stroke(); c.fillText(String(t), px(t), h - m.b + 14); }
    c.textAlign = "right";
    for (const t of yt) { c.beginPath(); c.moveTo(m.l, py(t)); c.lineTo(w - m.r, py(t)); c.stroke(); c.fillText(label(t), m.l - 4, py(t) + 4); }
    c.strokeStyle = "#333"; c.strokeRect(m.l, m.t, w - m.l - m.r, h - m.t - m.b);
    c.save(); c.beginPath(); c.rect(m.l, m.t, w - m.l - m.r, h - m.t - m.b); c.clip();
    const line = (d, colour) => {
      c.strokeStyle = colour; c.beginPath();
      for (let i = i0; i <= i1; i++) { const x = px(this.energy(i)), y = py(f(d[i])); i > i0 ? c.lineTo(x, y) : c.moveTo(x, y); }
      c.stroke();
    };
    if (this.reference) line(this.reference.data, "#a8a8a8");
    line(this.data, "#1d5fa0");
    c.restore();
    if (this.reference) { c.textAlign = "right"; c.fillStyle = "#888"; c.fillText(`grey: ${this.reference.label}`, w - m.r - 4, 13); c.fillStyle = "#333"; }
    c.textAlign = "center"; c.fillText(`${this.name}${this.units ? ` (${this.units})` : ""}`, m.l + (w - m.l - m.r) / 2, h - 6);
    c.save(); c.translate(14, m.t + (h - m.t - m.b) / 2); c.rotate(-Math.PI / 2); c.fillText(this.log ? "counts (log)" : "counts", 0, 0); c.restore();
    c.textAlign = "left"; c.fillText(this.caption || "", m.l + 4, 13);
    // What the tests read: the ticks drawn and the range shown, in the axis' units.
    cv.dataset.xTicks = JSON.stringify(xt); cv.dataset.yTicks = JSON.stringify(yt);
    cv.dataset.range = JSON.stringify([e0, this.energy(i1)]); cv.dataset.units = this.units; cv.dataset.caption = this.caption || "";
    cv.dataset.log = String(this.log); cv.dataset.overlay = this.reference ? this.reference.label : "";
  }
}
