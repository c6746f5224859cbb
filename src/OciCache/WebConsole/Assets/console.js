// OciCache console: refreshes the overview's figures, copies pull commands, sends admin forms to /api/.
// Pages that only show work without it.
"use strict";
(function () {
  const csrf = document.querySelector('meta[name="csrf-token"]');
  const bytes = (n) => { const u = ["B", "KiB", "MiB", "GiB", "TiB"]; let i = 0; while (Math.abs(n) >= 1024 && i < u.length - 1) { n /= 1024; i++; } return i === 0 ? n + " B" : n.toFixed(1) + " " + u[i]; };
  const number = (n) => n.toLocaleString("en-US");
  const formats = { hits: number, misses: number, requests: number, servedBytes: bytes, fetchedBytes: bytes,
    hitRatio: (r) => r === null ? "–" : (r * 100).toFixed(1) + " %", state: (s) => s };

  const cards = document.querySelector("[data-refresh]");
  if (cards) {
    setInterval(async () => {
      try {
        const response = await fetch(cards.dataset.refresh, { credentials: "same-origin" });
        if (!response.ok) return;
        const data = await response.json();
        for (const upstream of data.upstreams) {
          const card = cards.querySelector(`[data-upstream="${CSS.escape(upstream.name)}"]`);
          if (!card) continue;
          for (const [field, format] of Object.entries(formats)) {
            const element = card.querySelector(`[data-field="${field}"]`);
            if (element) element.textContent = format(upstream[field]);
          }
          const state = card.querySelector('[data-field="state"]');
          if (state) state.className = "state " + upstream.state;
        }
      } catch (e) { /* the next tick tries again */ }
    }, 5000);
  }

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("button.copy");
    if (!button) return;
    try { await navigator.clipboard.writeText(button.dataset.copy); button.textContent = "Copied"; }
    catch (e) { button.textContent = "Select and copy"; }
  });

  for (const form of document.querySelectorAll("form.api")) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = {};
      for (const [name, value] of new FormData(form)) {
        if (value === "") continue;
        body[name] = name === "scopes" ? value.split(/[\s,]+(?=repository:)/) : value;
      }
      const headers = { "Content-Type": "application/json" };
      if (csrf) headers["X-CSRF-Token"] = csrf.content;
      const response = await fetch(form.dataset.action, { method: form.dataset.method, headers, credentials: "same-origin",
        body: form.dataset.method === "DELETE" ? undefined : JSON.stringify(body) });
      const text = await response.text();
      if (!response.ok) { alert(text); return; }
      if (form.dataset.shows) {
        const shown = form.nextElementSibling;
        shown.hidden = false;
        shown.textContent = "Shown this once, copy it now: " + JSON.parse(text)[form.dataset.shows];
        form.reset();
        return;
      }
      location.reload();
    });
  }
})();
