// The synthesis workspace: copy a conclusion posted in the panel's discussion into the
// conclusions field (to be saved with the synthesis). Without this file the conclusion
// is still shown beside the form, to copy by hand.
(function () {
  "use strict";

  function reveal() {
    document.querySelectorAll("[data-copy-conclusion]").forEach(function (button) {
      button.hidden = false;
    });
  }

  // htmx runs this file again when it swaps the thread in: listen once.
  if (window.thamvanDiscussion) {
    reveal();
    return;
  }
  window.thamvanDiscussion = true;

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-copy-conclusion]");
    const field = document.getElementById("id_conclusions");
    if (!button || !field) {
      return;
    }
    const text = button.dataset.copyConclusion;
    if (!field.value.includes(text)) {
      field.value = field.value.trim() ? field.value.trimEnd() + "\n\n" + text : text;
    }
    field.focus();
  });
  document.addEventListener("htmx:afterSwap", reveal);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", reveal);
  } else {
    reveal();
  }
})();
