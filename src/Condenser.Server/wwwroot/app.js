// The Condenser web UI: search with facets and thumbnails, dataset pages with a calibrated viewer and, for 4D-STEM,
// the interactive pattern / virtual-detector viewer.
"use strict";

const app = document.getElementById("app");
const FACETS = [["signal_type", "Signal"], ["technique", "Technique"], ["instrument", "Instrument"], ["format", "Format"], ["project", "Project"], ["elements", "Elements"], ["sample", "Sample"], ["beam_energy_kev", "Beam energy (keV)"], ["year", "Year"]];
let token = localStorage.getItem("condenser-token") || "";

function headers() { return token ? { Authorization: "Bearer " + token } : {}; }

// Signing in and out. A token the server refuses (wrong, revoked) is dropped: the page goes on as anonymous and says so.
function setToken(value, notice) {
  token = value;
  if (token) localStorage.setItem("condenser-token", token); else localStorage.removeItem("condenser-token");
  document.getElementById("token").value = token;
  document.getElementById("token").hidden = !!token;
  document.getElementById("sign-in").hidden = !!token;
  document.getElementById("sign-out").hidden = !token;
  const n = document.getElementById("who-notice");
  n.textContent = notice || ""; n.hidden = !notice;
  if (!token) document.getElementById("who-name").textContent = "anonymous";
}
function refused() { setToken("", "The token was refused: signed out, showing what anyone may see."); }

async function api(path, opts = {}) {
  let r = await fetch(path, { ...opts, headers: { ...headers(), ...(opts.headers || {}) } });
  if (r.status === 401 && token) {
    // Retried as anonymous, so that public data still shows.
    refused();
    r = await fetch(path, { ...opts, headers: { ...(opts.headers || {}) } });
  }
  if (!r.ok) {
    let detail = r.statusText;
    try { const p = await r.json(); detail = p.detail || p.title || detail; } catch { }
    throw new Error(`${r.status}: ${detail}`);
  }
  return r;
}
async function json(path, opts) { return (await api(path, opts)).json(); }
function num(v) { return typeof v === "number" && !Number.isInteger(v) ? String(+v.toPrecision(6)) : v; }
function esc(s) { return String(s ?? "").replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]); }
function showError(e) { const d = document.createElement("div"); d.className = "error"; d.id = "error"; d.textContent = e.message || String(e); app.prepend(d); }

// Images through fetch, so that a token reaches non-public previews.
async function loadImage(img, url) {
  try { const r = await api(url); img.src = URL.createObjectURL(await r.blob()); }
  catch { img.alt = "no preview"; }
}

async function whoAmI() {
  if (!token) return;
  try {
    const r = await fetch("/api/me", { headers: headers() });
    if (r.status === 401 || r.status === 403) return refused();
    const me = await r.json();
    document.getElementById("who-name").textContent = `${me.name} (${me.role})`;
  } catch (e) { showError(e); }
}

document.getElementById("sign-in").addEventListener("click", async () => {
  setToken(document.getElementById("token").value.trim());
  await whoAmI(); route();
});
document.getElementById("sign-out").addEventListener("click", () => { setToken(""); route(); });
document.getElementById("search-form").addEventListener("submit", e => {
  e.preventDefault();
  const p = new URLSearchParams(location.hash.split("?")[1] || "");
  const q = document.getElementById("q").value.trim();
  q ? p.set("q", q) : p.delete("q"); p.delete("page");
  location.hash = "#/?" + p.toString();
});
window.addEventListener("hashchange", route);

function route() {
  const h = location.hash || "#/";
  if (h.startsWith("#/d/")) return datasetPage(decodeURIComponent(h.slice(4).split("?")[0]));
  if (h === "#/autopilot") return autopilotList();
  if (h.startsWith("#/autopilot/")) return autopilotRun(decodeURIComponent(h.slice(12)));
  return searchPage(new URLSearchParams(h.split("?")[1] || ""));
}

// The filters a search carries, shown as chips that remove them (the URL is the search's whole state, so back,
// forward and shared links give the same search).
const CHIPS = [["q", "words"], ["signal_type", "signal"], ["technique", "technique"], ["instrument", "instrument"], ["format", "format"],
  ["project", "project"], ["elements", "elements"], ["sample", "sample"], ["year", "year"], ["from", "from"], ["to", "to"]];
function chips(params) {
  const box = document.createElement("div"); box.className = "chips"; box.id = "chips";
  const add = (label, text, remove) => {
    const p = new URLSearchParams(params); remove.forEach(k => p.delete(k)); p.delete("page");
    const a = document.createElement("a"); a.className = "chip"; a.href = "#/?" + p.toString(); a.dataset.filter = remove[0];
    a.title = "remove this filter"; a.innerHTML = `<span>${esc(label)}: ${esc(text)}</span><span aria-hidden="true">×</span>`;
    box.append(a);
  };
  for (const [key, label] of CHIPS) if (params.get(key)) add(label, params.get(key), [key]);
  const lo = params.get("beam_energy_min"), hi = params.get("beam_energy_max");
  if (lo || hi) add("beam energy", `${lo ?? "…"}–${hi ?? "…"} keV`, ["beam_energy_min", "beam_energy_max"]);
  return box;
}

let searchSerial = 0;
async function searchPage(params) {
  const serial = ++searchSerial;
  document.getElementById("q").value = params.get("q") || "";
  if (!params.get("page_size")) params.set("page_size", "24");
  app.innerHTML = `<div class="layout"><aside class="facets" id="facets"></aside><section><div class="summary" id="summary">searching…</div><div class="grid" id="results"></div><div class="pager" id="pager"></div></section></div>`;
  let r;
  try { r = await json("/api/datasets?" + params.toString()); } catch (e) { if (serial === searchSerial) showError(e); return; }
  // A newer search started while this one was on its way: its answer is the one to show.
  if (serial !== searchSerial || !document.getElementById("summary")) return;
  document.getElementById("summary").textContent = `${r.total} record${r.total === 1 ? "" : "s"}` + (params.get("q") ? ` for “${params.get("q")}”` : "");
  document.getElementById("summary").after(chips(params));
  const facets = document.getElementById("facets");
  for (const [key, label] of FACETS) {
    const values = r.facets[key] || [];
    if (!values.length) continue;
    const h = document.createElement("h3"); h.textContent = label; facets.append(h);
    // Every facet value toggles: a click sets it, a click on the active one clears it. Years filter on the
    // acquisition year ("unknown" where none is recorded); beam energies on a ±0.5 keV window.
    const filterKey = key === "beam_energy_kev" ? null : key;
    for (const v of values.slice(0, 12)) {
      const a = document.createElement("a");
      const p = new URLSearchParams(params);
      p.delete("page");
      if (filterKey) {
        if (p.get(filterKey) === v.value) p.delete(filterKey); else p.set(filterKey, v.value);
        if (params.get(filterKey) === v.value) a.className = "active";
      } else {
        const lo = String(+v.value - 0.5), hi = String(+v.value + 0.5);
        if (params.get("beam_energy_min") === lo && params.get("beam_energy_max") === hi) {
          p.delete("beam_energy_min"); p.delete("beam_energy_max"); a.className = "active";
        } else { p.set("beam_energy_min", lo); p.set("beam_energy_max", hi); }
      }
      a.href = "#/?" + p.toString();
      a.dataset.facet = key; a.dataset.value = v.value;
      a.innerHTML = `<span>${esc(v.value)}</span><span>${v.count}</span>`;
      facets.append(a);
    }
  }
  const grid = document.getElementById("results");
  for (const d of r.items) {
    const a = document.createElement("a");
    a.className = "card"; a.href = "#/d/" + encodeURIComponent(d.id); a.dataset.id = d.id; a.dataset.signal = d.signal_type;
    a.innerHTML = `<img class="thumb" alt=""><div class="name" title="${esc(fullName(d))}">${esc(d.title || d.file)}</div>
      <div class="sub">${esc(whereFrom(d))}</div>
      <div class="meta">${esc(d.signal_type)} · ${esc(d.shape.join("×"))} · ${esc(d.format)}</div>
      <div class="meta">${esc(d.instrument || "")}${d.beam_energy_kev ? " · " + d.beam_energy_kev + " keV" : ""}</div>
      <div><span class="badge ${esc(d.visibility)}">${esc(d.visibility)}</span><span class="badge">${esc(d.project || "")}</span></div>`;
    grid.append(a);
    loadImage(a.querySelector("img"), `/api/datasets/${d.id}/preview.png?kind=thumb`);
  }
  const page = +(params.get("page") || 1), pages = Math.max(1, Math.ceil(r.total / r.page_size));
  const pager = document.getElementById("pager");
  const link = (p, text) => { const q = new URLSearchParams(params); q.set("page", p); return `<a class="btn" href="#/?${q}">${text}</a>`; };
  pager.innerHTML = (page > 1 ? link(page - 1, "‹ previous") : "") + `<span>page ${page} of ${pages}</span>` + (page < pages ? link(page + 1, "next ›") : "");
}

function kv(rows) {
  return `<table class="kv">${rows.filter(([, v]) => v !== null && v !== undefined && v !== "").map(([k, v]) => `<tr><td>${esc(k)}</td><td>${v}</td></tr>`).join("")}</table>`;
}

async function viewData(url) {
  const r = await api(url);
  const buf = await r.arrayBuffer();
  const [rows, cols] = r.headers.get("X-Shape").split(",").map(Number);
  return { data: new Float32Array(buf), info: { rows, cols, binning: +(r.headers.get("X-Binning") || 1), scale: +r.headers.get("X-Scale"), offset: +(r.headers.get("X-Offset") || 0), axisName: decodeURIComponent(r.headers.get("X-Axis-Name") || ""), units: decodeURIComponent(r.headers.get("X-Units") || ""), caption: decodeURIComponent(r.headers.get("X-Caption") || ""), mradPerPixel: r.headers.get("X-Mrad-Per-Pixel") ? +r.headers.get("X-Mrad-Per-Pixel") : null } };
}

async function datasetPage(id) {
  app.innerHTML = `<div class="dataset"><section id="main"><div class="panel"><h2 id="title">…</h2><div id="viewers" class="viewers"></div></div></section><aside id="side"></aside></div>`;
  let d;
  try { d = await json(`/api/datasets/${encodeURIComponent(id)}`); } catch (e) { return showError(e); }
  document.getElementById("title").textContent = d.title || d.file;
  const md = d.info?.metadata || {}, stats = d.info?.stats || {};
  const side = document.getElementById("side");
  side.innerHTML = `<div class="panel"><h2>Record</h2>${kv([
    ["file", esc(d.file)], ["format", esc(d.format)], ["signal", esc(d.signal_type)], ["shape", esc(d.shape.join(" × ")) + ` (${d.navigation_dims} navigation)`],
    ["dtype", esc(d.dtype)], ["instrument", esc(d.instrument)], ["detector", esc(d.detector)], ["beam energy", d.beam_energy_kev ? esc(d.beam_energy_kev) + " keV" : ""],
    ["acquired", esc(d.acquired)], ["ingested", esc(d.ingested)], ["sample", esc(d.sample)], ["elements", esc((d.elements || []).join(", "))],
    ["project", esc(d.project)], ["visibility", `<span class="badge ${esc(d.visibility)}" id="visibility">${esc(d.visibility)}</span>` + (d.embargo_until ? ` until ${esc(d.embargo_until)}` : "")],
    ["origin", esc(d.origin)], ["sha256", `<code>${esc(d.sha256)}</code>`], ["values", `min ${esc(num(stats.min))} · max ${esc(num(stats.max))} · mean ${esc(num(stats.mean))}`],
    ["download", d.origin ? "" : `<a href="#" id="download">${esc(d.file)}</a> (${d.file_size} bytes)`],
  ])}${d.can_edit ? `<div class="controls">visibility <select id="vis-select">${["private", "project", "institution", "public"].map(v => `<option ${v === d.visibility ? "selected" : ""}>${v}</option>`).join("")}</select><button class="btn" id="vis-save" type="button">save</button></div>` : ""}</div>
    <div class="panel"><h2>Metadata</h2>${kv(Object.entries(md).filter(([, v]) => v !== null).map(([k, v]) => [k, esc(typeof v === "object" ? JSON.stringify(v) : num(v))]))}</div>
    <div class="panel"><h2>More like this</h2><div class="similar" id="similar">…</div></div>
    <div class="panel"><h2>Analyses and provenance</h2><div id="analyses">…</div></div>
    <div class="panel"><h2>Annotations</h2><div id="annotations">…</div>${token ? `<div class="controls"><input id="label-text" placeholder="label or note"><button class="btn" id="label-add" type="button">add</button></div>` : ""}</div>`;
  const dl = document.getElementById("download");
  if (dl) dl.addEventListener("click", async e => {
    e.preventDefault();
    const r = await api(`/api/datasets/${d.id}/file`); const a = document.createElement("a");
    a.href = URL.createObjectURL(await r.blob()); a.download = d.file; a.click();
  });
  const save = document.getElementById("vis-save");
  if (save) save.addEventListener("click", async () => {
    try { await json(`/api/datasets/${d.id}`, { method: "PATCH", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ visibility: document.getElementById("vis-select").value }) }); route(); }
    catch (e) { showError(e); }
  });
  const add = document.getElementById("label-add");
  if (add) add.addEventListener("click", async () => {
    try { await json(`/api/datasets/${d.id}/annotations`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ kind: "label", text: document.getElementById("label-text").value }) }); loadAnnotations(d.id); }
    catch (e) { showError(e); }
  });
  loadSimilar(d.id); loadAnalyses(d.id, d); loadAnnotations(d.id);
  buildViewers(d).catch(showError);
}

// What tells records apart where titles repeat (the datasets of one file, frames named alike): the file, the
// dataset within it, the sample.
function whereFrom(d) {
  const parts = [];
  if (d.title && d.title !== d.file) parts.push(d.file);
  const stem = (d.file || "").replace(/\.[^.]*$/, "");
  if (d.dataset_index > 0 || (d.name && d.name !== d.title && d.name !== d.file && d.name !== stem)) parts.push(`[${d.dataset_index}] ${d.name || ""}`.trim());
  if (d.sample) parts.push(d.sample);
  return parts.join(" · ");
}
function fullName(d) { return [d.title || d.file, whereFrom(d)].filter(Boolean).join(" — "); }

async function loadSimilar(id) {
  const el = document.getElementById("similar");
  try {
    const r = await json(`/api/datasets/${id}/similar?count=9`);
    el.innerHTML = r.items.length ? "" : "nothing similar yet";
    for (const s of r.items) {
      const a = document.createElement("a"); a.href = "#/d/" + s.id; a.title = `${fullName(s)} (similarity ${s.score.toFixed(3)})`; a.className = "similar-item";
      a.dataset.id = s.id;
      const img = document.createElement("img"); a.append(img);
      const label = document.createElement("div"); label.className = "label";
      label.innerHTML = `<span class="name">${esc(s.title || s.file)}</span><span>${esc(s.signal_type)} · ${s.score.toFixed(3)}</span>`;
      a.append(label); el.append(a);
      loadImage(img, `/api/datasets/${s.id}/preview.png?kind=thumb`);
    }
  } catch (e) { el.textContent = e.message; }
}

let lastRun = { analysis: null, parameters: "{}" }; // the run form keeps its last choice when the panel is redrawn

// The record's analyses, its lineage both ways (by the provenance results carry) and, for contributors, a form to run
// an analysis whose results become records linked to this one.
async function loadAnalyses(id, d) {
  const el = document.getElementById("analyses");
  try {
    const [list, lineage] = await Promise.all([json(`/api/datasets/${id}/analyses`), json(`/api/datasets/${id}/lineage`)]);
    const link = l => `<a class="lineage-link" data-id="${esc(l.id)}" href="#/d/${esc(l.id)}" title="${esc(l.file)} [${esc(l.dataset)}]">${esc(l.title)}</a> <small>${esc(l.signal_type)}</small>`;
    const ingest = `<div>ingested ${esc(d.ingested)} from <code>${esc(d.file)}</code> (sha256 ${esc(d.sha256.slice(0, 12))}…) by ${esc(d.info?.software || "condenser")}</div>`;
    const from = lineage.made_from.length
      ? `<div id="lineage-from">made by <b>${esc(lineage.analysis)}</b> from ${lineage.made_from.map(link).join(", ")}</div>`
      : lineage.analysis ? `<div id="lineage-from">made by <b>${esc(lineage.analysis)}</b> from an input that is not in the library, or not open to you</div>` : "";
    const into = lineage.made_into.length
      ? `<div id="lineage-into">results made from this record: <ul>${lineage.made_into.map(l => `<li><b>${esc(l.analysis)}</b> → ${link(l)}</li>`).join("")}</ul></div>` : "";
    el.innerHTML = ingest + from + into + list.map(a => `<details><summary>${esc(a.name)} · ${new Date(a.createdMs).toISOString()} · ${esc(a.user || "")}</summary><pre>parameters ${esc(a.parameters)}\ninputs ${esc(a.inputs)}\noutputs ${esc(a.outputs)}\nsoftware ${esc(a.software)}</pre></details>`).join("")
      + (d.can_edit && token ? `<div class="controls" id="run-form"><label>run <select id="run-analysis"></select></label> <input id="run-parameters" value="{}" size="40" title="parameters as JSON"> <button class="btn" id="run-start" type="button">run</button></div>` : "")
      + `<div id="job-status" hidden></div>`;
    const select = document.getElementById("run-analysis");
    if (select) {
      const all = await json("/api/analyses");
      select.innerHTML = all.map(a => `<option value="${esc(a.name)}" title="${esc(a.reads)}">${esc(a.name)} (${esc(a.reads)})</option>`).join("");
      if (all.some(a => a.name === lastRun.analysis)) { select.value = lastRun.analysis; document.getElementById("run-parameters").value = lastRun.parameters; }
      const describe = () => {
        const a = all.find(x => x.name === select.value);
        document.getElementById("run-parameters").title = Object.entries(a?.parameters || {}).map(([k, v]) => `${k}: ${v}`).join("\n") || "no parameters";
      };
      select.addEventListener("change", describe); describe();
      document.getElementById("run-start").addEventListener("click", () => {
        let parameters;
        try { parameters = JSON.parse(document.getElementById("run-parameters").value || "{}"); } catch (e) { return showError(new Error("the parameters are not JSON: " + e.message)); }
        lastRun = { analysis: select.value, parameters: document.getElementById("run-parameters").value };
        runJob(d, select.value, parameters);
      });
    }
  } catch (e) { el.textContent = e.message; }
}

// Runs an analysis on a record as a job, following its server-sent events (through fetch, so that the token goes
// with them) in a progress bar with a cancel button; when done, the panel shows the linked results.
async function runJob(d, analysis, parameters) {
  const status = document.getElementById("job-status");
  status.hidden = false; status.dataset.state = "starting";
  status.innerHTML = `<span class="job-label">${esc(analysis)}: starting…</span> <progress id="job-progress" max="1" value="0"></progress> <button class="btn" id="job-cancel" type="button">cancel</button>`;
  const label = status.querySelector(".job-label");
  let job;
  try {
    job = await json(`/api/datasets/${d.id}/analyses`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ analysis, parameters }) });
  } catch (e) { label.textContent = `${analysis}: ${e.message}`; status.dataset.state = "failed"; document.getElementById("job-cancel").hidden = true; return; }
  status.dataset.job = job.id;
  document.getElementById("job-cancel").addEventListener("click", () => api(`/api/jobs/${job.id}`, { method: "DELETE" }).catch(showError));
  const show = j => {
    status.dataset.state = j.state;
    document.getElementById("job-progress").value = j.progress;
    label.textContent = `${analysis}: ${j.state}${j.stage ? " — " + j.stage : ""} ${Math.round(j.progress * 100)} %${j.error ? " — " + j.error : ""}`;
  };
  show(job);
  try {
    const r = await api(`/api/jobs/${job.id}/events`);
    const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let i;
      while ((i = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, i); buffer = buffer.slice(i + 2);
        if (!/^event: job$/m.test(block)) continue;
        job = JSON.parse(block.split("\n").filter(l => l.startsWith("data: ")).map(l => l.slice(6)).join("\n"));
        show(job);
      }
    }
  } catch (e) { showError(e); }
  document.getElementById("job-cancel").hidden = true;
  if (job.state === "done") {
    await loadAnalyses(d.id, d);
    const again = document.getElementById("job-status");
    again.hidden = false; again.dataset.state = "done"; again.dataset.job = job.id;
    again.innerHTML = `${esc(analysis)}: done — ${job.records.map(r => `<a class="job-record" href="#/d/${esc(r)}">${esc(r)}</a>`).join(", ")}`;
  }
}

async function loadAnnotations(id) {
  const el = document.getElementById("annotations");
  try {
    const list = await json(`/api/datasets/${id}/annotations`);
    el.innerHTML = list.length ? list.map(a => `<div class="annotation"><span class="badge">${esc(a.kind)}</span>${esc(a.text)} <small>${esc(a.user || "")}</small></div>`).join("") : "none yet";
  } catch (e) { el.textContent = e.message; }
}

async function buildViewers(d) {
  const box = document.getElementById("viewers");
  const fourD = (d.signal_type === "4d_stem" || d.signal_type === "diffraction") && d.navigation_dims >= 1 && d.shape.length - d.navigation_dims === 2 && d.shape.slice(0, d.navigation_dims).reduce((a, b) => a * b, 1) > 1;
  const spectrumImage = d.signal_type === "spectrum_image" && d.navigation_dims >= 1;
  if (d.origin) {
    const img = document.createElement("img"); img.id = "preview"; box.append(img);
    return loadImage(img, `/api/datasets/${d.id}/preview.png`);
  }
  if (fourD) {
    let innerRatio = 0.5, current = null, mradPerPixel = null, shown = 0;
    const tools = document.createElement("div"); tools.className = "controls detector-tools";
    const field = (id, label) => `<label>${label} <input id="${id}" type="number" step="0.5" size="5"></label>`;
    tools.innerHTML = `<div>Click the scan to see its pattern. On the pattern, drag to draw a detector (alt-drag pans); for a point or the centre of mass, click.</div>
      <label>detector <select id="detector-shape"><option value="disk">disk</option><option value="annulus">annulus</option><option value="rectangle">rectangle</option><option value="point">point</option><option value="com">centre of mass / DPC</option></select></label>
      <label class="for-annulus">inner / outer <input id="inner-ratio" type="number" min="0" max="0.95" step="0.05" value="0.5"></label>
      <label class="for-com">map <select id="com-map">${["magnitude", "shift_x", "shift_y", "divergence", "curl", "idpc"].map(m => `<option>${m}</option>`).join("")}</select></label>
      <span id="detector-params">${field("det-cy", "centre y")}${field("det-cx", "x")}<span class="for-round">${field("det-rin", "r in")}${field("det-rout", "r out")}</span><span class="for-rectangle">${field("det-h", "height")}${field("det-w", "width")}</span> <select id="det-units" title="units of the radii and sizes (the centre is in detector pixels)"><option value="px">px</option><option value="mrad" disabled>mrad</option></select> <button class="btn" id="det-apply" type="button">apply</button></span>
      ${d.can_edit && token ? `<button class="btn" id="save-analysis" type="button" disabled title="run this detector over the whole scan and keep the result as a record linked to this one">save as analysis</button>` : ""}`;
    box.before(tools);
    const $ = id => tools.querySelector("#" + id);
    const shape = () => $("detector-shape").value;
    const showFields = () => {
      const s = shape();
      tools.querySelectorAll(".for-annulus").forEach(e => e.hidden = s !== "annulus");
      tools.querySelectorAll(".for-com").forEach(e => e.hidden = s !== "com");
      tools.querySelectorAll(".for-round").forEach(e => e.hidden = s !== "disk" && s !== "annulus");
      tools.querySelectorAll(".for-rectangle").forEach(e => e.hidden = s !== "rectangle");
    };
    showFields();
    $("detector-shape").addEventListener("change", () => { showFields(); if (pattern.detector) apply(); });
    $("inner-ratio").addEventListener("input", e => innerRatio = Math.max(0, Math.min(0.95, +e.target.value || 0)));
    $("com-map").addEventListener("change", () => { if (shape() === "com" && pattern.detector) apply(); });
    const real = new ImageView(box, { id: "real", onPick: async (y, x) => {
      try { const f = await viewData(`/api/datasets/${d.id}/view/frame?y=${y * real.binning}&x=${x * real.binning}`); pattern.show(f.data, f.info, true); } catch (e) { showError(e); }
    } });
    // A detector in detector pixels (the pattern may be shown binned): the view to ask for and the analysis that keeps it.
    const fix = v => +(+v).toFixed(2);
    const mrad = () => $("det-units").value === "mrad" && mradPerPixel;
    const k = () => mrad() ? mradPerPixel : 1; // radii and sizes: shown units per detector pixel
    $("det-units").addEventListener("change", () => { if (pattern.detector) showDetector(pattern.detector); });
    async function showDetector(det) {
      const b = pattern.binning, cy = fix(det.cy * b), cx = fix(det.cx * b), u = mrad() ? { units: "mrad" } : {};
      let url, analysis;
      if (det.shape === "rectangle") {
        const h = fix(det.height * b), w = fix(det.width * b), hu = fix(det.height * b * k()), wu = fix(det.width * b * k());
        url = `view/virtual?shape=rectangle&cy=${cy}&cx=${cx}&height=${h}&width=${w}`;
        analysis = { analysis: "virtual-image", parameters: { shape: "rectangle", center: [cy, cx], height: hu, width: wu, ...u } };
        $("det-h").value = hu; $("det-w").value = wu;
      } else if (det.shape === "point") {
        url = `view/virtual?shape=point&cy=${cy}&cx=${cx}`;
        analysis = { analysis: "virtual-image", parameters: { shape: "point", center: [cy, cx] } };
      } else if (det.shape === "com") {
        url = `view/com?map=${$("com-map").value}&cy=${cy}&cx=${cx}`;
        analysis = { analysis: "com", parameters: { center: [cy, cx] } };
      } else {
        const rIn = det.shape === "disk" ? 0 : fix(det.rIn * b), rOut = fix(det.rOut * b), inU = fix(rIn * k()), outU = fix(rOut * k());
        url = `view/virtual?shape=${det.shape}&cy=${cy}&cx=${cx}&r_in=${rIn}&r_out=${rOut}`;
        analysis = { analysis: "virtual-image", parameters: det.shape === "disk" ? { shape: "disk", center: [cy, cx], outer: outU, ...u } : { shape: "annulus", center: [cy, cx], inner: inU, outer: outU, ...u } };
        $("det-rin").value = inU; $("det-rout").value = outU;
      }
      $("det-cy").value = cy; $("det-cx").value = cx;
      const serial = ++shown;
      try {
        const v = await viewData(`/api/datasets/${d.id}/${url}`);
        if (serial !== shown) return; // a later detector's image is on its way: this one is stale
        real.show(v.data, v.info, true);
        current = analysis;
        tools.dataset.analysis = JSON.stringify(analysis);
        if ($("save-analysis")) $("save-analysis").disabled = false;
      } catch (e) { showError(e); }
    }
    // The typed parameters (detector pixels) as the drawn detector.
    function apply() {
      const b = pattern.binning, s = shape(), v = id => +$(id).value / b, size = id => +$(id).value / k() / b;
      if ($("det-cy").value === "" || $("det-cx").value === "") return;
      const det = { shape: s, cy: v("det-cy"), cx: v("det-cx") };
      if (s === "rectangle") { det.height = size("det-h") || 8 / b; det.width = size("det-w") || 8 / b; }
      if (s === "disk" || s === "annulus") { det.rOut = size("det-rout") || 8 / b; det.rIn = s === "annulus" ? (size("det-rin") || det.rOut * innerRatio) : 0; }
      pattern.detector = det; pattern.draw(); showDetector(det);
    }
    $("det-apply").addEventListener("click", apply);
    const pattern = new ImageView(box, { id: "pattern", log: true, shape, innerRatio: () => innerRatio, onDetector: showDetector });
    if ($("save-analysis")) $("save-analysis").addEventListener("click", () => current && runJob(d, current.analysis, current.parameters));
    const [img, mean] = await Promise.all([viewData(`/api/datasets/${d.id}/view/image`), viewData(`/api/datasets/${d.id}/view/mean`)]);
    real.show(img.data, img.info);
    mean.info.caption = "mean pattern — " + mean.info.caption;
    mradPerPixel = mean.info.mradPerPixel;
    if (mradPerPixel) { $("det-units").querySelector("option[value=mrad]").disabled = false; $("det-units").title += ` (${+mradPerPixel.toPrecision(4)} mrad per pixel)`; }
    pattern.show(mean.data, mean.info);
    return;
  }
  const v = await viewData(`/api/datasets/${d.id}/view/image`);
  if (v.info.rows === 1) return new SpectrumPlot(box, "spectrum").show(v.data, v.info);
  let spectrum = null, meanSpectrum = null;
  const view = new ImageView(box, { id: "image", onPick: spectrumImage ? async (y, x) => {
    try {
      const f = await viewData(`/api/datasets/${d.id}/view/frame?y=${y * view.binning}&x=${x * view.binning}`);
      spectrum.show(f.data, f.info);
      if (meanSpectrum) spectrum.overlay(meanSpectrum, "mean over the map");
    } catch (e) { showError(e); }
  } : null });
  view.show(v.data, v.info);
  const frames = d.navigation_dims === 1 && d.shape.length === 3 ? d.shape[0] : 0;
  if (frames > 1 && !spectrumImage) {
    // A stack or series: the mean frame first, then any frame from the slider.
    const bar = document.createElement("div"); bar.className = "frames";
    bar.innerHTML = `<label>frame <input type="range" id="frame-slider" min="-1" max="${frames - 1}" step="1" value="-1"></label><span id="frame-label">mean of ${frames} frames</span>`;
    box.before(bar);
    let wanted = -1;
    bar.querySelector("#frame-slider").addEventListener("input", async e => {
      const i = wanted = +e.target.value;
      try {
        const f = i < 0 ? v : await viewData(`/api/datasets/${d.id}/view/frame?y=0&x=${i}`);
        if (i !== wanted) return; // a later move of the slider is on its way
        view.show(f.data, { ...f.info, caption: i < 0 ? v.info.caption : `frame ${i + 1} of ${frames}` }, true);
        document.getElementById("frame-label").textContent = i < 0 ? `mean of ${frames} frames` : `frame ${i + 1} of ${frames}`;
        document.getElementById("frame-label").dataset.frame = i;
      } catch (err) { showError(err); }
    });
  }
  if (spectrumImage) {
    // The summed spectrum at once (the mean frame times the positions); a click on the map shows that position's.
    spectrum = new SpectrumPlot(box, "spectrum");
    const positions = d.shape.slice(0, d.navigation_dims).reduce((a, b) => a * b, 1);
    const mean = await viewData(`/api/datasets/${d.id}/view/mean`);
    meanSpectrum = mean.data;
    spectrum.show(mean.data.map(x => x * positions), mean.info, `sum over all ${positions} positions`);
  }
}

setToken(token);
whoAmI().then(route);
