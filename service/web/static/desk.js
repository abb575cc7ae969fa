// thaimt web page, the desk: edit a sentence's English in place and save it to the team's
// translation memory, re-translate one sentence with its alternatives, walk the flagged
// sentences from the keyboard, use and edit the team's glossaries on the server, and export
// the result side by side. Loaded after app.js (shares its helpers: $, el, state, headers ...).
// No inline script, no innerHTML: every node is built with the DOM.
"use strict";

const DESK_STORE = { glossaryId: "thaimt.glossaryId" };

const desk = {
  team: null, // {team, role, can_write, desk} from GET /v1/team
  segments: new Map(), // "p.i" → {source, target, spans, origin, suggestion, paragraph, node}
  paragraphs: new Map(), // paragraph number → {source, indent, kept, ids: ["p.i", ...]}
  lastOptions: {}, // the glossary options of the translation on screen (memory saves repeat them)
  editing: null, // {id, node, box, area}
};

function deskOn() {
  return Boolean(state.config.desk && desk.team && desk.team.desk);
}

function canWrite() {
  return deskOn() && desk.team.can_write;
}

// ---------------------------------------------------------------- team and glossaries

function bindDesk() {
  $("glossary-select").addEventListener("change", () => {
    localStorage.setItem(DESK_STORE.glossaryId, $("glossary-select").value);
  });
  $("glossary-load").addEventListener("click", copyGlossaryIntoLists);
  $("glossary-create").addEventListener("click", createGlossary);
  $("glossary-update").addEventListener("click", replaceGlossary);
  $("glossary-delete").addEventListener("click", deleteGlossary);
  for (const button of document.querySelectorAll("#export-group button")) {
    button.addEventListener("click", () => exportSideBySide(button.dataset.format));
  }
  $("panes").addEventListener("keydown", deskKeys);
  $("target").addEventListener("dblclick", (event) => {
    const seg = event.target.closest("#target .seg");
    if (seg) startEdit(seg);
  });
}

async function loadTeam() {
  if (!state.config.desk) return;
  try {
    const response = await fetch("/v1/team", { headers: headers() });
    desk.team = response.ok ? await response.json() : null;
  } catch (_) {
    desk.team = null;
  }
  const on = deskOn();
  $("server-glossary").hidden = !on;
  $("team-status").hidden = !on;
  $("read-only-note").hidden = !on || desk.team.can_write;
  for (const node of document.querySelectorAll(".write-only")) node.hidden = !canWrite();
  if (!on) return;
  const role = desk.team.can_write ? "can edit" : "read-only";
  $("team-status").textContent = `Team ${desk.team.team} · ${role}`;
  await refreshGlossaries();
}

async function refreshGlossaries(select = null) {
  const chosen = select ?? localStorage.getItem(DESK_STORE.glossaryId) ?? "";
  const list = $("glossary-select");
  try {
    const response = await fetch("/v1/glossaries", { headers: headers() });
    if (!response.ok) throw new Error(await errorMessage(response));
    const { glossaries } = await response.json();
    list.replaceChildren(el("option", { value: "" }, "None"));
    for (const item of glossaries) {
      const label = `${item.name} (${item.entry_count} entries)`;
      list.append(el("option", { value: item.glossary_id }, label));
    }
    list.value = glossaries.some((g) => g.glossary_id === chosen) ? chosen : "";
    localStorage.setItem(DESK_STORE.glossaryId, list.value);
  } catch (error) {
    glossaryStatus(`Cannot list the team's glossaries: ${error.message}`);
  }
}

function glossaryStatus(text) {
  $("glossary-status").textContent = text;
}

function chosenGlossary() {
  return deskOn() ? $("glossary-select").value : "";
}

function listsAsGlossary() {
  const { entries, problems } = parseGlossary();
  return { entries, do_not_translate: keepTerms(), problems };
}

async function deskJson(method, url, body) {
  const init = { method, headers: headers(body ? { "Content-Type": "application/json" } : {}) };
  if (body) init.body = JSON.stringify(body);
  const response = await fetch(url, init);
  if (!response.ok) throw new ServerError(response.status, await errorMessage(response));
  return response.status === 204 ? null : response.json();
}

async function copyGlossaryIntoLists() {
  const id = chosenGlossary();
  if (!id) return glossaryStatus("Choose a team glossary first.");
  try {
    const glossary = await deskJson("GET", `/v1/glossaries/${encodeURIComponent(id)}`);
    $("glossary").value = Object.entries(glossary.entries).map(([th, en]) => `${th} = ${en}`).join("\n");
    $("keep").value = glossary.do_not_translate.join("\n");
    for (const field of ["glossary", "keep"]) $(field).dispatchEvent(new Event("input"));
    glossaryStatus(`Copied “${glossary.name}” into the lists.`);
  } catch (error) {
    glossaryStatus(error.message);
  }
}

async function createGlossary() {
  const name = $("glossary-name").value.trim();
  const lists = listsAsGlossary();
  if (!name) return glossaryStatus("Give the new glossary a name.");
  if (lists.problems.length) return glossaryStatus(`Fix the glossary first: ${lists.problems.join("; ")}`);
  try {
    const made = await deskJson("POST", "/v1/glossaries", {
      name, entries: lists.entries, do_not_translate: lists.do_not_translate,
    });
    $("glossary-name").value = "";
    await refreshGlossaries(made.glossary_id);
    glossaryStatus(`Saved “${made.name}” for team ${desk.team.team}; it is now applied.`);
  } catch (error) {
    glossaryStatus(error.message);
  }
}

async function replaceGlossary() {
  const id = chosenGlossary();
  const lists = listsAsGlossary();
  if (!id) return glossaryStatus("Choose the team glossary to replace.");
  if (lists.problems.length) return glossaryStatus(`Fix the glossary first: ${lists.problems.join("; ")}`);
  try {
    const done = await deskJson("PUT", `/v1/glossaries/${encodeURIComponent(id)}`, {
      entries: lists.entries, do_not_translate: lists.do_not_translate,
    });
    await refreshGlossaries(id);
    glossaryStatus(`“${done.name}” now holds the lists (${done.entry_count} entries).`);
  } catch (error) {
    glossaryStatus(error.message);
  }
}

async function deleteGlossary() {
  const id = chosenGlossary();
  if (!id) return glossaryStatus("Choose the team glossary to delete.");
  const name = $("glossary-select").selectedOptions[0].textContent;
  if (!window.confirm(`Delete the team glossary ${name} for everyone in the team?`)) return;
  try {
    await deskJson("DELETE", `/v1/glossaries/${encodeURIComponent(id)}`);
    await refreshGlossaries("");
    glossaryStatus(`Deleted ${name}.`);
  } catch (error) {
    glossaryStatus(error.message);
  }
}

// ---------------------------------------------------------------- hooks from app.js

// Added to every translation request: the team glossary chosen.
function deskOptions() {
  const id = chosenGlossary();
  return id ? { glossary_id: id } : {};
}

// Added to the stream's body: close matches from the memory, per sentence.
function deskStreamOptions() {
  return deskOn() ? { suggestions: true } : {};
}

function resetDesk() {
  cancelEdit();
  desk.segments.clear();
  desk.paragraphs.clear();
  const { entries } = parseGlossary();
  desk.lastOptions = { glossary: entries, do_not_translate: keepTerms(), ...deskOptions() };
  $("export-group").hidden = true;
}

function deskParagraph(number, source, translation, segments) {
  const indent = translation.slice(0, translation.length - translation.trimStart().length);
  const ids = segments.map((_, index) => `${number}.${index}`);
  desk.paragraphs.set(number, { source, indent, kept: !segments.length, ids });
}

function deskSegment(id, number, segment, node) {
  const info = {
    source: segment.source,
    target: segment.target,
    spans: segment.spans || [],
    origin: segment.origin || "machine",
    suggestion: segment.suggestion || null,
    paragraph: number,
    node,
  };
  desk.segments.set(id, info);
  markOrigin(info);
}

function markOrigin(info) {
  const node = info.node;
  node.querySelectorAll(".memory-badge, .sugg-mark").forEach((mark) => mark.remove());
  node.toggleAttribute("data-memory", info.origin === "memory");
  if (info.origin === "memory") {
    node.title = "From the team's translation memory (an approved translation)";
    node.append(el("span", { class: "memory-badge", "aria-hidden": "true" }, "TM"));
    node.append(el("span", { class: "visually-hidden" }, " (from the translation memory)"));
  } else if (info.suggestion) {
    const score = Math.round(info.suggestion.score * 100);
    const mark = el("span", { class: "sugg-mark", title: `The memory has a close match (${score}%): ${info.suggestion.target}` }, "≈");
    node.append(mark);
  }
}

function deskFinished() {
  $("desk-help").hidden = !deskOn();
  $("export-group").hidden = !deskOn();
}

// ---------------------------------------------------------------- keyboard

function deskKeys(event) {
  if (event.target.closest(".seg-editor")) return; // the editor's own keys
  const seg = event.target.closest("#target .seg");
  if (event.key === "Enter" && seg && !event.ctrlKey && !event.metaKey) {
    event.preventDefault();
    startEdit(seg);
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const step = { j: 1, n: 1, k: -1, p: -1 }[event.key];
  if (step) {
    event.preventDefault();
    moveFlag(step);
  }
}

function moveFlag(step) {
  const flagged = [...$("target").querySelectorAll(".seg[data-flag]")];
  if (!flagged.length) return;
  state.flagCursor = (state.flagCursor + step + flagged.length) % flagged.length;
  focusItem($("target"), flagged[state.flagCursor]);
}

// ---------------------------------------------------------------- editing a sentence

function startEdit(seg) {
  if (!deskOn()) return;
  if (!canWrite()) {
    showProgressText("This key is read-only: editing and saving to the memory are off.");
    return;
  }
  const id = seg.getAttribute("data-seg");
  const info = desk.segments.get(id);
  if (!info) return;
  cancelEdit();
  const area = el("textarea", { class: "seg-edit", rows: "3", lang: "en", spellcheck: "true", "aria-label": `English of sentence ${id}` });
  area.value = info.target;
  const save = el("button", { type: "button", class: "primary" }, "Save to memory");
  const cancel = el("button", { type: "button" }, "Cancel");
  const more = el("button", { type: "button" }, "Alternatives");
  const choices = el("span", { class: "seg-choices", "aria-live": "polite" });
  const box = el("span", { class: "seg-editor", "data-seg": id });
  box.append(area, el("span", { class: "seg-edit-bar" }, save), choices);
  save.after(cancel, more, el("span", { class: "hint" }, "Ctrl+Enter saves · Esc cancels"));
  if (info.suggestion) {
    const score = Math.round(info.suggestion.score * 100);
    addChoice(choices, area, `Memory ${score}%`, info.suggestion.adapted || info.suggestion.target);
  }
  save.addEventListener("click", saveEdit);
  cancel.addEventListener("click", () => cancelEdit(true));
  more.addEventListener("click", () => showAlternatives(info, choices, area, more));
  area.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      saveEdit();
    } else if (event.key === "Escape") {
      event.preventDefault();
      cancelEdit(true);
    }
  });
  seg.hidden = true;
  seg.after(box);
  desk.editing = { id, node: seg, box, area };
  area.focus();
}

function addChoice(choices, area, label, text) {
  const button = el("button", { type: "button", class: "seg-choice" });
  button.append(el("span", { class: "choice-label" }, `${label}: `), text);
  button.addEventListener("click", () => {
    area.value = text;
    area.focus();
  });
  choices.append(button);
}

function cancelEdit(refocus = false) {
  const editing = desk.editing;
  if (!editing) return;
  desk.editing = null;
  editing.box.remove();
  editing.node.hidden = false;
  if (refocus) focusItem($("target"), editing.node);
}

async function saveEdit() {
  const editing = desk.editing;
  if (!editing) return;
  const info = desk.segments.get(editing.id);
  const text = editing.area.value.replace(/\s+/g, " ").trim();
  if (!text) {
    showProgressText("The English is empty: write the sentence, or press Esc to cancel.");
    return;
  }
  try {
    await deskJson("POST", "/v1/memory", { units: [{ source: info.source, target: text }], ...desk.lastOptions });
  } catch (error) {
    showProgressText(`Not saved: ${error.message}`);
    return;
  }
  info.target = text;
  info.origin = "memory";
  info.suggestion = null;
  info.node.replaceChildren(...markTarget(text, info.spans));
  if (info.node.hasAttribute("data-flag")) {
    info.node.removeAttribute("data-flag"); // a person checked it
    state.flagged -= 1;
    updateSummary(true);
  }
  info.node.setAttribute("data-edited", "");
  markOrigin(info);
  state.outputs[info.paragraph] = paragraphText(info.paragraph);
  if (state.download && !state.download.bytes) state.download.content = state.outputs.join("\n");
  cancelEdit(true);
  showProgressText(`Saved to team ${desk.team.team}'s memory: later translations use it.`);
}

function paragraphText(number) {
  const paragraph = desk.paragraphs.get(number);
  const words = paragraph.ids.map((id) => desk.segments.get(id).target.trim()).filter(Boolean);
  return paragraph.indent + words.join(" ");
}

async function showAlternatives(info, choices, area, button) {
  button.disabled = true;
  const count = Math.max(1, state.config.maxAlternatives || 0);
  const body = { text: info.source, memory: false, ...desk.lastOptions };
  if (state.config.maxAlternatives) body.alternatives = count;
  try {
    const answer = await deskJson("POST", "/v1/translate", body);
    addChoice(choices, area, "Machine", answer.translation);
    (answer.alternatives || []).forEach((text, index) => addChoice(choices, area, `Alternative ${index + 1}`, text));
  } catch (error) {
    choices.append(el("span", { class: "problem" }, error.message));
  } finally {
    button.disabled = false;
  }
}

// ---------------------------------------------------------------- export

function exportRows() {
  const rows = [];
  const numbers = [...desk.paragraphs.keys()].sort((a, b) => a - b);
  for (const number of numbers) {
    const paragraph = desk.paragraphs.get(number);
    if (!paragraph.source.trim()) continue;
    if (paragraph.kept) {
      rows.push({ source: paragraph.source, target: paragraph.source });
      continue;
    }
    for (const id of paragraph.ids) {
      const info = desk.segments.get(id);
      rows.push({ source: info.source, target: info.target });
    }
  }
  return rows;
}

async function exportSideBySide(format) {
  const rows = exportRows();
  if (!rows.length) return;
  const title = state.download ? state.download.name : "translation";
  try {
    const response = await fetch("/v1/export", {
      method: "POST",
      headers: headers({ "Content-Type": "application/json" }),
      body: JSON.stringify({ format, rows, title }),
    });
    if (!response.ok) throw new Error(await errorMessage(response));
    const blob = await response.blob();
    const base = title.replace(/\.[^.]+$/, "") || "translation";
    saveBlob(blob, `${base}_th-en.${format}`);
    showProgressText(`Exported ${rows.length} sentences side by side (.${format}).`);
  } catch (error) {
    showError(`Export failed: ${error.message}`);
  }
}

function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = el("a", { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
