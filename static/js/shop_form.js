// The shopper's form (F-32 execution record, F-31 MS form). A file, not inline
// script, because of the strict CSP. The page works without it; this adds:
// - autosave: a change is POSTed (debounced) to the autosave URL, which answers
//   with the server's score, section scores and critical errors: the page shows
//   those (the server is the authority);
// - a provisional score computed here while the autosave is on its way;
// - a copy of what is typed in localStorage until the server has it, put back
//   when the page loads if it is newer than the server's last save;
// - the agent search, server errors shown next to their parameter, and one
//   submit only.
(() => {
  const form = document.getElementById("shop-form");
  if (!form) return;

  // --- Server errors next to their parameter ---------------------------------
  // The summary at the top lists them (and works without JavaScript); the
  // execution-record fields already show theirs in place.
  const PARAMETER_INPUT = /^(answer|nonconformity|correct_solution)-\d+$/;

  // `placed` marks a message the autosave put there (removed once the field is saved).
  const placeError = (name, message, placed = false) => {
    const existing = document.getElementById(`${name}-error`);
    if (existing) {
      if (placed && existing.dataset.placed) existing.textContent = message;
      return;
    }
    if (!placed && !PARAMETER_INPUT.test(name)) return; // the server showed it in place
    const field = form.elements.namedItem(name);
    const first = field instanceof RadioNodeList ? field[0] : field;
    if (!first) return;
    const note = document.createElement("div");
    note.className = "invalid-feedback d-block";
    note.id = `${name}-error`;
    note.textContent = message;
    if (placed) note.dataset.placed = "1";
    let described = first;
    if (first.type === "radio") {
      (first.closest(".d-flex") || first).after(note);
      described = first.closest("fieldset") || first;
    } else {
      first.classList.add("is-invalid");
      first.after(note);
    }
    const ids = (described.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    described.setAttribute("aria-describedby", [...ids, note.id].join(" "));
  };

  const clearError = (name) => {
    const note = document.getElementById(`${name}-error`);
    if (!note || !(PARAMETER_INPUT.test(name) || note.dataset.placed)) return;
    note.remove();
    const field = form.elements.namedItem(name);
    if (field && !(field instanceof RadioNodeList)) field.classList.remove("is-invalid");
  };

  document.querySelectorAll("#error-summary [data-error-for]").forEach((item) => {
    placeError(item.dataset.errorFor, item.dataset.message);
  });
  document.getElementById("error-summary")?.focus();

  if (!form.dataset.autosaveUrl) return; // read-only: nothing more to do

  const msgs = document.getElementById("shop-form-messages").dataset;
  const specs = JSON.parse(document.getElementById("shop-specs").textContent);
  const versionInput = form.elements.namedItem("version");
  const csrf = form.elements.namedItem("csrfmiddlewaretoken").value;
  const fill = (text, values) => text.replace(/\{(\w+)\}/g, (_m, key) => values[key] ?? "");

  const setStatus = (text) => {
    document.querySelectorAll("[data-save-status]").forEach((el) => {
      el.textContent = text;
    });
  };

  // --- Agent search: a box that narrows the agent <select> --------------------
  const search = form.querySelector("[data-filter-select]");
  const agentSelect = search && document.getElementById(search.dataset.filterSelect);
  if (search && agentSelect) {
    search.closest("[data-agent-search-box]").classList.remove("d-none");
    const all = Array.from(agentSelect.options, (option) => ({
      option,
      text: option.textContent.toLocaleLowerCase(),
    }));
    const count = document.getElementById("agent-search-count");
    const narrow = () => {
      const query = search.value.trim().toLocaleLowerCase();
      const kept = all.filter(
        ({ option, text }) => !option.value || option.selected || text.includes(query),
      );
      agentSelect.replaceChildren(...kept.map(({ option }) => option));
      const shown = kept.filter(({ option }) => option.value).length;
      count.textContent = query ? fill(msgs.agentsShown, { count: shown }) : "";
      return kept.filter(({ option }) => option.value);
    };
    search.addEventListener("input", narrow);
    search.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      event.preventDefault(); // Enter here searches; it does not save the form
      const matches = narrow();
      if (matches.length === 1 && !matches[0].option.selected) {
        matches[0].option.selected = true;
        agentSelect.dispatchEvent(new Event("change", { bubbles: true }));
      }
      agentSelect.focus();
    });
    const notIdentified = form.elements.namedItem("agent_not_identified");
    const syncAgent = () => {
      const off = Boolean(notIdentified?.checked);
      agentSelect.disabled = off;
      search.disabled = off;
    };
    notIdentified?.addEventListener("change", syncAgent);
    syncAgent();
  }

  // --- Provisional score, the same rules as scoring/engine.py ---------------
  const answersNow = () => {
    const answers = new Map();
    for (const p of specs.parameters) {
      const field = form.elements.namedItem(`answer-${p.id}`);
      let value = "";
      if (field instanceof RadioNodeList) value = field.value;
      else if (field?.checked) value = field.value;
      answers.set(p.id, value);
    }
    return answers;
  };

  // A parameter with an answer condition applies while the parameter it
  // watches applies and has that answer (issue #23); one that does not apply
  // counts as N/A. The shop's own conditions were decided on the server.
  const applying = (answers) => {
    const byId = new Map(specs.parameters.map((p) => [p.id, p]));
    const memo = new Map();
    const holds = (p, seen) => {
      if (memo.has(p.id)) return memo.get(p.id);
      let ok = true;
      if (p.when) {
        const target = byId.get(p.when.parameter);
        ok = Boolean(
          target &&
            !seen.has(target.id) &&
            answers.get(target.id) === p.when.answer &&
            holds(target, new Set([...seen, p.id])),
        );
      }
      memo.set(p.id, ok);
      return ok;
    };
    return new Set(specs.parameters.filter((p) => holds(p, new Set([p.id]))).map((p) => p.id));
  };

  const compute = (given) => {
    const weight = (p) => (specs.mode === "binary" ? 1 : p.weight);
    const applies = applying(given);
    const answers = new Map([...given].map(([id, a]) => [id, applies.has(id) ? a : "na"]));
    const earned = new Map();
    const critical = [];
    for (const p of specs.parameters) {
      const a = answers.get(p.id) || "";
      let value = null;
      if (a === "met") value = 1;
      else if (a === "not_met") value = 0;
      else if (a && a !== "na" && p.scale_max) value = Number(a) / p.scale_max;
      if (value !== null && weight(p) > 0) earned.set(p.id, value);
      if (!p.bonus && p.critical_type && (a === "not_met" || (p.scale_max && a === "0"))) {
        critical.push({ parameter: p.id, type: p.critical_type, scope: p.critical_scope });
      }
    }
    const sectionOf = new Map(specs.parameters.map((p) => [p.id, p.section]));
    const zeroed = new Set(
      critical.filter((c) => c.scope === "section").map((c) => sectionOf.get(c.parameter)),
    );
    for (const p of specs.parameters) {
      if (earned.has(p.id) && zeroed.has(p.section)) earned.set(p.id, 0);
    }
    // A bonus adds its points on top, outside the denominator, capped at 100.
    const score = (params) => {
      const applicable = params.filter((p) => earned.has(p.id));
      const base = applicable.filter((p) => !p.bonus);
      const total = base.reduce((sum, p) => sum + weight(p), 0);
      if (!total) return null;
      const got = applicable.reduce((sum, p) => sum + weight(p) * earned.get(p.id), 0);
      return Math.min(100, Math.round((10000 * got) / total + 1e-9) / 100);
    };
    const sections = {};
    for (const code of new Set(specs.parameters.map((p) => p.section))) {
      sections[code] = score(specs.parameters.filter((p) => p.section === code));
    }
    let total = score(specs.parameters);
    if (total !== null && critical.some((c) => c.scope === "shop")) total = 0;
    return { score: total, sections, critical };
  };

  // --- The score panel --------------------------------------------------------
  const number = new Intl.NumberFormat(document.documentElement.lang || undefined, {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  });
  const shown = (value) =>
    value === null || value === undefined || value === "" ? "—" : number.format(Number(value));

  const parameterLabel = (id) => {
    const legend = form.elements.namedItem(`answer-${id}`)?.[0]?.closest("fieldset")?.querySelector("legend");
    if (!legend) return "";
    const copy = legend.cloneNode(true);
    copy.querySelectorAll(".badge").forEach((badge) => badge.remove());
    return copy.textContent.replace(/\s+/g, " ").trim();
  };

  const showScores = ({ score, sections, critical }, provisional) => {
    document.querySelectorAll("[data-score-total]").forEach((el) => {
      el.textContent = shown(score);
    });
    document.querySelectorAll("[data-section]").forEach((el) => {
      el.textContent = shown(sections?.[el.dataset.section]);
    });
    document.querySelectorAll("[data-score-state]").forEach((el) => {
      el.textContent = provisional ? msgs.provisional : "";
    });
    const list = document.querySelector("[data-critical]");
    if (list) {
      const items = (critical || []).map((c) => {
        const li = document.createElement("li");
        li.className = "text-danger-emphasis mb-1";
        const badge = document.createElement("span");
        badge.className = "badge text-bg-danger";
        badge.textContent = c.type;
        const scope = c.scope === "section" ? list.dataset.scopeSection : list.dataset.scopeShop;
        li.append(badge, ` ${parameterLabel(c.parameter)} — ${scope}`);
        return li;
      });
      if (!items.length) {
        const li = document.createElement("li");
        li.className = "text-body-secondary";
        li.textContent = list.dataset.none;
        items.push(li);
      }
      list.replaceChildren(...items);
    }
    const now = answersNow();
    const applies = applying(now);
    const answered = [...now].filter(([id, value]) => value && applies.has(id)).length;
    document.querySelectorAll("[data-parameter-count]").forEach((el) => {
      el.textContent = applies.size;
    });
    document.querySelectorAll("[data-answered]").forEach((el) => {
      el.textContent = answered;
    });
  };

  // --- A copy of what is typed, kept in this browser --------------------------
  const prefix = `shop-form:${form.dataset.shop}:`;
  const store = (() => {
    try {
      window.localStorage.setItem(`${prefix}probe`, "1");
      window.localStorage.removeItem(`${prefix}probe`);
      return window.localStorage;
    } catch {
      return null; // private mode or storage switched off
    }
  })();
  const storedKeys = () => (store ? Object.keys(store).filter((k) => k.startsWith(prefix)) : []);
  const dropCopy = () => storedKeys().forEach((key) => store.removeItem(key));
  const keepCopy = () => {
    if (!store) return;
    const entries = [];
    for (const [name, value] of new FormData(form)) {
      if (name !== "csrfmiddlewaretoken" && name !== "version") entries.push([name, value]);
    }
    dropCopy();
    try {
      store.setItem(
        prefix + versionInput.value,
        JSON.stringify({ typed_at: new Date().toISOString(), version: versionInput.value, entries }),
      );
    } catch {
      // storage full: the autosave still runs
    }
  };

  const putBack = () => {
    const key = storedKeys()[0];
    if (!key) return false;
    let copy = null;
    try {
      copy = JSON.parse(store.getItem(key));
    } catch {
      copy = null;
    }
    if (!copy || !(Date.parse(copy.typed_at) > Date.parse(form.dataset.savedAt))) {
      dropCopy();
      return false;
    }
    const values = new Map();
    copy.entries.forEach(([name, value]) => {
      if (!values.has(name)) values.set(name, value);
    });
    for (const el of form.elements) {
      if (!el.name || el.name === "csrfmiddlewaretoken" || el.name === "version") continue;
      if (el.type === "submit" || el.type === "button") continue;
      if (el.type === "radio") {
        if (values.has(el.name)) el.checked = values.get(el.name) === el.value;
      } else if (el.type === "checkbox") {
        el.checked = values.has(el.name);
      } else if (values.has(el.name)) {
        el.value = values.get(el.name);
      }
    }
    // Let scorecards.js show the nonconformity fields of "not met" answers.
    form.querySelectorAll(".ms-line input[type=radio]:checked").forEach((radio) => {
      radio.dispatchEvent(new Event("change", { bubbles: true }));
    });
    form.elements.namedItem("agent_not_identified")?.dispatchEvent(new Event("change"));
    document.getElementById("restore-notice")?.classList.remove("d-none");
    return true;
  };

  // --- Autosave ---------------------------------------------------------------
  let timer = null;
  let inFlight = null;
  let again = false;
  let stopped = false; // after a conflict, or once the form is being submitted
  let edits = 0;

  // The fields the server could not save are marked in place; the others were saved.
  const markErrors = (errors) => {
    form.querySelectorAll("[data-placed]").forEach((note) => {
      const name = note.id.replace(/-error$/, "");
      if (!(name in errors)) clearError(name);
    });
    for (const [name, list] of Object.entries(errors)) placeError(name, list[0], true);
  };

  const firstError = (errors) => {
    for (const [name, list] of Object.entries(errors || {})) {
      const label = document.querySelector(`label[for="id_${name}"]`)?.textContent.trim();
      return label ? `${label.replace(/\*$/, "")}: ${list[0]}` : list[0];
    }
    return "";
  };

  const send = async () => {
    const seq = edits;
    setStatus(msgs.saving);
    let response;
    try {
      response = await fetch(form.dataset.autosaveUrl, {
        method: "POST",
        body: new FormData(form),
        headers: { "X-CSRFToken": csrf, Accept: "application/json" },
        credentials: "same-origin",
      });
    } catch {
      setStatus(msgs.offline);
      if (!timer) timer = setTimeout(save, 10000);
      return;
    }
    const data = await response.json().catch(() => ({}));
    if (response.ok && !response.redirected && typeof data.version === "number") {
      versionInput.value = data.version;
      form.dataset.savedAt = data.saved_at;
      const unsaved = data.unsaved || [];
      markErrors(data.errors || {});
      if (unsaved.length) {
        setStatus(fill(msgs.partial, { time: data.saved_at_display, fields: unsaved.join(", ") }));
      } else {
        setStatus(fill(msgs.saved, { time: data.saved_at_display }));
      }
      if (edits === seq) showScores(data, false);
      if (edits === seq && !unsaved.length) {
        dropCopy();
      } else {
        // Typed meanwhile, or a field the server refused: this browser keeps
        // the whole form under the new version until every field is saved.
        keepCopy();
      }
    } else if (response.status === 409) {
      stopped = true;
      clearTimeout(timer);
      keepCopy(); // newer than the other save, so it is offered again after a reload
      const notice = document.getElementById("stale-notice");
      notice.querySelector("[data-stale-message]").textContent = data.error || "";
      notice.classList.remove("d-none");
      setStatus(data.error || "");
    } else if (response.status === 400) {
      setStatus(fill(msgs.invalid, { error: firstError(data.errors) }));
    } else {
      setStatus(fill(msgs.failed, { status: response.status }));
    }
  };

  const save = async () => {
    clearTimeout(timer);
    timer = null;
    if (stopped) return;
    if (inFlight) {
      again = true; // one save at a time: the version must follow each answer
      return;
    }
    inFlight = send();
    try {
      await inFlight;
    } finally {
      inFlight = null;
    }
    if (again && !stopped) {
      again = false;
      save();
    }
  };

  const edited = (event) => {
    const target = event.target;
    if (!target.name || target.form !== form) return;
    clearError(target.name);
    edits += 1;
    keepCopy();
    showScores(compute(answersNow()), true);
    if (stopped) return;
    setStatus(msgs.unsaved);
    clearTimeout(timer);
    timer = setTimeout(save, 1000);
  };
  form.addEventListener("input", edited);
  form.addEventListener("change", edited);

  // --- Submit once --------------------------------------------------------------
  let submitting = false;
  form.addEventListener("submit", async (event) => {
    if (submitting) {
      event.preventDefault(); // a second click: the first one is on its way
      return;
    }
    // An autosave still waiting is not needed: the POST carries every answer.
    clearTimeout(timer);
    timer = null;
    if (inFlight) {
      // Let the autosave on its way finish first: the POST needs its version.
      // (requestSubmit is ignored while the browser is still firing this
      // event, so it is only called after the await.)
      event.preventDefault();
      const submitter = event.submitter;
      again = false;
      while (inFlight) await inFlight;
      form.requestSubmit(submitter);
      return;
    }
    submitting = true;
    stopped = true;
    // Disabled after the browser has read the clicked button's name and value.
    setTimeout(() => {
      document.querySelectorAll('button[form="shop-form"]').forEach((button) => {
        button.disabled = true;
      });
    }, 0);
  });
  // Coming back with the browser's Back button shows the page as it was left.
  window.addEventListener("pageshow", (event) => {
    if (!event.persisted) return;
    submitting = false;
    document.querySelectorAll('button[form="shop-form"]').forEach((button) => {
      button.disabled = false;
    });
  });

  if (putBack()) {
    edits += 1;
    showScores(compute(answersNow()), true);
    timer = setTimeout(save, 1000);
  }
})();
