// The autopilot pages: start a run on the server's digital twin, list runs, and follow one as its map fills in —
// the posterior mean with the probes made so far, its uncertainty — with stop and resume.
"use strict";

const POLICIES = ["gp-variance", "gp-ucb", "gp-ei", "campaign", "sobol", "random", "raster"];
let autopilotTimer = null;

async function autopilotList() {
  clearTimeout(autopilotTimer);
  app.innerHTML = `<div class="panel"><h2>Start an autonomous run on the digital twin</h2>
    <form id="ap-form" class="controls">
      <label>scene <select id="ap-scene"><option>nanoparticles</option><option>polycrystal</option><option>oxide-interface</option><option>precipitates</option></select></label>
      <label>policy <select id="ap-policy">${POLICIES.map(p => `<option>${p}</option>`).join("")}</select></label>
      <label>target <select id="ap-target"><option>haadf</option><option>features</option></select></label>
      <label>seed <input id="ap-seed" type="number" value="1" min="0" style="width:5em"></label>
      <label>fraction <input id="ap-fraction" type="number" value="0.2" step="any" min="0.001" max="1" style="width:5em"></label>
      <label>grid <input id="ap-grid" type="number" value="48" min="4" max="256" style="width:5em"></label>
      <label>field (nm) <input id="ap-fov" type="number" value="60" step="any" min="0.1" style="width:6em"></label>
      <label>dwell (µs) <input id="ap-dwell" type="number" value="10" step="any" min="0.01" style="width:5em"></label>
      <button class="btn" id="ap-start" type="submit">start</button>
    </form></div>
    <div class="panel"><h2>Runs</h2><table class="kv" id="ap-runs"><tr><td>loading…</td></tr></table></div>`;
  document.getElementById("ap-form").addEventListener("submit", async e => {
    e.preventDefault();
    const v = id => document.getElementById(id).value;
    const body = { scene: v("ap-scene"), policy: v("ap-policy"), target: v("ap-target"), seed: +v("ap-seed"), fraction: +v("ap-fraction"), grid: +v("ap-grid"), fov_nm: +v("ap-fov"), dwell_us: +v("ap-dwell"), convergence_mrad: 2 };
    try {
      const run = await json("/api/autopilot/runs", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
      location.hash = "#/autopilot/" + run.id;
    } catch (err) { showError(err); }
  });
  let runs;
  try { runs = await json("/api/autopilot/runs"); } catch (e) { document.getElementById("ap-runs").innerHTML = ""; return showError(e); }
  const table = document.getElementById("ap-runs");
  table.innerHTML = runs.length ? "" : "<tr><td>no runs yet</td></tr>";
  for (const r of runs) {
    const tr = document.createElement("tr");
    tr.className = "ap-run"; tr.dataset.id = r.id;
    tr.innerHTML = `<td><a href="#/autopilot/${esc(r.id)}">${esc(r.id)}</a></td><td>${esc(r.state)}</td><td>${esc(r.policy)} · ${esc(r.target)} · ${esc(r.scene)} seed ${r.seed}</td><td>${r.probes} / ${r.planned} probes</td><td>${r.nrmse == null ? "" : "NRMSE " + num(r.nrmse)}</td>`;
    table.append(tr);
  }
}

// Draws values (row-major, n a side; null unknown) in grey levels between their 0.5 and 99.5 percentiles, and the
// visited positions as dots.
function drawGrid(canvas, values, n, positions) {
  const ctx = canvas.getContext("2d"), size = canvas.width, cell = size / n;
  ctx.fillStyle = "#000"; ctx.fillRect(0, 0, size, size);
  const finite = (values || []).filter(v => v != null).sort((a, b) => a - b);
  if (finite.length) {
    const lo = finite[Math.floor(0.005 * (finite.length - 1))], hi = finite[Math.floor(0.995 * (finite.length - 1))];
    const img = ctx.createImageData(n, n);
    for (let i = 0; i < n * n; i++) {
      const v = values[i];
      const g = v == null ? 0 : Math.max(0, Math.min(255, Math.round(255 * (v - lo) / ((hi - lo) || 1))));
      img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = g; img.data[4 * i + 3] = v == null ? 0 : 255;
    }
    const off = document.createElement("canvas"); off.width = n; off.height = n; off.getContext("2d").putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = false; ctx.drawImage(off, 0, 0, size, size);
    canvas.dataset.low = lo; canvas.dataset.high = hi;
  }
  if (positions) {
    ctx.fillStyle = "rgba(255, 80, 60, 0.8)";
    const r = Math.max(1, cell / 4);
    for (const p of positions) ctx.fillRect((p % n) * cell + cell / 2 - r / 2, Math.floor(p / n) * cell + cell / 2 - r / 2, r, r);
  }
  canvas.dataset.drawn = String(finite.length);
}

async function autopilotRun(id) {
  clearTimeout(autopilotTimer);
  app.innerHTML = `<div class="panel"><h2 id="ap-title">run ${esc(id)}</h2><div class="controls"><span id="ap-state">…</span>
    <button class="btn" id="ap-stop" type="button">stop</button><button class="btn" id="ap-resume" type="button">resume</button><a href="#/autopilot">all runs</a></div></div>
    <div class="viewers"><div class="viewer"><canvas id="ap-map" width="420" height="420"></canvas><div class="caption" id="ap-map-caption">map</div></div>
    <div class="viewer"><canvas id="ap-std" width="420" height="420"></canvas><div class="caption" id="ap-std-caption">uncertainty</div></div></div>`;
  const state = async s => {
    try { await json(`/api/autopilot/runs/${encodeURIComponent(id)}/state`, { method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ state: s }) }); }
    catch (e) { showError(e); }
    refresh();
  };
  document.getElementById("ap-stop").addEventListener("click", () => state("stopped"));
  document.getElementById("ap-resume").addEventListener("click", () => state("running"));
  async function refresh() {
    clearTimeout(autopilotTimer);
    if (location.hash !== "#/autopilot/" + id) return;
    let run, map;
    try {
      run = await json(`/api/autopilot/runs/${encodeURIComponent(id)}`);
      map = await json(`/api/autopilot/runs/${encodeURIComponent(id)}/map`);
    } catch (e) { return showError(e); }
    const s = document.getElementById("ap-state");
    s.dataset.state = run.state;
    s.textContent = `${run.state} · ${run.policy} · ${run.target} · ${run.scene} seed ${run.seed} · ${run.probes} of ${run.planned} probes`
      + (run.nrmse == null ? "" : ` · NRMSE ${num(run.nrmse)}`) + (run.stopped ? ` · ${run.stopped}` : "") + (run.error ? ` · ${run.error}` : "")
      + (run.record ? " · " : "");
    if (run.record) { const a = document.createElement("a"); a.href = "#/d/" + encodeURIComponent(run.record); a.id = "ap-record"; a.textContent = "map in the library"; s.append(a); }
    document.getElementById("ap-stop").disabled = run.state !== "running";
    document.getElementById("ap-resume").disabled = run.state === "running" || run.state === "finished";
    const n = map.grid;
    let shown = map.mean;
    if (!shown) { shown = new Array(n * n).fill(null); map.positions.forEach((p, i) => { shown[p] = map.values[i]; }); }
    drawGrid(document.getElementById("ap-map"), shown, n, map.positions);
    document.getElementById("ap-map-caption").textContent = `${map.mean ? "posterior mean" : "probes so far"} · ${map.positions.length} probes · ${num(map.fov_nm)} nm field, ${n} × ${n}`;
    drawGrid(document.getElementById("ap-std"), map.std, n, null);
    document.getElementById("ap-std-caption").textContent = map.std ? "posterior standard deviation" : "uncertainty: once the model is fitted";
    if (run.state === "running") autopilotTimer = setTimeout(refresh, 500);
  }
  refresh();
}
