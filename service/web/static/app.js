// thaimt web page: paste or upload Thai, see it translated beside the source, sentence by
// sentence, with every protected span marked and every flagged sentence pointed out.
// Plain browser JavaScript, no build step, no third-party code; it talks only to this server.
"use strict";

const $ = (id) => document.getElementById(id);
const STORE = {
  glossary: "thaimt.glossary",
  keep: "thaimt.keep",
  apiKey: "thaimt.apiKey",
  threshold: "thaimt.reviewThreshold",
};
// The server splits lines exactly here (service/text/normalize.py, split_lines).
const LINE_BREAK = /\r\n|[\n\r\u0085\u2028\u2029]/;
const PUA = /[\uE000-\uF8FF]/g; // inline-markup markers of HTML/Markdown uploads

const state = {
  settings: { charLimit: null, keyRequired: false, filesTranslation: false, supportedFilesFormat: [] },
  config: { flags: {}, spanKinds: {}, confidence: { threshold: 0.5 } },
  controller: null, // AbortController of the running request
  outputs: [], // translated lines, in order (what Copy and Download give)
  download: null, // {name, content} of the current result
  rows: 0,
  segCount: 0,
  flagged: 0,
  flagCursor: -1,
  reviewCursor: -1,
};

// ---------------------------------------------------------------- start-up

document.addEventListener("DOMContentLoaded", () => {
  restoreSaved();
  bindEvents();
  loadServerSettings();
  updateCounter();
});

function restoreSaved() {
  $("glossary").value = localStorage.getItem(STORE.glossary) || "";
  $("keep").value = localStorage.getItem(STORE.keep) || "";
  $("api-key").value = localStorage.getItem(STORE.apiKey) || "";
  updateTermsCount();
}

function bindEvents() {
  $("translate").addEventListener("click", translate);
  $("cancel").addEventListener("click", cancel);
  $("source").addEventListener("input", updateCounter);
  $("source").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      translate();
    }
  });
  for (const id of ["glossary", "keep"]) {
    $(id).addEventListener("input", () => {
      localStorage.setItem(STORE[id], $(id).value);
      updateTermsCount();
      updateCounter();
    });
  }
  $("api-key").addEventListener("input", () => localStorage.setItem(STORE.apiKey, $("api-key").value));
  $("api-key").addEventListener("change", loadTeam);
  $("file").addEventListener("change", fileChosen);
  $("clear-file").addEventListener("click", clearFile);
  $("copy").addEventListener("click", copyTranslation);
  $("download").addEventListener("click", downloadTranslation);
  $("next-flag").addEventListener("click", nextFlag);
  $("review").addEventListener("click", nextLeastConfident);
  $("threshold").addEventListener("input", () => {
    const value = Number($("threshold").value);
    if ($("threshold").value === "" || !(value >= 0 && value <= 1)) return;
    localStorage.setItem(STORE.threshold, String(value));
    markDoubts();
  });
  const panes = $("panes");
  panes.addEventListener("mouseover", (e) => highlight(e.target.closest(".seg")));
  panes.addEventListener("mouseleave", () => highlight(null));
  panes.addEventListener("focusin", (e) => highlight(e.target.closest(".seg")));
  panes.addEventListener("keydown", moveBetweenSentences);
  bindDesk(); // desk.js: editing, memory, team glossaries, exports
}

async function loadServerSettings() {
  try {
    const [settings, config] = await Promise.all([getJson("/frontend/settings"), getJson("/web/config.json")]);
    state.settings = settings;
    state.config = config;
  } catch (error) {
    setStatus(`Cannot reach the server: ${error.message}`, true);
    return;
  }
  $("key-row").hidden = !state.settings.keyRequired;
  $("upload-group").hidden = !state.settings.filesTranslation;
  $("file").accept = state.settings.supportedFilesFormat.join(",");
  fillLegend();
  $("threshold").value = String(reviewThreshold());
  updateCounter();
  watchReadiness();
  loadTeam();
}

async function watchReadiness() {
  for (;;) {
    try {
      const response = await fetch("/ready");
      const body = await response.json();
      if (response.ok) {
        setStatus(`Ready — model ${body.model}`);
        return;
      }
      if (body.status === "failed") {
        setStatus(`The model failed to load: ${body.error}`, true);
        return;
      }
      setStatus("The model is loading…");
    } catch (error) {
      setStatus(`Cannot reach the server: ${error.message}`, true);
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

function setStatus(text, bad = false) {
  $("server-status").textContent = text;
  $("server-status").classList.toggle("bad", bad);
}

async function getJson(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(await errorMessage(response));
  return response.json();
}

function fillLegend() {
  const kinds = $("legend-kinds");
  kinds.replaceChildren();
  for (const [kind, label] of Object.entries(state.config.spanKinds)) {
    if (kind === "markup") continue;
    const item = el("li");
    const sample = el("mark", { "data-span-kind": kind, class: "swatch" }, label);
    item.append(sample);
    kinds.append(item);
  }
  const flags = $("legend-flags");
  flags.replaceChildren();
  for (const [name, reason] of Object.entries(state.config.flags)) {
    flags.append(el("li", {}, `${reason} (${name})`));
  }
}

// ---------------------------------------------------------------- inputs

function codePoints(text) {
  let count = 0;
  for (const _ of text) count += 1; // the server counts code points, not UTF-16 units
  return count;
}

function parseGlossary() {
  const entries = {};
  const problems = [];
  $("glossary").value.split("\n").forEach((line, index) => {
    const text = line.trim();
    if (!text || text.startsWith("#")) return;
    const match = text.match(/^(.+?)\s*(?:=|\t)\s*(.+)$/);
    if (!match) {
      problems.push(`line ${index + 1}: write it as “Thai = English”`);
      return;
    }
    entries[match[1].trim()] = match[2].trim();
  });
  return { entries, problems };
}

function keepTerms() {
  return $("keep").value.split("\n").map((t) => t.trim()).filter(Boolean);
}

function termChars() {
  const { entries } = parseGlossary();
  let chars = 0;
  for (const [source, target] of Object.entries(entries)) chars += codePoints(source) + codePoints(target);
  for (const term of keepTerms()) chars += codePoints(term);
  return chars;
}

function updateTermsCount() {
  const { entries, problems } = parseGlossary();
  const glossary = Object.keys(entries).length;
  const keep = keepTerms().length;
  $("terms-count").textContent = glossary || keep ? `(${glossary} glossary, ${keep} kept)` : "";
  $("glossary-problems").textContent = problems.join("; ");
}

function updateCounter() {
  const counter = $("counter");
  const file = $("file").files[0];
  const limit = state.settings.charLimit;
  if (file) {
    counter.textContent = `${file.name}: ${formatNumber(file.size)} bytes (the server counts its characters)`;
    counter.classList.remove("over");
    return;
  }
  const chars = codePoints($("source").value) + termChars();
  const of = limit ? ` / ${formatNumber(limit)}` : "";
  const over = limit && chars > limit;
  counter.textContent = `${formatNumber(chars)}${of} characters${over ? " — over the server's limit" : ""}`;
  counter.classList.toggle("over", Boolean(over));
}

function formatNumber(n) {
  return Number(n).toLocaleString("en-US");
}

function fileChosen() {
  const file = $("file").files[0];
  $("clear-file").hidden = !file;
  $("fields-group").hidden = !(file && /\.(jsonl|ndjson)$/i.test(file.name));
  $("source").disabled = Boolean(file);
  updateCounter();
}

function clearFile() {
  $("file").value = "";
  fileChosen();
  $("file").focus();
}

// ---------------------------------------------------------------- requests

function headers(extra = {}) {
  const key = $("api-key").value.trim();
  return key ? { ...extra, "X-API-Key": key } : extra;
}

async function errorMessage(response) {
  const text = await response.text();
  try {
    const body = JSON.parse(text);
    if (body && typeof body.error === "string") return body.error;
  } catch (_) {
    // not JSON: fall through
  }
  return `${response.status} ${response.statusText || "error"}`.trim();
}

class ServerError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function translate() {
  if (state.controller) return; // one request at a time
  hideError();
  const { entries, problems } = parseGlossary();
  if (problems.length) {
    $("terms").open = true;
    showError(`Fix the glossary first: ${problems.join("; ")}`);
    $("glossary").focus();
    return;
  }
  const file = $("file").files[0];
  const text = $("source").value;
  if (!file && !text.trim()) {
    showError("Paste some Thai text or choose a file first.");
    $("source").focus();
    return;
  }
  const options = { glossary: entries, do_not_translate: keepTerms(), ...deskOptions() };
  state.controller = new AbortController();
  setBusy(true);
  try {
    if (file && file.size > state.config.jobBytes) await translateFileAsJob(file, options, state.controller.signal);
    else if (file) await translateFile(file, options, state.controller.signal);
    else await translateText(text, options, state.controller.signal);
  } catch (error) {
    if (error.name === "AbortError") {
      showProgressText("Cancelled — the paragraphs above were translated before you stopped.");
    } else {
      showError(error.message);
      if (error.status === 401 || error.status === 403) askForKey();
    }
  } finally {
    state.controller = null;
    setBusy(false);
  }
}

function cancel() {
  if (state.controller) state.controller.abort();
}

function setBusy(busy) {
  $("translate").disabled = busy;
  $("cancel").hidden = !busy;
  $("translate").textContent = busy ? "Translating…" : "Translate";
  if (!busy && document.activeElement === $("cancel")) $("translate").focus();
}

function askForKey() {
  $("key-row").hidden = false;
  $("api-key").focus();
}

async function translateText(text, options, signal) {
  const lines = text.split(LINE_BREAK);
  startResults(lines.length, "translation.txt");
  const body = { text, detail: true, ...options, ...deskStreamOptions() };
  const response = await fetch("/v1/translate/stream", {
    method: "POST",
    headers: headers({ "Content-Type": "application/json" }),
    body: JSON.stringify(body),
    signal,
  });
  if (!response.ok) throw new ServerError(response.status, await errorMessage(response));
  let received = 0;
  for await (const message of ndjson(response.body)) {
    if (message.error) throw new ServerError(500, `The translation stopped: ${message.error}`);
    if (message.done) break;
    addParagraph(message.paragraph, message.source, message.translation, message.segments || []);
    received += 1;
    showProgress(received, lines.length);
  }
  state.download = { name: "translation.txt", content: state.outputs.join("\n") };
  finishResults();
}

async function* ndjson(stream) {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let newline;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (line.trim()) yield JSON.parse(line);
    }
  }
  if (buffer.trim()) yield JSON.parse(buffer);
}

async function translateFile(file, options, signal) {
  startResults(0, file.name);
  showProgressText(`Translating ${file.name}…`);
  $("progress").removeAttribute("value"); // indeterminate: one request for the whole file
  const form = new FormData();
  form.append("file", file);
  form.append("glossary", JSON.stringify(options.glossary));
  form.append("do_not_translate", JSON.stringify(options.do_not_translate));
  if (options.glossary_id) form.append("glossary_id", options.glossary_id);
  form.append("fields", $("fields").value);
  form.append("detail", "true");
  const response = await fetch("/v1/translate/file", { method: "POST", headers: headers(), body: form, signal });
  if (!response.ok) throw new ServerError(response.status, await errorMessage(response));
  const result = await response.json();
  let number = 0;
  for (const doc of result.detail || []) {
    for (const paragraph of doc.paragraphs) {
      addParagraph(number, paragraph.source, paragraph.text, paragraph.segments);
      number += 1;
    }
  }
  if (result.content_encoding === "base64") {
    // A document (docx, xlsx, epub, ...): offered as a download; the panes show its texts.
    const bytes = Uint8Array.from(atob(result.content), (c) => c.charCodeAt(0));
    state.outputs = (result.detail || []).map((doc) => doc.text);
    state.download = { name: result.filename, content: "", bytes, type: result.media_type };
  } else {
    state.outputs = [result.content];
    state.download = { name: result.filename, content: result.content };
  }
  $("progress").value = 1;
  showProgressText(`${file.name} → ${result.filename}`);
  finishResults();
}

// A large file goes as a document job: uploaded once, translated behind interactive requests,
// its progress polled (segments done of total), the result fetched when it is done. Cancelling
// deletes the job.
async function translateFileAsJob(file, options, signal) {
  startResults(0, file.name);
  showProgressText(`Uploading ${file.name}…`);
  $("progress").removeAttribute("value");
  const form = new FormData();
  form.append("file", file);
  form.append("glossary", JSON.stringify(options.glossary));
  form.append("do_not_translate", JSON.stringify(options.do_not_translate));
  form.append("fields", $("fields").value);
  const created = await fetch("/v1/documents", { method: "POST", headers: headers(), body: form, signal });
  if (!created.ok) throw new ServerError(created.status, await errorMessage(created));
  const job = await created.json();
  const jobHeaders = headers({ "X-Document-Secret": job.secret });
  try {
    const status = await followJob(job, jobHeaders, signal);
    const response = await fetch(job.result_url, { headers: jobHeaders, signal });
    if (!response.ok) throw new ServerError(response.status, await errorMessage(response));
    const bytes = new Uint8Array(await response.arrayBuffer());
    state.download = { name: status.result_filename, content: "", bytes, type: response.headers.get("Content-Type") };
    const flagged = Object.values(status.flags).reduce((a, b) => a + b, 0);
    showProgressText(`${file.name} → ${status.result_filename}`);
    $("progress").value = 1;
    const review = flagged ? `${flagged} flagged (download the file to review them)` : "none flagged";
    $("summary").textContent = `${formatNumber(status.segments.total)} segments · ${review}`;
  } catch (error) {
    if (error.name === "AbortError") fetch(job.status_url, { method: "DELETE", headers: jobHeaders });
    throw error;
  }
}

async function followJob(job, jobHeaders, signal) {
  for (;;) {
    const response = await fetch(job.status_url, { headers: jobHeaders, signal });
    if (!response.ok) throw new ServerError(response.status, await errorMessage(response));
    const status = await response.json();
    if (status.status === "error") throw new ServerError(500, `The document job failed: ${status.error}`);
    if (status.status === "done") return status;
    showJobProgress(status);
    await new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, 1000);
      signal.addEventListener("abort", () => {
        clearTimeout(timer);
        reject(new DOMException("cancelled", "AbortError"));
      }, { once: true });
    });
  }
}

function showJobProgress(status) {
  const { done, total } = status.segments;
  if (!total) {
    showProgressText(status.status === "queued" ? "Queued behind other documents…" : "Reading the document…");
    return;
  }
  $("progress").value = done / total;
  const left = status.seconds_remaining == null ? "" : `, about ${formatNumber(Math.ceil(status.seconds_remaining))} s left`;
  showProgressText(`${formatNumber(done)} of ${formatNumber(total)} segments${left}`);
}

// ---------------------------------------------------------------- rendering

function startResults(lines, name) {
  for (const pane of [$("source-view"), $("target")]) {
    pane.querySelectorAll(".para").forEach((node) => node.remove());
  }
  Object.assign(state, {
    outputs: [],
    download: { name, content: "" },
    rows: 0,
    segCount: 0,
    flagged: 0,
    flagCursor: -1,
    reviewCursor: -1,
  });
  $("panes").style.setProperty("--rows", "1");
  resetDesk();
  $("results").hidden = false;
  $("progress-row").hidden = false;
  $("progress").value = 0;
  showProgressText(lines ? `0 of ${lines} lines` : "");
  updateSummary();
}

function showProgress(done, total) {
  $("progress").value = total ? done / total : 1;
  showProgressText(`${done} of ${total} lines`);
}

function showProgressText(text) {
  $("progress-text").textContent = text;
}

function finishResults() {
  $("progress").value = 1;
  updateSummary(true);
  deskFinished();
}

function updateSummary(done = false) {
  const parts = [`${state.rows} paragraphs`, `${state.segCount} sentences`];
  parts.push(state.flagged ? `${state.flagged} flagged` : "none flagged");
  const doubts = reviewList().length;
  parts.push(`${doubts} below ${reviewThreshold().toFixed(2)} confidence`);
  $("summary").textContent = parts.join(" · ") + (done ? "" : " so far");
  $("next-flag").hidden = !state.flagged;
  $("review").hidden = !doubts;
}

// One input line: kept lines (no Thai) are copied through; blank lines separate paragraphs.
function addParagraph(number, source, translation, segments) {
  state.outputs[number] = translation;
  deskParagraph(number, source, translation, segments);
  if (!source.trim()) return;
  const sourceBox = el("div", { class: "para", "data-paragraph": String(number) });
  const targetBox = el("div", { class: "para", "data-paragraph": String(number) });
  if (!segments.length) {
    sourceBox.classList.add("kept");
    targetBox.classList.add("kept");
    targetBox.setAttribute("data-kept", "");
    targetBox.append(el("span", { class: "kept-badge", title: "No Thai: copied through unchanged" }, "kept"));
    sourceBox.append(clean(source));
    targetBox.append(clean(translation));
  } else {
    renderSegments(number, segments, sourceBox, targetBox);
  }
  // Phone width (one column): each paragraph, then its translation.
  sourceBox.style.order = String(2 * state.rows + 1);
  targetBox.style.order = String(2 * state.rows + 2);
  $("source-view").append(sourceBox);
  $("target").append(targetBox);
  state.rows += 1;
  $("panes").style.setProperty("--rows", String(state.rows + 1));
  makeRoving([sourceBox, targetBox]);
  updateSummary();
}

function renderSegments(number, segments, sourceBox, targetBox) {
  const reasons = new Set();
  segments.forEach((segment, index) => {
    const id = `${number}.${index}`;
    const spans = segment.spans || [];
    const sourceSeg = el("span", { class: "seg", "data-seg": id, tabindex: "-1" });
    sourceSeg.append(...markSource(segment.source, spans));
    const targetSeg = el("span", { class: "seg", "data-seg": id, tabindex: "-1" });
    targetSeg.append(...markTarget(segment.target, spans));
    if (typeof segment.confidence === "number") {
      targetSeg.setAttribute("data-confidence", segment.confidence.toFixed(3));
    }
    deskSegment(id, number, segment, targetSeg);
    const flags = segment.flags || [];
    if (flags.length) {
      const why = flags.map((f) => state.config.flags[f] || f);
      why.forEach((reason) => reasons.add(reason));
      targetSeg.setAttribute("data-flag", flags.join(" "));
      sourceSeg.setAttribute("data-flag", flags.join(" "));
      targetSeg.title = `Check this sentence: ${why.join("; ")}`;
      targetSeg.append(el("span", { class: "flag-mark", "aria-hidden": "true" }, "⚑"));
      targetSeg.append(el("span", { class: "visually-hidden" }, ` (flagged: ${why.join("; ")})`));
      state.flagged += 1;
    }
    state.segCount += 1;
    if (index) {
      sourceBox.append(" ");
      targetBox.append(" ");
    }
    sourceBox.append(sourceSeg);
    targetBox.append(targetSeg);
    markDoubt(targetSeg);
  });
  if (reasons.size) targetBox.append(el("span", { class: "flag-reason" }, `⚑ ${[...reasons].join(" · ")}`));
}

// Spans carry offsets into the sentence; a piece of a sentence split for the token budget has
// offsets into the whole sentence, so when an offset does not match, the span is searched for.
function markSource(text, spans) {
  const nodes = [];
  let cursor = 0;
  const ordered = [...spans].sort((a, b) => a.start - b.start);
  for (const span of ordered) {
    let at = text.startsWith(span.source, span.start) && span.start >= cursor ? span.start : -1;
    if (at < 0) at = text.indexOf(span.source, cursor);
    if (at < 0 || !span.source) continue;
    if (at > cursor) nodes.push(clean(text.slice(cursor, at)));
    nodes.push(spanMark(span, span.source));
    cursor = at + span.source.length;
  }
  if (cursor < text.length) nodes.push(clean(text.slice(cursor)));
  return nodes;
}

// The restore step guarantees each span's output appears in the translation; find one
// occurrence per span, longest outputs first, without overlaps.
function markTarget(text, spans) {
  const taken = [];
  const byLength = [...spans].sort((a, b) => b.output.length - a.output.length);
  for (const span of byLength) {
    if (!span.output) continue;
    let from = 0;
    for (;;) {
      const at = text.indexOf(span.output, from);
      if (at < 0) break;
      const end = at + span.output.length;
      if (taken.every(([s, e]) => end <= s || at >= e)) {
        taken.push([at, end, span]);
        break;
      }
      from = at + 1;
    }
  }
  taken.sort((a, b) => a[0] - b[0]);
  const nodes = [];
  let cursor = 0;
  for (const [start, end, span] of taken) {
    if (start > cursor) nodes.push(clean(text.slice(cursor, start)));
    nodes.push(spanMark(span, text.slice(start, end)));
    cursor = end;
  }
  if (cursor < text.length) nodes.push(clean(text.slice(cursor)));
  return nodes;
}

function spanMark(span, text) {
  const label = state.config.spanKinds[span.kind] || span.kind;
  if (span.kind === "markup") {
    return el("mark", { "data-span-kind": "markup", title: label, "aria-hidden": "true" }, "◇");
  }
  const title = span.kind === "glossary" ? `${label}: ${span.source} → ${span.output}` : `${label}, kept as written`;
  return el("mark", { "data-span-kind": span.kind, title }, clean(text));
}

function clean(text) {
  return document.createTextNode(text.replace(PUA, ""));
}

function el(tag, attributes = {}, text = null) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== null) node.append(typeof text === "string" ? document.createTextNode(text) : text);
  return node;
}

// ---------------------------------------------------------------- reading the result

function highlight(seg) {
  document.querySelectorAll(".seg.hl").forEach((node) => node.classList.remove("hl"));
  if (!seg) return;
  const id = seg.getAttribute("data-seg");
  document.querySelectorAll(`.seg[data-seg="${id}"]`).forEach((node) => node.classList.add("hl"));
}

// Each pane is one tab stop; the arrow keys move between its sentences (roving tabindex).
// Called with each new paragraph box, so a long article costs no rescans.
function makeRoving(boxes) {
  for (const box of boxes) {
    if (box.classList.contains("kept")) box.setAttribute("tabindex", "-1");
    const pane = box.closest(".pane");
    const first = box.classList.contains("kept") ? box : box.querySelector(".seg");
    if (first && !pane.querySelector('[tabindex="0"]')) first.setAttribute("tabindex", "0");
  }
}

function moveBetweenSentences(event) {
  const current = event.target.closest(".seg, .para.kept");
  if (!current) return;
  const pane = current.closest(".pane");
  const items = [...pane.querySelectorAll(".seg, .para.kept")];
  const index = items.indexOf(current);
  const moves = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1, Home: -index, End: items.length - 1 - index };
  if (!(event.key in moves)) return;
  event.preventDefault();
  const next = items[Math.min(items.length - 1, Math.max(0, index + moves[event.key]))];
  focusItem(pane, next);
}

function focusItem(pane, item) {
  pane.querySelectorAll('[tabindex="0"]').forEach((node) => node.setAttribute("tabindex", "-1"));
  item.setAttribute("tabindex", "0");
  item.focus();
  item.scrollIntoView({ block: "nearest" });
}

// ---------------------------------------------------------------- confidence

// The review threshold: this browser's choice, else the server's default (/web/config.json).
function reviewThreshold() {
  const saved = Number(localStorage.getItem(STORE.threshold));
  if (localStorage.getItem(STORE.threshold) !== null && saved >= 0 && saved <= 1) return saved;
  return state.config.confidence ? state.config.confidence.threshold : 0.5;
}

// A quiet cue on a translated sentence below the threshold, and its confidence on hover.
function markDoubt(seg) {
  const value = seg.getAttribute("data-confidence");
  if (value === null) return;
  const below = Number(value) < reviewThreshold();
  seg.classList.toggle("doubt", below);
  const note = `confidence ${Number(value).toFixed(2)}`;
  const title = (seg.title || "").replace(/ \(confidence [0-9.]+\)$|^confidence [0-9.]+$/, "");
  seg.title = title ? `${title} (${note})` : note;
}

function markDoubts() {
  $("target").querySelectorAll(".seg[data-confidence]").forEach(markDoubt);
  state.reviewCursor = -1;
  updateSummary(!state.controller);
}

// Sentences below the threshold, least confident first (ties in reading order).
function reviewList() {
  const threshold = reviewThreshold();
  const rated = [...$("target").querySelectorAll(".seg[data-confidence]")]
    .map((node, order) => ({ node, order, value: Number(node.getAttribute("data-confidence")) }))
    .filter((item) => item.value < threshold);
  rated.sort((a, b) => a.value - b.value || a.order - b.order);
  return rated.map((item) => item.node);
}

function nextLeastConfident() {
  const list = reviewList();
  if (!list.length) return;
  state.reviewCursor = (state.reviewCursor + 1) % list.length;
  focusItem($("target"), list[state.reviewCursor]);
  showProgressText(`Reviewing ${state.reviewCursor + 1} of ${list.length}, least confident first`);
}

function nextFlag() {
  const flagged = [...$("target").querySelectorAll(".seg[data-flag]")];
  if (!flagged.length) return;
  state.flagCursor = (state.flagCursor + 1) % flagged.length;
  focusItem($("target"), flagged[state.flagCursor]);
}

async function copyTranslation() {
  const text = state.download ? state.download.content || state.outputs.join("\n") : "";
  try {
    await navigator.clipboard.writeText(text);
  } catch (_) {
    // No clipboard API (a page served over plain http to another machine): copy by selection.
    const area = el("textarea", {}, text);
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  showProgressText("Translation copied.");
}

function downloadTranslation() {
  if (!state.download) return;
  const { bytes, type } = state.download;
  const blob = bytes
    ? new Blob([bytes], { type: type || "application/octet-stream" })
    : new Blob([state.download.content || state.outputs.join("\n")], { type: "text/plain;charset=utf-8" });
  const url = URL.createObjectURL(blob);
  const link = el("a", { href: url, download: state.download.name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = false;
}

function hideError() {
  $("error").hidden = true;
  $("error").textContent = "";
}
