// Searchable pickers: every select[data-picker] becomes a Tom Select control.
// Tom Select itself comes from the django-tomselect package's static files;
// without it (or without script) the select stays a plain select.
(() => {
  "use strict";

  const escapeHtml = (text) =>
    String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

  // Remote pickers: the server filters and bounds the options (access rules
  // apply there), so the control shows what it receives as is.
  const remoteOptions = (url) => ({
    valueField: "value",
    labelField: "text",
    searchField: [],
    loadThrottle: 250,
    shouldLoad: (query) => query.trim().length > 0,
    load(query, callback) {
      const address = new URL(url, window.location.origin);
      address.searchParams.set("q", query);
      window
        .fetch(address, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((response) => (response.ok ? response.json() : { results: [] }))
        .then((data) => callback(data.results))
        .catch(() => callback());
    },
  });

  const enhance = (select) => {
    if (select.tomselect || typeof window.TomSelect !== "function") return;
    const words = select.dataset;
    const settings = {
      maxOptions: null,
      placeholder: words.pickerPlaceholder,
      hidePlaceholder: true,
      plugins: select.multiple ? { remove_button: { title: words.pickerRemove } } : {},
      render: {
        no_results: () => `<div class="no-results">${escapeHtml(words.pickerNoResults)}</div>`,
      },
    };
    if (words.pickerUrl) Object.assign(settings, remoteOptions(words.pickerUrl));
    // Tom Select points the field's label at its own input; the original select stays
    // in the page (hidden, for the form) and keeps the label's words as its name.
    const label = select.id ? document.querySelector(`label[for="${select.id}"]`) : null;
    const name = label ? label.textContent.trim() : "";
    new window.TomSelect(select, settings);
    if (name && !select.hasAttribute("aria-label")) select.setAttribute("aria-label", name);
  };

  const enhanceWithin = (root) => {
    if (root.matches && root.matches("select[data-picker]")) enhance(root);
    root.querySelectorAll("select[data-picker]").forEach(enhance);
  };

  document.addEventListener("DOMContentLoaded", () => enhanceWithin(document));
  // Forms that htmx swaps in (filters, formset rows) get the same treatment.
  document.addEventListener("htmx:load", (event) => enhanceWithin(event.target));
})();
