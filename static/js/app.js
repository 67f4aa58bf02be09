// Small progressive enhancements; every page works without this file.
document.addEventListener("click", (event) => {
  const target = event.target.closest("[data-confirm]");
  if (target && !window.confirm(target.dataset.confirm)) {
    event.preventDefault();
  }
});

// Live preview of a composed document number: "45" shows as "Số: 45/BC-HQHPTĐTVN".
document.addEventListener("input", (event) => {
  const input = event.target.closest("[data-number-symbol]");
  const preview = input && document.querySelector(`output[for="${input.id}"]`);
  if (!preview) return;
  const number = input.value.trim();
  const shown = /^[0-9]+$/.test(number) ? String(Number(number)).padStart(2, "0") : number || "…";
  preview.textContent = `Số: ${shown}/${preview.dataset.symbol}`;
});

// A "select all" box ticks or clears the boxes it names in its form (the registry's bulk action).
document.addEventListener("change", (event) => {
  const all = event.target.closest("[data-check-all]");
  if (!all || !all.form) return;
  for (const box of all.form.querySelectorAll(`input[type=checkbox][name="${all.dataset.checkAll}"]`)) {
    box.checked = all.checked;
  }
});
