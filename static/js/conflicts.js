// Declaring a conflict of interest: show only the fields the chosen kind needs.
// Hidden fields are disabled so they are not sent; without this file every field
// shows and the server says which ones to leave empty.
document.querySelectorAll("form[data-conflict-form]").forEach((form) => {
  const kind = form.querySelector('select[name="kind"]');
  if (!kind) return;
  const fields = form.querySelectorAll("[data-conflict-kinds]");
  const update = () => {
    fields.forEach((input) => {
      const wanted = input.dataset.conflictKinds.split(" ").includes(kind.value);
      const wrapper = input.closest(".field");
      if (wrapper) wrapper.hidden = !wanted;
      input.disabled = !wanted;
      if (input.tomselect) {
        if (wanted) input.tomselect.enable();
        else input.tomselect.disable();
      }
    });
  };
  kind.addEventListener("change", update);
  update();
});
