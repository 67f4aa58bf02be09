// Expert forms: "add a row" for the affiliation and unavailable-period formsets.
// Without this file each formset still offers one empty row per save.
document.querySelectorAll("[data-formset]").forEach((fieldset) => {
  const prefix = fieldset.dataset.formset;
  const total = fieldset.querySelector(`input[name="${prefix}-TOTAL_FORMS"]`);
  const body = fieldset.querySelector("[data-formset-body]");
  const template = fieldset.querySelector("template[data-formset-template]");
  const button = fieldset.querySelector("[data-formset-add]");
  if (!total || !body || !template || !button) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", () => {
    const index = Number.parseInt(total.value, 10);
    const html = template.innerHTML.replaceAll("__prefix__", String(index));
    body.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    const first = body.lastElementChild?.querySelector("input, select, textarea");
    if (first) {
      first.focus();
    }
  });
});
